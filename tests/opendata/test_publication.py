"""Publishing: atomic versions, snapshot retention, flat memory, the command and the task."""

from __future__ import annotations

import datetime as dt
import tracemalloc
from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.utils import timezone

from frenchimpact.jobs.scheduler import REGISTRY
from frenchimpact.opendata import publish, tasks
from frenchimpact.opendata.datasets import DATASETS, Dataset, Field
from frenchimpact.opendata.models import Publication
from frenchimpact.organisations.enums import ModerationStatus
from frenchimpact.organisations.models import Organisation

from ..organisations.factories import PublishedOrganisationFactory, department
from .conftest import stored_text

pytestmark = pytest.mark.django_db
ORGANISATIONS = DATASETS["organisations"]


def _exists(publication: Publication) -> bool:
    return all(default_storage.exists(info["name"]) for info in publication.files.values())


def test_a_failed_generation_leaves_the_previous_version_and_no_file(db):
    PublishedOrganisationFactory.create(name="Première")
    first = publish.publish_dataset(ORGANISATIONS)

    def broken(chunk_size: int) -> Iterator[tuple]:
        yield from ORGANISATIONS.rows(chunk_size)
        raise RuntimeError("database gone")

    listed_before = default_storage.listdir("opendata/organisations")[0]
    with pytest.raises(RuntimeError):
        publish.publish_dataset(
            Dataset("organisations", "t", "d", ORGANISATIONS.fields, broken),
            now=timezone.now() + dt.timedelta(seconds=1),
        )
    assert list(Publication.objects.all()) == [first]
    assert publish.latest_publication(ORGANISATIONS) == first
    assert _exists(first)
    # Nothing half-written was stored.
    assert default_storage.listdir("opendata/organisations")[0] == listed_before


def test_a_new_version_replaces_latest_only_once_complete(db):
    PublishedOrganisationFactory.create(name="Première")
    first = publish.publish_dataset(ORGANISATIONS, now=timezone.now() - dt.timedelta(hours=1))
    PublishedOrganisationFactory.create(name="Deuxième")
    second = publish.publish_dataset(ORGANISATIONS)
    assert publish.latest_publication(ORGANISATIONS) == second
    assert second.row_count == 2
    assert "Deuxième" in stored_text(second, "csv")
    # The same day's earlier version is no longer kept (one snapshot per day).
    if first.published_on == second.published_on:
        assert not Publication.objects.filter(pk=first.pk).exists()
        assert not any(default_storage.exists(i["name"]) for i in first.files.values())


def test_snapshots_are_kept_for_the_configured_days(db, settings):
    settings.OPENDATA_SNAPSHOT_DAYS = 30
    PublishedOrganisationFactory.create()
    now = timezone.now()
    old = publish.publish_dataset(ORGANISATIONS, now=now - dt.timedelta(days=40))
    recent = publish.publish_dataset(ORGANISATIONS, now=now - dt.timedelta(days=10))
    latest = publish.publish_dataset(ORGANISATIONS, now=now)
    assert set(Publication.objects.values_list("pk", flat=True)) == {recent.pk, latest.pk}
    assert not any(default_storage.exists(info["name"]) for info in old.files.values())
    assert _exists(recent) and _exists(latest)

    settings.OPENDATA_SNAPSHOT_DAYS = 5
    publish.prune(ORGANISATIONS)
    assert list(Publication.objects.values_list("pk", flat=True)) == [latest.pk]


def test_the_latest_version_is_kept_however_old(db, settings):
    settings.OPENDATA_SNAPSHOT_DAYS = 1
    PublishedOrganisationFactory.create()
    only = publish.publish_dataset(ORGANISATIONS, now=timezone.now() - dt.timedelta(days=90))
    assert publish.prune(ORGANISATIONS) == 0
    assert _exists(only)


def _organisations(count: int, start: int) -> None:
    paris = department()
    Organisation.objects.bulk_create(
        Organisation(
            name=f"Structure {start + index}",
            description="Une structure de l’économie sociale et solidaire. " * 4,
            department=paris,
            region=paris.region,
            status=ModerationStatus.PUBLISHED,
            kinds=["porteur_projet"],
        )
        for index in range(count)
    )


def _peak(chunk_size: int) -> tuple[int, int]:
    tracemalloc.start()
    try:
        publication = publish.publish_dataset(ORGANISATIONS, chunk_size=chunk_size)
        return tracemalloc.get_traced_memory()[1], publication.row_count
    finally:
        tracemalloc.stop()


@pytest.fixture
def file_storage(settings, tmp_path):
    # On disk, as in production (the tests' in-memory storage holds whole files in memory).
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    return tmp_path / "media"


def test_files_are_moved_into_a_filesystem_storage(db, file_storage):
    PublishedOrganisationFactory.create(name="Sur disque")
    publication = publish.publish_dataset(ORGANISATIONS)
    path = file_storage / publication.files["csv"]["name"]
    assert "Sur disque" in path.read_text(encoding="utf-8")
    assert path.stat().st_size == publication.files["csv"]["bytes"]


def test_memory_stays_flat_when_the_table_grows(db, file_storage):
    # Ten times more rows must not take (much) more memory: rows are streamed, never listed.
    _organisations(500, 0)
    small_peak, small_rows = _peak(chunk_size=100)
    _organisations(4_500, 500)
    large_peak, large_rows = _peak(chunk_size=100)
    assert (small_rows, large_rows) == (500, 5_000)
    assert large_peak < small_peak * 1.5 + 256 * 1024, (small_peak, large_peak)


def test_write_rows_streams_a_generator_without_keeping_rows(tmp_path):
    dataset = Dataset(
        "essai",
        "t",
        "d",
        (Field("id", "integer", "id", required=True), Field("nom", "string", "nom")),
        lambda chunk: iter(()),
    )

    def rows(count: int) -> Iterator[tuple]:
        return ((index, f"Ligne {index} " * 5) for index in range(count))

    def peak(count: int) -> int:
        with (tmp_path / "a.csv").open("w") as c, (tmp_path / "a.json").open("w") as j:
            tracemalloc.start()
            try:
                assert publish.write_rows(dataset, rows(count), publish.Outputs(c, j)) == count
                return tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()

    assert peak(200_000) < peak(2_000) + 256 * 1024


def test_command_publishes_the_chosen_datasets(db):
    department("35", "Ille-et-Vilaine", "53")
    out = StringIO()
    call_command("publish_datasets", "--jeu", "territoires", stdout=out)
    assert "territoires : 2 lignes publiées (csv, json)." in out.getvalue()
    assert list(Publication.objects.values_list("dataset", flat=True)) == ["territoires"]


def test_command_refuses_an_unknown_dataset(db):
    with pytest.raises(CommandError, match="Jeu de données inconnu : inconnu"):
        call_command("publish_datasets", "--jeu", "inconnu")
    assert not Publication.objects.exists()


def test_the_daily_task_publishes_every_dataset(db):
    job = REGISTRY["frenchimpact.opendata.tasks.publish_datasets"]
    assert job.daily_at == dt.time(4, 30)
    result = tasks.publish_datasets.enqueue()
    assert result.return_value == dict.fromkeys(DATASETS, 0)
    assert set(Publication.objects.values_list("dataset", flat=True)) == set(DATASETS)
