"""Django admin of the calls: frozen versions and published calls are read-only, changes are
audited, duplicating a call copies its engine into a new draft, publishing goes through the
service."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory
from django.urls import reverse

from frenchimpact.audit.models import AuditEntry
from frenchimpact.calls.admin import (
    CallAdmin,
    CallCopilotInline,
    CriterionInline,
    EligibilityRuleInline,
    QuestionInline,
)
from frenchimpact.calls.configuration import call_duplicate, free_slug
from frenchimpact.calls.enums import CallStatus, GridKind
from frenchimpact.calls.models import (
    Call,
    CallApplication,
    Criterion,
    FormVersion,
    Grid,
    Question,
    ReviewRound,
    SignOff,
)

from ..accounts.factories import superuser
from ..accounts.utils import page_text
from .factories import make_application, make_call

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(db):
    return superuser()


@pytest.fixture
def request_(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    return request


def _model_admin(model):
    return admin.site._registry[model]


def test_frozen_versions_are_read_only(call, request_):
    form = FormVersion.objects.get(call=call)
    grid = Grid.objects.get(call=call, kind=GridKind.EVALUATION)
    assert form.frozen_at is not None
    for model, obj, inline in ((FormVersion, form, QuestionInline), (Grid, grid, CriterionInline)):
        model_admin = _model_admin(model)
        assert not model_admin.has_change_permission(request_, obj)
        assert not model_admin.has_delete_permission(request_, obj)
        assert model_admin.has_view_permission(request_, obj)
        inline_admin = inline(model, admin.site)
        assert not inline_admin.has_add_permission(request_, obj)
        assert not inline_admin.has_change_permission(request_, obj)
        assert not inline_admin.has_delete_permission(request_, obj)


def test_a_frozen_form_cannot_be_changed_through_the_admin(client, call, admin_user):
    form = FormVersion.objects.get(call=call)
    client.force_login(admin_user)
    url = reverse("admin:calls_formversion_change", args=[form.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="questions-0-label"' not in page.content.decode()  # no editable rows
    assert "Résumé du projet" in page_text(page)  # shown, read-only
    labels = list(Question.objects.filter(form=form).values_list("label", flat=True))
    response = client.post(
        url,
        {
            "questions-TOTAL_FORMS": "1",
            "questions-INITIAL_FORMS": "0",
            "questions-0-key": "pirate",
            "questions-0-label": "Question ajoutée",
            "questions-0-kind": "texte_court",
            "questions-0-order": "99",
        },
    )
    assert response.status_code == 403
    delete = client.post(reverse("admin:calls_formversion_delete", args=[form.pk]), {"post": "yes"})
    assert delete.status_code == 403
    assert list(Question.objects.filter(form=form).values_list("label", flat=True)) == labels


def test_a_draft_form_is_edited_in_the_admin_and_audited(client, admin_user):
    call = make_call(slug="brouillon", status=CallStatus.DRAFT)
    form = FormVersion.objects.create(call=call, number=2)
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:calls_formversion_change", args=[form.pk]),
        {
            "questions-TOTAL_FORMS": "1",
            "questions-INITIAL_FORMS": "0",
            "questions-MIN_NUM_FORMS": "0",
            "questions-MAX_NUM_FORMS": "1000",
            "questions-0-order": "0",
            "questions-0-key": "vision",
            "questions-0-label": "Votre vision",
            "questions-0-kind": "texte_long",
            "questions-0-required": "on",
            "questions-0-choices": "[]",
            "questions-0-help_text": "",
        },
    )
    assert response.status_code == 302, page_text(response)
    assert Question.objects.get(form=form).label == "Votre vision"
    entry = AuditEntry.objects.get(action="call.form_configure", object_id=str(form.pk))
    assert entry.actor == admin_user
    assert entry.changes["ajoutees"]["apres"] == 1


def test_a_new_version_gets_the_next_number_and_only_draft_calls(client, admin_user):
    draft = make_call(slug="brouillon", status=CallStatus.DRAFT)
    published = make_call(slug="publie")
    client.force_login(admin_user)
    url = reverse("admin:calls_formversion_add")
    base = {"questions-TOTAL_FORMS": "0", "questions-INITIAL_FORMS": "0"}
    assert client.post(url, {**base, "call": draft.pk}).status_code == 302
    assert list(
        FormVersion.objects.filter(call=draft).order_by("number").values_list("number", "frozen_at")
    ) == [(1, None), (2, None)]
    response = client.post(url, {**base, "call": published.pk})
    assert response.status_code == 200  # refused: a published call's form is frozen
    assert FormVersion.objects.filter(call=published).count() == 1


def test_published_call_keeps_only_its_texts_editable(call, request_):
    call_admin = _model_admin(Call)
    readonly = set(call_admin.get_readonly_fields(request_, call))
    assert {"slug", "opens_at", "closes_at", "blind_review", "target_laureates_max"} <= readonly
    assert not {"title", "summary", "description", "rules_document"} & readonly
    assert not call_admin.has_delete_permission(request_, call)
    rules = EligibilityRuleInline(Call, admin.site)
    assert not rules.has_change_permission(request_, call)
    assert not rules.has_add_permission(request_, call)
    copilots = CallCopilotInline(Call, admin.site)
    assert not copilots.has_add_permission(request_, call)
    assert not copilots.has_delete_permission(request_, call)
    assert copilots.has_change_permission(request_, call)  # a signatory may be replaced
    assert set(copilots.get_readonly_fields(request_, call)) == {"organisation", "order"}

    draft = make_call(slug="brouillon", status=CallStatus.DRAFT)
    assert "opens_at" not in call_admin.get_readonly_fields(request_, draft)
    assert "status" in call_admin.get_readonly_fields(request_, draft)
    assert rules.has_change_permission(request_, draft)
    assert call_admin.has_delete_permission(request_, draft)
    make_application(draft)
    assert not call_admin.has_delete_permission(request_, draft)


def test_closed_rounds_and_lifecycle_rows_are_read_only(call, request_):
    review_round = ReviewRound.objects.get(call=call)
    round_admin = _model_admin(ReviewRound)
    assert round_admin.has_change_permission(request_, review_round)
    review_round.status = "clos"
    assert not round_admin.has_change_permission(request_, review_round)
    for model in (CallApplication, SignOff):
        model_admin = _model_admin(model)
        assert not model_admin.has_add_permission(request_)
        assert not model_admin.has_change_permission(request_)
        assert not model_admin.has_delete_permission(request_)


def test_every_calls_admin_page_opens(client, call, admin_user):
    make_application(call)
    client.force_login(admin_user)
    for model in (Call, FormVersion, Grid, ReviewRound, CallApplication, SignOff):
        info = (model._meta.app_label, model._meta.model_name)
        assert client.get(reverse("admin:{}_{}_changelist".format(*info))).status_code == 200
        obj = model.objects.first()
        if obj is not None:
            url = reverse("admin:{}_{}_change".format(*info), args=[obj.pk])
            assert client.get(url).status_code == 200, url


def test_duplicate_action_copies_the_engine_into_a_new_draft(client, call, admin_user):
    make_application(call)
    client.force_login(admin_user)
    changelist = reverse("admin:calls_call_changelist")
    response = client.post(
        changelist, {"action": "duplicate", "_selected_action": [call.pk]}, follow=True
    )
    assert "créé en préparation (pionniers-copie)" in page_text(response)
    new = Call.objects.get(slug="pionniers-copie")
    assert new.status == CallStatus.DRAFT and new.title == f"{call.title} (copie)"
    assert (new.target_laureates_min, new.target_laureates_max) == (10, 15)
    form = FormVersion.objects.get(call=new)
    assert (form.number, form.frozen_at) == (1, None)
    assert list(form.questions.values_list("key", "kind", "required")) == list(
        FormVersion.objects.get(call=call).questions.values_list("key", "kind", "required")
    )
    for kind in GridKind.values:
        grid = Grid.objects.get(call=new, kind=kind)
        assert grid.frozen_at is None and grid.number == 1
        assert list(grid.criteria.values_list("key", "weight", "scale_max")) == list(
            Criterion.objects.filter(grid__call=call, grid__kind=kind).values_list(
                "key", "weight", "scale_max"
            )
        )
    assert sorted(new.eligibility_rules.values_list("kind", "threshold")) == sorted(
        call.eligibility_rules.values_list("kind", "threshold")
    )
    assert [
        (c.organisation_id, {u.pk for u in c.signatories.all()}) for c in new.copilots.all()
    ] == [(c.organisation_id, {u.pk for u in c.signatories.all()}) for c in call.copilots.all()]
    assert not CallApplication.objects.filter(call=new).exists()
    assert not ReviewRound.objects.filter(call=new).exists()
    assert AuditEntry.objects.filter(action="call.duplicate", object_id=str(new.pk)).exists()
    # A second copy gets the next free identifier.
    client.post(changelist, {"action": "duplicate", "_selected_action": [call.pk]})
    assert Call.objects.filter(slug="pionniers-copie-2").exists()


def test_duplicate_refusals_write_nothing(call, staff, stranger):
    count = Call.objects.count()
    with pytest.raises(ValidationError, match="déjà l’identifiant « pionniers »"):
        call_duplicate(call=call, actor=staff, slug="pionniers", title="Bis")
    with pytest.raises(ValidationError, match="n’est pas valable"):
        call_duplicate(call=call, actor=staff, slug="Pas un slug !", title="Bis")
    with pytest.raises(ValidationError, match="est réservé par la plateforme"):
        call_duplicate(call=call, actor=staff, slug="candidatures", title="Bis")
    with pytest.raises(ValidationError, match="Indiquez le titre"):
        call_duplicate(call=call, actor=staff, slug="bis", title=" ")
    with pytest.raises(PermissionDenied):
        call_duplicate(call=call, actor=stranger, slug="bis", title="Bis")
    assert Call.objects.count() == count
    assert free_slug("pionniers") == "pionniers-2"
    assert free_slug("candidatures") == "candidatures-appel"


def test_publish_action_goes_through_the_service(client, admin_user):
    ready = make_call(slug="pret", status=CallStatus.DRAFT)
    blocked = make_call(slug="bloque", status=CallStatus.DRAFT, copilots=0)
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:calls_call_changelist"),
        {"action": "publish", "_selected_action": [ready.pk, blocked.pk]},
        follow=True,
    )
    text = page_text(response)
    assert "Désignez au moins un co-pilote." in text
    ready.refresh_from_db()
    blocked.refresh_from_db()
    assert ready.status == CallStatus.PUBLISHED and blocked.status == CallStatus.DRAFT
    assert FormVersion.objects.get(call=ready).frozen_at is not None
    assert AuditEntry.objects.filter(action="call.publish", object_id=str(ready.pk)).exists()


def test_call_admin_has_the_configuration_inlines():
    inlines = {type(i) for i in CallAdmin(Call, admin.site).get_inline_instances(_request())}
    assert {CallCopilotInline, EligibilityRuleInline} <= inlines


def _request():
    request = RequestFactory().get("/admin/")
    request.user = superuser()
    return request
