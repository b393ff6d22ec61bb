"""Published records never leave through an admin deletion.

A deletion would skip the services (audit trail, search index) and leave API reusers who
synchronise with no withdrawal to apply; records leave the public set by being unpublished or
archived instead. A superuser's delete page for each of them is refused.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from frenchimpact.organisations.models import Organisation
from tests.accounts.factories import UserFactory
from tests.organisations.factories import PublishedOrganisationFactory, PublishedProjectFactory
from tests.support.factories import OfferFactory

pytestmark = pytest.mark.django_db


def test_superuser_cannot_delete_organisations_projects_or_offers(client):
    admin = UserFactory.create(is_staff=True, is_superuser=True)
    client.force_login(admin)
    project = PublishedProjectFactory.create()
    offer = OfferFactory.create()
    for name, obj in [
        ("admin:organisations_organisation_delete", project.organisation),
        ("admin:projects_project_delete", project),
        ("admin:support_offer_delete", offer),
    ]:
        response = client.post(reverse(name, args=[obj.pk]), {"post": "yes"})
        assert response.status_code == 403, name
        assert type(obj)._default_manager.filter(pk=obj.pk).exists(), name
    organisation = PublishedOrganisationFactory.create()
    changelist = client.post(
        reverse("admin:organisations_organisation_changelist"),
        {"action": "delete_selected", "_selected_action": [organisation.pk], "post": "yes"},
    )
    assert changelist.status_code in (200, 302)
    assert Organisation.objects.filter(pk=organisation.pk).exists()
