"""The public register, the verification page and the printable certificate."""

from __future__ import annotations

import datetime as dt

import pytest
import segno
from django.urls import reverse
from django.utils import timezone

from frenchimpact.labels import register_selectors
from frenchimpact.labels.enums import LabelKind, LabelStatus, TerritoryLevel
from frenchimpact.organisations.enums import ModerationStatus

from ..search import builders as search_builders
from .builders import label

pytestmark = pytest.mark.usefixtures("territories")

DAY = dt.timedelta(days=1)


def today() -> dt.date:
    return timezone.localdate()


def verify(client, obj) -> str:
    response = client.get(reverse("label_register:verify", args=[obj.verification_token]))
    assert response.status_code == 200
    return response.content.decode()


def test_register_lists_labels_with_their_status_today(client, django_assert_max_num_queries):
    valid = label(holder=search_builders.organisation(name="Ruche Armor", departement="35"))
    label(
        holder=search_builders.organisation(name="Incubateur Échu", departement="75"),
        valid_from=today() - 1000 * DAY,
        valid_until=today() - 2 * DAY,  # the daily job has not run: status still "actif"
    )
    label(holder=search_builders.organisation(name="Révoquée"), status=LabelStatus.REVOKED)
    for _ in range(3):
        label()
    with django_assert_max_num_queries(4):
        response = client.get(reverse("label_register:list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "6 labels" in html
    assert "Ruche Armor" in html and valid.number in html
    assert "Valide : 4" in html and "Expiré : 1" in html and "Révoqué : 1" in html


def test_register_filters(client):
    label(holder=search_builders.organisation(name="Bretonne", departement="35"))
    label(holder=search_builders.organisation(name="Parisienne", departement="75"))
    label(
        holder=search_builders.organisation(name="Expirée bretonne", departement="35"),
        status=LabelStatus.EXPIRED,
    )
    html = client.get(reverse("label_register:list"), {"region": "53"}).content.decode()
    assert "Bretonne" in html and "Parisienne" not in html and "Expirée bretonne" in html
    html = client.get(
        reverse("label_register:list"), {"region": "53", "statut": "valide"}
    ).content.decode()
    assert "Bretonne" in html and "Expirée bretonne" not in html
    html = client.get(reverse("label_register:list"), {"type": "territoire"}).content.decode()
    assert "Aucun label ne correspond" in html
    # Unknown values are ignored by the HTML page (the API answers 400).
    html = client.get(reverse("label_register:list"), {"statut": "nimporte"}).content.decode()
    assert "Parisienne" in html


def test_register_paginates(client):
    holder = search_builders.organisation()
    for index in range(22):
        start = today() - (index + 1) * 1000 * DAY  # one holder: validity periods must not overlap
        label(holder=holder, valid_from=start, valid_until=start + 999 * DAY)
    first = client.get(reverse("label_register:list")).content.decode()
    second = client.get(reverse("label_register:list"), {"page": "2"}).content.decode()
    assert first.count('href="/labels/verifier/') == 20
    assert second.count('href="/labels/verifier/') == 2
    assert "1 / 2" in first


@pytest.mark.parametrize(
    ("fields", "title", "sentence"),
    [
        ({}, "Valide", "Ce label est valide aujourd’hui"),
        (
            {"valid_from": "past", "valid_until": "yesterday"},
            "Expiré",
            "Ce label a expiré : il était valide jusqu’au",
        ),
        ({"valid_from": "future"}, "Pas encore valide", "il sera valide à partir du"),
        ({"status": LabelStatus.SUSPENDED}, "Suspendu", "Ce label est suspendu depuis le"),
        ({"status": LabelStatus.REVOKED}, "Révoqué", "Ce label a été révoqué le"),
    ],
)
def test_verification_page_states_the_status_of_the_day(client, fields, title, sentence):
    dates = {
        "past": today() - 900 * DAY,
        "yesterday": today(),  # [from, until): ended yesterday evening
        "future": today() + 10 * DAY,
    }
    obj = label(
        status_changed_at=timezone.now(),
        status_reason="Motif public" if "status" in fields else "",
        **{key: dates.get(value, value) for key, value in fields.items()},
    )
    html = verify(client, obj)
    assert f'<h2 class="fr-alert__title">{title}</h2>' in html
    assert sentence in html
    assert obj.holder.name in html and obj.number in html
    if "status" in fields:
        assert "Motif : Motif public" in html


def test_verification_page_of_an_unknown_token_is_404(client):
    response = client.get("/labels/verifier/00000000-0000-4000-8000-000000000000/")
    assert response.status_code == 404


def test_renewed_label_links_to_its_successor(client):
    holder = search_builders.organisation()
    old = label(holder=holder, valid_from=today() - 900 * DAY, valid_until=today() + 5 * DAY)
    new = label(holder=holder, valid_from=today() + 5 * DAY, valid_until=today() + 1000 * DAY)
    old.status = LabelStatus.RENEWED
    old.renewed_by = new
    old.save()
    assert f'voir le <a href="/labels/verifier/{new.verification_token}/">' in verify(client, old)
    html = verify(client, new)
    assert "Pas encore valide" in html and old.number in html


def test_territory_label_page_shows_the_lists_of_its_territory(client):
    holder = search_builders.organisation(name="Région Bretagne", departement="35")
    territory_label = label(
        holder=holder,
        kind=LabelKind.TERRITORY,
        typology="",
        territory_level=TerritoryLevel.REGION,
        territory_code="53",
        territory_name="Bretagne",
        is_pilot_territory=True,
    )
    label(holder=search_builders.organisation(name="Incubateur de Rennes", departement="35"))
    html = verify(client, territory_label)
    assert "territoire pilote" in html
    assert "Sur le territoire : Bretagne" in html
    assert "1 structure d’accompagnement labellisée" in html
    assert "Incubateur de Rennes" in html


def test_unpublished_holder_is_not_linked(client):
    obj = label(holder=search_builders.organisation(status=ModerationStatus.UNPUBLISHED))
    html = verify(client, obj)
    assert obj.holder.name in html
    assert reverse("directory:organisation", args=[obj.holder_id]) not in html


def test_certificate_embeds_the_qr_code_of_the_absolute_verification_link(
    client, settings, monkeypatch
):
    settings.PUBLIC_BASE_URL = "https://frenchimpact.example.gouv.fr"
    obj = label()
    encoded: list[str] = []
    real_make = segno.make

    def spy(content, *args, **kwargs):
        encoded.append(content)
        return real_make(content, *args, **kwargs)

    monkeypatch.setattr(register_selectors.segno, "make", spy)
    response = client.get(reverse("label_register:certificate", args=[obj.verification_token]))
    html = response.content.decode()
    expected = f"https://frenchimpact.example.gouv.fr/labels/verifier/{obj.verification_token}/"
    assert response.status_code == 200
    assert encoded == [expected]
    # The SVG in the page is exactly the QR code of that link (segno is deterministic).
    qr = real_make(expected, error="m", micro=False)
    assert qr.designator  # a regular QR code, not a micro one
    assert qr.svg_inline(scale=4, border=2, dark="#000", light="#fff") in html
    assert "<svg" in html and "@media print" in html
    assert expected in html
    assert "Statut au" in html and "Valide" in html


def test_certificate_of_a_revoked_label_says_so(client):
    obj = label(status=LabelStatus.REVOKED, status_changed_at=timezone.now())
    html = client.get(
        reverse("label_register:certificate", args=[obj.verification_token])
    ).content.decode()
    assert 'data-statut="revoque"' in html
    assert "Ce label a été révoqué le" in html


def test_commune_label_page_shows_the_lists_of_its_department(client):
    holder = search_builders.organisation(name="Ville de Rennes", departement="35")
    territory_label = label(
        holder=holder,
        kind=LabelKind.TERRITORY,
        typology="",
        territory_level=TerritoryLevel.COMMUNE,
        territory_code="35238",
        territory_name="Rennes",
    )
    label(holder=search_builders.organisation(name="Incubateur de Rennes", departement="35"))
    html = verify(client, territory_label)
    assert "Sur le territoire : Ille-et-Vilaine" in html
    assert "Incubateur de Rennes" in html
