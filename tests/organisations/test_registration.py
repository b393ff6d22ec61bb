"""Declaring an organisation: identifier step, duplicate → join, creation form, atomicity."""

from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from frenchimpact.accounts.roles import Role, user_has_role
from frenchimpact.audit.models import AuditEntry
from frenchimpact.organisations.enums import EssFamily, MemberRole, ModerationStatus
from frenchimpact.organisations.models import Membership, Organisation

from ..accounts.utils import field_errors, page_text
from .factories import ImportedOrganisationFactory, OrganisationFactory, valid_siren, valid_siret
from .utils import SVG, image_upload

pytestmark = pytest.mark.django_db


def form_data(territories, **overrides):
    siren = valid_siren(901)
    data = {
        "name": "La Ressourcerie du Quartier",
        "acronym": "RQ",
        "kinds": ["porteur_projet", "accompagnateur"],
        "siren": siren,
        "siret": valid_siret(siren),
        "rna": "",
        "legal_form_code": "9220",
        "ess_flag": "",
        "creation_date": "01/03/2015",
        "size_band": "11",
        "address_line": "12 rue des Artisans",
        "postal_code": "75011",
        "commune_code": "75056",
        "department": territories["paris"].pk,
        "region": territories["idf"].pk,
        "website": "https://ressourcerie.fr",
        "description": "Réemploi et insertion.",
        "contact_email": "contact@ressourcerie.fr",
        "accept_charter": "on",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_anonymous_visitors_are_sent_to_login(client):
    for name in ("organisations:dashboard", "organisations:declare", "organisations:create"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response.url.startswith("/comptes/login/")


@pytest.mark.parametrize(
    ("identifier", "message"),
    [
        (
            "12345678",
            "Un SIREN comporte 9 chiffres et un SIRET 14 chiffres : vous en avez saisi 8.",
        ),
        ("123456789", "Ce SIREN n’existe pas : sa clé de contrôle (formule de Luhn) est fausse."),
        ("1234A6789", "Un SIREN ou un SIRET ne contient que des chiffres"),
        (
            "12345678901234",
            "Ce SIRET n’existe pas : sa clé de contrôle (formule de Luhn) est fausse.",
        ),
        ("W12", "Le numéro RNA doit comporter 10 caractères"),
    ],
)
def test_declare_refuses_bad_identifiers(client, user, identifier, message):
    client.force_login(user)
    response = client.post(reverse("organisations:declare"), {"identifier": identifier})
    assert response.status_code == 400
    assert any(message in error for error in field_errors(response))
    assert 'aria-invalid="true"' in response.content.decode()
    assert "erreurs-formulaire" in response.content.decode()
    assert Organisation.objects.count() == 0


def test_declare_known_siren_leads_to_join_request(client, user):
    existing = ImportedOrganisationFactory.create(name="Régie de Quartier")
    client.force_login(user)
    spaced = f"{existing.siret[:3]} {existing.siret[3:]}"
    response = client.post(reverse("organisations:declare"), {"identifier": spaced}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("organisations:join", args=[existing.pk])
    text = page_text(response)
    assert "est déjà présente sur la plateforme avec ce numéro" in text
    assert "L’équipe du programme vérifiera votre lien avec la structure" in text
    assert Organisation.objects.count() == 1


def test_declare_new_siren_leads_to_prefilled_form(client, user):
    client.force_login(user)
    siren = valid_siren(77)
    response = client.post(reverse("organisations:declare"), {"identifier": siren})
    assert response.status_code == 302
    assert response.url == f"{reverse('organisations:create')}?siren={siren}"
    page = client.get(response.url)
    assert f'value="{siren}"' in page.content.decode()


def test_create_organisation(client, user, territories):
    client.force_login(user)
    data = form_data(territories, logo=image_upload("logo.webp", "WEBP"))
    response = client.post(reverse("organisations:create"), data)
    organisation = Organisation.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("organisations:detail", args=[organisation.pk])
    assert organisation.status == ModerationStatus.PENDING
    assert organisation.legal_form_label == "Association déclarée"
    assert organisation.ess_family == EssFamily.ASSOCIATION
    assert organisation.kinds == ["porteur_projet", "accompagnateur"]
    assert organisation.region == territories["idf"]
    assert organisation.field_sources["name"] == "membre"
    assert organisation.field_sources["siret"] == "membre"
    assert organisation.charter_accepted_by == user
    assert organisation.charter_accepted_at is not None
    assert organisation.logo.name.startswith("logos/")
    membership = Membership.objects.get()
    assert (membership.user, membership.role) == (user, MemberRole.ADMIN)
    assert user_has_role(user, Role.PROJECT_HOLDER)
    actions = set(AuditEntry.objects.for_object(organisation).values_list("action", flat=True))
    assert {
        "organisation.create",
        "organisation.accept_charter",
        "organisation.add_member",
    } <= actions
    page = client.get(response.url)
    assert "Communauté French IMPACT depuis le" in page_text(page)


@pytest.mark.parametrize(
    ("overrides", "field_message"),
    [
        (
            {"department": "ille"},
            "Le département Ille-et-Vilaine n’appartient pas à la région Île-de-France.",
        ),
        ({"siren": "123456789"}, "Ce SIREN n’existe pas"),
        ({"siret": "12345678901234"}, "Ce SIRET n’existe pas"),
        ({"rna": "W12345"}, "Le numéro RNA doit comporter 10 caractères"),
        (
            {"siren": "", "siret": "", "rna": ""},
            "Indiquez le SIREN, ou le numéro RNA pour une association.",
        ),
        ({"kinds": None}, "Cochez au moins un type d’acteur."),
        ({"name": ""}, "Indiquez le nom de la structure."),
        ({"postal_code": "7501"}, "Le code postal comporte 5 chiffres."),
        (
            {"commune_code": "35238"},
            "Le code de la commune doit commencer par celui du département (75).",
        ),
        ({"website": "javascript:alert(1)"}, "Saisissez une adresse web valide"),
        ({"logo": "svg"}, "n’est pas une image au format PNG, JPEG ou WebP"),
        ({"logo": "pdf"}, "n’est pas une image au format PNG, JPEG ou WebP"),
    ],
)
def test_create_refuses_bad_input_and_writes_nothing(
    client, user, territories, overrides, field_message
):
    client.force_login(user)
    if overrides.get("department") == "ille":
        overrides["department"] = territories["ille"].pk
    if overrides.get("logo") == "svg":
        overrides["logo"] = SimpleUploadedFile("logo.png", SVG, content_type="image/png")
    if overrides.get("logo") == "pdf":
        overrides["logo"] = SimpleUploadedFile("logo.jpg", b"%PDF-1.7", content_type="image/jpeg")
    siret_mismatch = overrides.get("siren") == "123456789"
    if siret_mismatch:
        overrides["siret"] = ""
    response = client.post(reverse("organisations:create"), form_data(territories, **overrides))
    assert response.status_code == 400
    assert any(field_message in error for error in field_errors(response)), field_errors(response)
    assert Organisation.objects.count() == 0
    assert Membership.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_logo_over_the_size_cap_is_refused(client, user, territories, settings):
    settings.IMAGE_UPLOAD_MAX_BYTES = 200
    client.force_login(user)
    response = client.post(
        reverse("organisations:create"),
        form_data(territories, logo=image_upload("logo.png", "PNG", size=(300, 300))),
    )
    assert response.status_code == 400
    assert any("la taille maximale est de" in error for error in field_errors(response))
    assert Organisation.objects.count() == 0


def test_siret_must_start_with_siren(client, user, territories):
    client.force_login(user)
    data = form_data(territories, siret=valid_siret(valid_siren(5)))
    response = client.post(reverse("organisations:create"), data)
    assert "Le SIRET doit commencer par le SIREN" in " ".join(field_errors(response))
    assert Organisation.objects.count() == 0


def test_create_with_a_registered_siren_is_refused(client, user, territories):
    existing = OrganisationFactory.create()
    client.force_login(user)
    response = client.post(
        reverse("organisations:create"),
        form_data(territories, siren=existing.siren, siret=existing.siret),
    )
    assert response.status_code == 400
    assert any("existe déjà sur la plateforme" in e for e in field_errors(response))
    assert Organisation.objects.count() == 1


def test_a_failure_late_in_the_creation_leaves_nothing(client, user, territories):
    client.force_login(user)
    with (
        mock.patch(
            "frenchimpact.organisations.services._grant_project_holder_role",
            side_effect=RuntimeError("boom"),
        ),
        pytest.raises(RuntimeError),
    ):
        client.post(reverse("organisations:create"), form_data(territories))
    assert Organisation.objects.count() == 0
    assert Membership.objects.count() == 0
    assert AuditEntry.objects.count() == 0
    assert not user_has_role(user, Role.PROJECT_HOLDER)


def test_rna_only_association(client, user, territories):
    client.force_login(user)
    response = client.post(
        reverse("organisations:create"),
        form_data(territories, siren="", siret="", rna="w751234567"),
    )
    assert response.status_code == 302
    organisation = Organisation.objects.get()
    assert (organisation.siren, organisation.rna) == (None, "W751234567")


def test_html_in_text_fields_is_escaped(client, user, territories):
    client.force_login(user)
    script = "<script>alert('x')</script>"
    client.post(
        reverse("organisations:create"),
        form_data(territories, name=f"Asso {script}", description=f"<b>gras</b>{script}"),
    )
    organisation = Organisation.objects.get()
    body = client.get(reverse("organisations:detail", args=[organisation.pk])).content.decode()
    assert "<script>alert" not in body
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in body
    assert "&lt;b&gt;gras&lt;/b&gt;" in body
