"""Staff pages of imports (/gestion/imports/): history, report, rejected rows download."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.urls import URLResolver, include, path, reverse
from django.utils import timezone

from config import urls as root_urls
from frenchimpact.accounts.roles import Role
from frenchimpact.registries.models import ImportKind, ImportReject, ImportRun, ImportStatus

from ..accounts.factories import UserFactory, superuser, user_with_role

# Until the lead mounts the pages in config/urls.py: the site's URLs plus these.
urlpatterns = [
    pattern
    for pattern in root_urls.urlpatterns
    if not (isinstance(pattern, URLResolver) and pattern.namespace == "imports")
] + [path("gestion/imports/", include("frenchimpact.registries.staff_urls"))]

pytestmark = pytest.mark.urls(__name__)


def make_run(**values) -> ImportRun:
    defaults = {
        "kind": ImportKind.PROJECTS,
        "file_name": "projets.csv",
        "file_sha256": "a" * 64,
        "file_size": 2048,
        "status": ImportStatus.COMPLETED,
    }
    return ImportRun.objects.create(**{**defaults, **values})


@pytest.fixture
def staff(db):
    return user_with_role(Role.PROGRAMME_STAFF, email="equipe@frenchimpact.fr")


@pytest.fixture
def run(db, staff):
    started = timezone.now() - datetime.timedelta(seconds=90)
    run = make_run(
        rows_read=120,
        created=100,
        unchanged=5,
        skipped={"unité non ESS": 10, "non diffusible": 2},
        rejected=3,
        message="Reprise après une interruption (à partir de la ligne 61).",
        started_by=staff,
        finished_at=started + datetime.timedelta(seconds=60),
    )
    ImportRun.objects.filter(pk=run.pk).update(started_at=started)
    run.refresh_from_db()
    ImportReject.objects.bulk_create(
        [
            ImportReject(run=run, line=7, reason="structure inconnue", raw='=HYPERLINK("x");A'),
            ImportReject(run=run, line=3, reason="-2 champs", raw="+33 6 00;@cmd"),
            ImportReject(run=run, line=12, reason="valeur manquante : titre", raw="ok;texte"),
        ]
    )
    return run


@pytest.mark.parametrize("name", ["history", "detail", "rejects"])
def test_access(client, run, name):
    url = (
        reverse(f"imports:{name}")
        if name == "history"
        else reverse(f"imports:{name}", args=[run.pk])
    )
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))

    client.force_login(UserFactory.create())
    assert client.get(url).status_code == 403
    client.force_login(user_with_role(Role.PROJECT_HOLDER))
    assert client.get(url).status_code == 403

    client.force_login(user_with_role(Role.PROGRAMME_STAFF))
    assert client.get(url).status_code == 200
    client.force_login(superuser())
    assert client.get(url).status_code == 200


def test_history_lists_runs_filtered_by_kind(client, staff, run):
    make_run(kind=ImportKind.RNA, file_name="rna_waldec.csv", status=ImportStatus.FAILED)
    client.force_login(staff)
    response = client.get(reverse("imports:history"))
    content = response.content.decode()
    assert "projets.csv" in content and "rna_waldec.csv" in content
    assert "<caption>Historique des imports</caption>" in content
    assert '<th scope="col">Lignes lues</th>' in content
    assert "Échoué" in content

    filtered = client.get(reverse("imports:history"), {"type": ImportKind.RNA}).content.decode()
    assert "rna_waldec.csv" in filtered and "projets.csv" not in filtered
    assert "1 import<" in filtered


def test_history_is_paginated_with_a_fixed_number_of_queries(client, staff):
    client.force_login(staff)
    url = reverse("imports:history")
    for n in range(3):
        make_run(file_name=f"petit-{n}.csv", started_by=user_with_role(Role.PROGRAMME_STAFF))
    client.get(url)  # warm the session and role caches
    few = _count_queries(client, url)
    for n in range(40):
        make_run(file_name=f"grand-{n}.csv", started_by=staff)
    many = _count_queries(client, url)
    assert few == many
    page_2 = client.get(url, {"page": 2}).content.decode()
    assert "Page précédente" in page_2


def _count_queries(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_detail_shows_the_report(client, staff, run):
    client.force_login(staff)
    content = client.get(reverse("imports:detail", args=[run.pk])).content.decode()
    assert "Projets de réseaux partenaires — projets.csv" in content
    assert "<caption>Rapport de l’import</caption>" in content
    assert '<th scope="row">Lignes lues</th><td>120</td>' in content
    assert '<th scope="row">Créées</th><td>100</td>' in content
    assert '<th scope="row">Ignorées</th><td>12</td>' in content
    assert '<th scope="row">Rejetées</th><td>3</td>' in content
    assert "60,0 s" in content or "60.0 s" in content
    assert "2 lignes par seconde" in content
    # Skipped reasons, the biggest first.
    assert content.index("unité non ESS") < content.index("non diffusible")
    assert "Reprise après une interruption" in content
    assert str(staff) in content
    assert "Terminé" in content
    assert reverse("imports:rejects", args=[run.pk]) in content
    # The first rejects, by line.
    assert content.index('<th scope="row">3</th>') < content.index('<th scope="row">7</th>')


def test_detail_of_unknown_run_is_404(client, staff):
    client.force_login(staff)
    assert client.get(reverse("imports:detail", args=[999])).status_code == 404
    assert client.get(reverse("imports:rejects", args=[999])).status_code == 404


def test_rejects_download_is_streamed_and_formula_safe(client, staff, run):
    client.force_login(staff)
    response = client.get(reverse("imports:rejects", args=[run.pk]))
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="import-{run.pk}-rejets.csv"'
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["ligne", "motif", "contenu"]
    assert rows[1] == ["3", "'-2 champs", "'+33 6 00;@cmd"]
    assert rows[2] == ["7", "structure inconnue", '\'=HYPERLINK("x");A']
    assert rows[3] == ["12", "valeur manquante : titre", "ok;texte"]
