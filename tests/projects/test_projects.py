"""Projects: creation and edits by members, moderation by staff, bad input."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from frenchimpact.audit.models import AuditEntry
from frenchimpact.organisations.enums import MemberRole, ModerationStatus
from frenchimpact.projects.models import Project

from ..accounts.factories import UserFactory
from ..accounts.utils import field_errors, page_text
from ..organisations.factories import (
    ProjectFactory,
    PublishedProjectFactory,
    member_of,
)
from ..organisations.utils import SVG, image_upload

pytestmark = pytest.mark.django_db


def project_data(territories, **overrides):
    data = {
        "title": "Cuisine solidaire",
        "summary": "Des repas préparés par des personnes en insertion.",
        "description": "Depuis 2016.",
        "challenges": ["economie_inclusive", "alimentation"],
        "sdgs": ["2", "8"],
        "stage": "changement_echelle",
        "regions": [territories["idf"].pk],
        "departments": [territories["paris"].pk],
        "start_year": "2016",
        "budget_band": "500k_1m",
        "team_size": "14",
        "beneficiaries_count": "12000",
        "beneficiaries_unit": "repas",
        "needs": ["financement", "locaux"],
        "links": "https://cuisine.fr\nhttp://presse.fr/article",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_member_creates_a_pending_project(client, organisation, admin_member, territories):
    client.force_login(admin_member)
    url = f"{reverse('projects:create')}?structure={organisation.pk}"
    response = client.post(url, project_data(territories, image=image_upload("p.jpg", "JPEG")))
    assert response.status_code == 302
    project = Project.objects.get()
    assert project.status == ModerationStatus.PENDING
    assert project.organisation == organisation and project.created_by == admin_member
    assert project.sdgs == [2, 8]
    assert project.links == ["https://cuisine.fr", "http://presse.fr/article"]
    assert list(project.regions.values_list("code", flat=True)) == ["11"]
    assert list(project.departments.values_list("code", flat=True)) == ["75"]
    assert project.image.name.startswith("projets/")
    assert AuditEntry.objects.for_object(project).get().action == "project.create"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"links": "javascript:alert(1)"},
            "n’est pas une adresse web commençant par https:// ou http://",
        ),
        (
            {"links": "ftp://exemple.fr"},
            "n’est pas une adresse web commençant par https:// ou http://",
        ),
        (
            {"regions": None, "departments": None},
            "Choisissez au moins une région ou un département",
        ),
        ({"title": ""}, "Indiquez le titre du projet."),
        ({"challenges": None}, "Cochez au moins un défi."),
        ({"start_year": "3000"}, "L’année de lancement ne peut pas être dans plus d’un an."),
        ({"team_size": "-2"}, "Le nombre ne peut pas être négatif."),
        ({"image": "svg"}, "n’est pas une image au format PNG, JPEG ou WebP"),
    ],
)
def test_bad_project_input_writes_nothing(
    client, organisation, admin_member, territories, overrides, message
):
    if overrides.get("image") == "svg":
        overrides["image"] = SimpleUploadedFile("image.jpg", SVG, content_type="image/jpeg")
    client.force_login(admin_member)
    url = f"{reverse('projects:create')}?structure={organisation.pk}"
    response = client.post(url, project_data(territories, **overrides))
    assert response.status_code == 400
    assert any(message in error for error in field_errors(response)), field_errors(response)
    assert Project.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_national_project_needs_no_region(client, organisation, admin_member, territories):
    client.force_login(admin_member)
    url = f"{reverse('projects:create')}?structure={organisation.pk}"
    response = client.post(
        url, project_data(territories, regions=None, departments=None, is_national="on")
    )
    assert response.status_code == 302
    assert Project.objects.get().is_national


def test_non_members_cannot_create_or_edit(client, organisation, territories):
    project = ProjectFactory.create(organisation=organisation)
    client.force_login(UserFactory.create())
    response = client.post(
        f"{reverse('projects:create')}?structure={organisation.pk}", project_data(territories)
    )
    assert response.status_code == 403
    assert client.get(reverse("projects:edit", args=[project.pk])).status_code == 403
    assert Project.objects.count() == 1
    # Without a structure, the page lets people choose among theirs (none here).
    assert "déclarez d’abord la vôtre" in page_text(client.get(reverse("projects:create")))


def test_edit_of_a_published_project_holds_the_title(client, territories):
    project = PublishedProjectFactory.create(title="Titre publié")
    editor = member_of(project.organisation, MemberRole.EDITOR)
    client.force_login(editor)
    data = project_data(territories, title="Titre proposé", summary="Nouveau résumé.")
    response = client.post(reverse("projects:edit", args=[project.pk]), data, follow=True)
    assert "Le nouveau titre sera publié après validation" in page_text(response)
    project.refresh_from_db()
    assert project.title == "Titre publié"
    assert project.pending_changes == {"title": "Titre proposé"}
    assert project.summary == "Nouveau résumé."


def test_staff_moderate_projects(client, staff, organisation, admin_member):
    project = ProjectFactory.create(organisation=organisation, title="<img src=x onerror=alert(1)>")
    client.force_login(staff)
    url = reverse("moderation:project", args=[project.pk])
    page = client.get(url).content.decode()
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    response = client.post(url, {"decision": "refuser"})
    assert response.status_code == 400
    assert Project.objects.get().status == ModerationStatus.PENDING
    client.post(url, {"decision": "publier"})
    project.refresh_from_db()
    assert project.status == ModerationStatus.PUBLISHED and project.published_at
    assert mail.outbox[-1].to == ["admin@jardins.fr"]
    assert "Votre projet est publié" in mail.outbox[-1].subject
    # The public sees it only once its organisation is published too.
    assert not Project.objects.published().exists()
    client.post(url, {"decision": "depublier", "reason": "Projet arrêté."})
    project.refresh_from_db()
    assert project.status == ModerationStatus.UNPUBLISHED
    states = list(
        AuditEntry.objects.for_object(project).values_list("from_state", "to_state").order_by("pk")
    )
    assert states == [("en_attente", "publie"), ("publie", "depublie")]


def test_staff_approve_a_new_title(client, staff):
    project = PublishedProjectFactory.create(title="Ancien titre")
    member = member_of(project.organisation)
    from frenchimpact.projects.services import project_update

    project_update(project=project, actor=member, values={"title": "Nouveau titre"})
    client.force_login(staff)
    queue = page_text(client.get(reverse("moderation:queue"), {"type": "modification_projet"}))
    assert "Ancien titre" in queue
    url = reverse("moderation:project", args=[project.pk])
    assert "Nouveau titre" in page_text(client.get(url))
    client.post(url, {"decision": "publier_modifications"})
    project.refresh_from_db()
    assert project.title == "Nouveau titre" and project.pending_changes_at is None
