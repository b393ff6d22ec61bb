"""The support and label steps of seed_demo: every status present, idempotent."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from frenchimpact.labels.enums import ApplicationStatus, LabelKind, LabelStatus
from frenchimpact.labels.models import Label, LabelApplication
from frenchimpact.labels.register_selectors import EffectiveStatus, effective_status
from frenchimpact.support.enums import OfferStatus, Typology
from frenchimpact.support.models import Offer, SupportProfile

pytestmark = pytest.mark.usefixtures("territories")


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", organisations=400, projects=30, stdout=out)
    return out.getvalue()


def counts() -> tuple[int, ...]:
    return (
        SupportProfile.objects.count(),
        Offer.objects.count(),
        Label.objects.count(),
        LabelApplication.objects.count(),
        Offer.covered_departments.through.objects.count(),
    )


def test_seed_demo_support_and_labels():
    seed()
    assert set(SupportProfile.objects.values_list("typology", flat=True)) == set(Typology.values)
    offers = Offer.objects.all()
    assert {offer.status for offer in offers} == set(OfferStatus.values)
    assert all(o.suspended_until for o in offers if o.status == OfferStatus.SUSPENDED)
    assert offers.filter(zone_france=True).exists()
    assert offers.filter(zone_regions__isnull=False).exists()
    assert offers.filter(zone_departments__isnull=False).exists()
    assert offers.exclude(zone_communes=[]).exists()
    assert offers.filter(is_free=False).exists() and offers.filter(is_free=True).exists()
    assert len({offer.offer_type for offer in offers}) >= 8
    # Every zone below France entière is resolved to covered departments.
    for offer in offers.filter(zone_france=False):
        assert offer.covered_departments.exists(), offer

    labels = list(Label.objects.all())
    assert {label.status for label in labels} == set(LabelStatus.values)
    today = timezone.localdate()
    assert {effective_status(label, today) for label in labels} == set(EffectiveStatus.values)
    renewed = Label.objects.get(status=LabelStatus.RENEWED)
    assert renewed.renewed_by is not None
    assert renewed.renewed_by.valid_from == renewed.valid_until
    assert renewed.renewed_by.application.renewal_of == renewed
    territory = Label.objects.filter(kind=LabelKind.TERRITORY)
    assert territory.count() == 3 and territory.filter(is_pilot_territory=True).count() == 2
    pending = set(
        LabelApplication.objects.exclude(status=ApplicationStatus.GRANTED).values_list(
            "status", flat=True
        )
    )
    assert {
        ApplicationStatus.DRAFT,
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.UNDER_REVIEW,
        ApplicationStatus.CHANGES_REQUESTED,
        ApplicationStatus.COMMITTEE,
    } <= pending
    assert all(label.application.revisions.count() == 1 for label in labels)


def test_seed_demo_support_and_labels_is_idempotent():
    seed()
    before = counts()
    output = seed()
    assert counts() == before
    assert "0 label(s) et 0 candidature(s) créés" in output


@pytest.mark.django_db
def test_every_seeded_label_and_application_has_an_audit_entry():
    from django.contrib.contenttypes.models import ContentType

    from frenchimpact.audit.models import AuditEntry

    call_command("seed_demo", "--organisations", "200", "--projects", "50", stdout=io.StringIO())
    for model in (Label, LabelApplication):
        content_type = ContentType.objects.get_for_model(model)
        audited = set(
            AuditEntry.objects.filter(content_type=content_type).values_list("object_id", flat=True)
        )
        ids = {str(pk) for pk in model.objects.values_list("pk", flat=True)}
        assert ids and ids <= audited, model
