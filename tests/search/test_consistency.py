"""How the embedded index stays consistent with the database: the change log, its position
inside each node's index, crash and replay, the writer lock, rebuilds and pruning."""

import datetime as dt
import fcntl
import json

import pytest
from django.db import transaction
from django.utils import timezone

from frenchimpact.jobs.scheduler import REGISTRY
from frenchimpact.organisations.enums import ModerationStatus
from frenchimpact.organisations.models import Organisation
from frenchimpact.search import changelog, documents, embedded, engine
from frenchimpact.search.documents import ORGANISATION
from frenchimpact.search.models import SearchChange

from . import builders

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def index_exists(settings):
    settings.SEARCH_ENGINE = "tantivy"
    documents.rebuild()


def found(q=""):
    return engine.query(ORGANISATION, q, limit=100).ids


def generation_path(settings):
    base = settings.SEARCH_INDEX_DIR
    return base / (base / embedded.POINTER).read_text().strip()


def test_changes_are_logged_in_the_callers_transaction(territories):
    with pytest.raises(RuntimeError), transaction.atomic():
        builders.organisation(name="Fantôme")
        assert SearchChange.objects.filter(kind=ORGANISATION).count() == 1  # before commit
        raise RuntimeError
    assert not SearchChange.objects.exists()  # the rollback took the row with it
    assert found("fantome") == []
    organisation = builders.organisation(name="Atelier")
    change = SearchChange.objects.get()
    assert (change.kind, change.object_id, change.action) == (
        ORGANISATION,
        organisation.pk,
        "reload",
    )
    assert found("atelier") == [organisation.pk]


def test_a_search_inside_a_transaction_does_not_apply_its_uncommitted_rows(territories):
    with transaction.atomic():
        builders.organisation(name="Brouillon")
        assert found("brouillon") == []  # not applied before the commit
    assert found("brouillon") != []


def test_the_position_is_stored_with_the_index_and_replay_is_harmless(settings, territories):
    organisation = builders.organisation(name="Atelier Vélo")
    assert found("velo") == [organisation.pk]
    path = generation_path(settings)
    state = json.loads((path / embedded.STATE).read_text())
    assert state["applied"] == changelog.latest_id()
    # A crash after the index committed but before the position was written: the rows are
    # applied again at the next search, with the same result (no duplicate).
    (path / embedded.STATE).write_text(json.dumps({**state, "applied": 0}))
    embedded.reset()
    assert found("velo") == [organisation.pk]
    assert engine.query(ORGANISATION).total == 1
    assert json.loads((path / embedded.STATE).read_text())["applied"] == state["applied"]


def test_a_failure_while_applying_keeps_the_position_and_answers(territories, monkeypatch):
    organisation = builders.organisation(name="Atelier")
    real_load = engine.source.load

    def failing(kind, ids):
        raise RuntimeError("database gone")

    monkeypatch.setattr(engine.source, "load", failing)
    assert found("atelier") == []  # the committed index answers; nothing half-written
    monkeypatch.setattr(engine.source, "load", real_load)
    assert found("atelier") == [organisation.pk]


def test_a_process_without_the_writer_lock_answers_from_what_is_committed(settings, territories):
    with (settings.SEARCH_INDEX_DIR / embedded.LOCK).open("a") as other_process:
        fcntl.flock(other_process, fcntl.LOCK_EX)
        organisation = builders.organisation(name="Atelier")
        assert found("atelier") == []  # did not wait for the lock
        fcntl.flock(other_process, fcntl.LOCK_UN)
    assert found("atelier") == [organisation.pk]


def test_rebuild_switches_generations_without_downtime(settings, territories):
    first = builders.organisation(name="Première")
    assert found() == [first.pk]
    before = generation_path(settings)
    answered_during = []

    def stream():
        yield from documents.all_documents()
        # The live generation keeps answering while the new one is being built.
        answered_during.append(found())

    second = builders.organisation(name="Seconde")
    engine.rebuild(stream())
    after = generation_path(settings)
    assert after != before
    assert answered_during == [[second.pk, first.pk]]
    assert sorted(found()) == sorted([first.pk, second.pk])
    # Changes logged during the build are applied before the switch.
    third = builders.organisation(name="Troisième")
    assert found("troisieme") == [third.pk]


def test_old_generations_are_removed(settings):
    for _ in range(4):
        documents.rebuild()
    generations = sorted(p.name for p in settings.SEARCH_INDEX_DIR.glob("gen-*"))
    assert len(generations) == 2
    assert generations[-1] == (settings.SEARCH_INDEX_DIR / embedded.POINTER).read_text()


def test_imports_append_change_rows_in_bulk(settings, territories, django_assert_max_num_queries):
    Organisation.objects.bulk_create(
        [Organisation(name=f"Import {n}", status=ModerationStatus.PUBLISHED) for n in range(2500)]
    )
    ids = list(Organisation.objects.values_list("pk", flat=True))
    with django_assert_max_num_queries(12):  # per 1000 ids: a savepoint and one insert
        documents.sync_organisations(ids)
    assert SearchChange.objects.count() == 2500
    # A search applies at most SEARCH_SYNC_MAX_ROWS rows before answering; the next, the rest.
    assert settings.SEARCH_SYNC_MAX_ROWS == 2000
    assert engine.query(ORGANISATION, "import").total == 2000
    assert engine.query(ORGANISATION, "import").total == 2500


def test_pruning_keeps_a_marker_and_a_node_behind_it_rebuilds(settings, territories):
    old = builders.organisation(name="Ancienne")
    recent = builders.organisation(name="Récente")
    SearchChange.objects.filter(object_id=old.pk).update(
        created_at=timezone.now() - dt.timedelta(days=30)
    )
    marker = SearchChange.objects.get(object_id=old.pk).pk
    assert changelog.prune(older_than=dt.timedelta(days=7)) == 0  # nothing before the marker
    assert SearchChange.objects.get(pk=marker).action == "pruned"
    # A node that had not applied the pruned rows rebuilds from the database.
    path = generation_path(settings)
    (path / embedded.STATE).write_text(json.dumps({"applied": 0, "changed": {}}))
    embedded.reset()
    assert sorted(found()) == sorted([old.pk, recent.pk])
    assert generation_path(settings) != path


def test_prune_job_is_registered():
    assert "frenchimpact.search.tasks.prune_search_changes" in REGISTRY


@pytest.mark.parametrize("facet_sets", [10_000, 3])
def test_facet_counts_are_exact_whatever_the_number_of_values(monkeypatch, facet_sets):
    # Sets of at most SET_MAX values are counted as sets, larger ones value by value; with
    # more distinct sets than FACET_SETS, every value is counted one by one.
    monkeypatch.setattr(embedded, "FACET_SETS", facet_sets)
    regions = [["53"], ["53", "11"], ["11", "84", "93"], [], ["01", "02", "03", "04", "53"], ["84"]]
    engine.index(
        engine.Document(kind="essai", object_id=pk, title="Projet", facets={"region": values})
        for pk, values in enumerate(regions, start=1)
    )
    expected: dict[str, int] = {}
    for values in regions:
        for value in values:
            expected[value] = expected.get(value, 0) + 1
    assert engine.query("essai", facets=("region",)).facets["region"] == expected
    filtered = engine.query("essai", filters={"region": ["84"]}, facets=("region",))
    assert filtered.total == 2
    assert filtered.facets["region"] == expected  # disjunctive: its own filter is ignored


def test_an_index_of_an_older_schema_is_rebuilt(settings, territories):
    organisation = builders.organisation(name="Atelier")
    path = generation_path(settings)
    state = json.loads((path / embedded.STATE).read_text())
    (path / embedded.STATE).write_text(json.dumps({**state, "schema": 1}))
    embedded.reset()
    assert found("atelier") == [organisation.pk]
    assert generation_path(settings) != path


def test_a_large_index_is_never_built_inside_a_request(settings, territories, client):
    builders.organisation(name="Atelier")
    settings.SEARCH_INLINE_BUILD_MAX = 0  # "large": more documents than a request may index
    path = generation_path(settings)
    state = json.loads((path / embedded.STATE).read_text())
    (path / embedded.STATE).write_text(json.dumps({**state, "schema": 1}))
    embedded.reset()
    with pytest.raises(engine.SearchUnavailable):
        found("atelier")
    assert generation_path(settings) == path  # nothing was built
    api = client.get("/api/v1/organisations/", {"q": "atelier"})
    assert api.status_code == 503 and api["Retry-After"] == "300"
    assert api.json()["erreur"] == "Service indisponible"
    assert "en cours de construction" in api.json()["detail"]
    page = client.get("/annuaire/structures/", {"q": "atelier"})
    assert page.status_code == 503
    assert "Recherche momentanément indisponible" in page.content.decode()
    # The operator's command builds it; searches answer again.
    documents.rebuild()
    assert len(found("atelier")) == 1


def test_a_node_behind_the_pruned_log_does_not_rebuild_a_large_index_in_a_request(
    settings, territories
):
    builders.organisation(name="Ancienne")
    SearchChange.objects.update(created_at=timezone.now() - dt.timedelta(days=30))
    builders.organisation(name="Récente")
    changelog.prune(older_than=dt.timedelta(days=7))
    path = generation_path(settings)
    state = json.loads((path / embedded.STATE).read_text())
    (path / embedded.STATE).write_text(json.dumps({**state, "applied": 0}))
    settings.SEARCH_INLINE_BUILD_MAX = 0
    embedded.reset()
    found()  # answers from the stale index
    assert generation_path(settings) == path
