"""Django admin of the calls (administrators): the call engine's configuration.

A draft call is configured here: texts and dates, co-pilots and their signatories,
eligibility rules, the form (questions) and the grids (criteria), the rounds. Once the call
is published its form and grids are frozen: frozen versions, and the form, grids and
eligibility rules of a published call, are read-only (no change, no deletion); only the texts
and the co-pilots' signatories stay editable. Every change is recorded in the audit trail.

States never move here: publishing goes through ``services.call_publish`` (the action below
or the staff dashboard), the lifecycle of applications through the staff pages. The rows of
the lifecycle (applications, submissions, sign-offs, reopening requests) are shown read-only;
scores have no admin (confidential until the deliberation).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Model, QuerySet
from django.forms import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from frenchimpact.accounts.models import User
from frenchimpact.accounts.roles import Role
from frenchimpact.audit.services import audit_record

from . import services
from .configuration import call_duplicate, free_slug
from .enums import CallStatus, GridKind, RoundKind, RoundStatus
from .models import (
    ApplicationFile,
    Call,
    CallApplication,
    CallCopilot,
    Criterion,
    EligibilityRule,
    FormVersion,
    Grid,
    Question,
    ReopenApproval,
    ReopenRequest,
    ReviewRound,
    SignOff,
    Submission,
)

# What stays editable on a call once published (its texts); the rest is locked.
EDITABLE_WHEN_PUBLISHED = ("title", "summary", "description", "rules_document")
STATE_FIELDS = ("status", "published_at", "results_published_at", "created_by")
# The grid kind each round kind scores with.
GRID_OF_ROUND = {RoundKind.WRITTEN: GridKind.EVALUATION, RoundKind.AUDITION: GridKind.INTERVIEW}


def call_is_locked(call: Call | None) -> bool:
    """A published (or archived) call: its configuration is frozen."""
    return call is not None and call.status != CallStatus.DRAFT


def version_is_locked(version: FormVersion | Grid | None) -> bool:
    """A frozen form or grid version, or one of a call that is no longer a draft."""
    if version is None:
        return False
    return version.frozen_at is not None or call_is_locked(version.call)


def _audit_change(request: HttpRequest, obj: Model, action: str, changed: list[str]) -> None:
    if changed:
        audit_record(
            actor=request.user,
            action=action,
            obj=obj,
            after={name: getattr(obj, name, None) for name in changed},
        )


class AuditedAdmin(admin.ModelAdmin):
    """Records each change made through the admin (the fields changed, the inline rows
    added, changed or deleted) in the audit trail, on the edited object."""

    audit_action = "call.configure"

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        fields = [name for name in form.changed_data if hasattr(obj, name)]
        _audit_change(request, obj, self.audit_action, fields or ([] if change else ["pk"]))

    def save_formset(
        self, request: HttpRequest, form: Any, formset: BaseInlineFormSet, change: bool
    ) -> None:
        super().save_formset(request, form, formset, change)
        added = len(getattr(formset, "new_objects", []))
        changed = len(getattr(formset, "changed_objects", []))
        deleted = len(getattr(formset, "deleted_objects", []))
        if added or changed or deleted:
            audit_record(
                actor=request.user,
                action=self.audit_action,
                obj=form.instance,
                after={
                    "lignes": str(formset.model._meta.verbose_name_plural),
                    "ajoutees": added,
                    "modifiees": changed,
                    "supprimees": deleted,
                },
            )


class LockedInline(admin.TabularInline):
    """An inline of a configuration row that is read-only once its parent is locked."""

    extra = 0

    def parent_locked(self, obj: Any) -> bool:
        raise NotImplementedError

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self.parent_locked(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self.parent_locked(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not self.parent_locked(obj) and super().has_delete_permission(request, obj)


# --- The call -------------------------------------------------------------------------------


class CallCopilotInline(admin.TabularInline):
    """Co-pilots: fixed once the call is published, but their signatories may change (a
    signatory who leaves is replaced)."""

    model = CallCopilot
    extra = 0
    fields = ("organisation", "signatories", "order")
    raw_id_fields = ("organisation",)
    filter_horizontal = ("signatories",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ("organisation", "order") if call_is_locked(obj) else ()

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not call_is_locked(obj) and super().has_add_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not call_is_locked(obj) and super().has_delete_permission(request, obj)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "signatories":
            # Signatories are people holding the co-pilot signatory role.
            kwargs["queryset"] = (
                User.objects.filter(groups__name__in=[Role.COPILOT_SIGNATORY.value])
                .distinct()
                .order_by("email")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class EligibilityRuleInline(LockedInline):
    model = EligibilityRule
    fields = ("kind", "threshold", "question_key", "evidence_question_key")

    def parent_locked(self, obj: Any) -> bool:
        return call_is_locked(obj)


class CallAdminForm(forms.ModelForm):
    class Meta:
        model = Call
        fields = (
            "slug",
            "title",
            "summary",
            "description",
            "rules_document",
            "opens_at",
            "closes_at",
            "target_laureates_min",
            "target_laureates_max",
            "blind_review",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("La clôture doit suivre l’ouverture."))
        low, high = data.get("target_laureates_min"), data.get("target_laureates_max")
        if low is not None and high is not None and high < low:
            self.add_error(
                "target_laureates_max", _("Le nombre maximal de lauréats est inférieur au minimum.")
            )
        return data


@admin.register(Call)
class CallAdmin(AuditedAdmin):
    form = CallAdminForm
    list_display = (
        "title",
        "slug",
        "status",
        "opens_at",
        "closes_at",
        "target_laureates_min",
        "target_laureates_max",
        "application_count",
    )
    list_filter = ("status",)
    search_fields = ("title", "slug")
    prepopulated_fields = {"slug": ("title",)}
    inlines = [CallCopilotInline, EligibilityRuleInline]
    actions = ["duplicate", "publish"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Call]:
        return super().get_queryset(request).annotate(application_total=Count("applications"))

    @admin.display(description=gettext_lazy("candidatures"), ordering="application_total")
    def application_count(self, obj: Any) -> int:
        return int(getattr(obj, "application_total", 0))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if call_is_locked(obj):
            return [
                f.name
                for f in Call._meta.fields
                if f.editable and f.name not in EDITABLE_WHEN_PUBLISHED
            ]
        return STATE_FIELDS

    def get_prepopulated_fields(self, request: HttpRequest, obj: Any = None) -> dict[str, Any]:
        return {} if call_is_locked(obj) else dict(self.prepopulated_fields)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and (call_is_locked(obj) or obj.applications.exists()):
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=gettext_lazy("Dupliquer (nouvel appel en préparation)"))
    def duplicate(self, request: HttpRequest, queryset: QuerySet[Call]) -> None:
        for call in queryset:
            try:
                new = call_duplicate(
                    call=call,
                    actor=request.user,
                    slug=free_slug(f"{call.slug}-copie"),
                    title=_("%(title)s (copie)") % {"title": call.title},
                )
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("« %(title)s » créé en préparation (%(slug)s).")
                    % {"title": new.title, "slug": new.slug},
                    messages.SUCCESS,
                )

    @admin.action(description=gettext_lazy("Publier (fige le formulaire et les grilles)"))
    def publish(self, request: HttpRequest, queryset: QuerySet[Call]) -> None:
        for call in queryset:
            try:
                services.call_publish(call=call, actor=request.user)
            except ValidationError as error:
                self.message_user(
                    request,
                    _("« %(title)s » n’est pas publié : %(problems)s")
                    % {"title": call.title, "problems": " ".join(error.messages)},
                    messages.ERROR,
                )
            else:
                self.message_user(
                    request,
                    _("« %(title)s » est publié.") % {"title": call.title},
                    messages.SUCCESS,
                )


# --- Versions of the form and of the grids --------------------------------------------------


class QuestionInline(LockedInline):
    model = Question
    fields = (
        "order",
        "key",
        "label",
        "kind",
        "required",
        "min_length",
        "max_length",
        "min_value",
        "max_value",
        "choices",
        "identifying",
        "help_text",
    )

    def parent_locked(self, obj: Any) -> bool:
        return version_is_locked(obj)


class CriterionInline(LockedInline):
    model = Criterion
    fields = ("order", "key", "label", "weight", "scale_min", "scale_max", "description")

    def parent_locked(self, obj: Any) -> bool:
        return version_is_locked(obj)


class VersionAdmin(AuditedAdmin):
    """Shared by the form and grid versions: the number is given on creation (the next one
    for the call); a frozen version, or one of a published call, is read-only."""

    readonly_fields = ("number", "frozen_at")
    list_select_related = ("call",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return (*self.readonly_fields, "call") if obj is not None else self.readonly_fields

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "call":
            kwargs["queryset"] = Call.objects.filter(status=CallStatus.DRAFT)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not version_is_locked(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not version_is_locked(obj) and super().has_delete_permission(request, obj)

    def next_number(self, obj: Any) -> int:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.number = self.next_number(obj)
        super().save_model(request, obj, form, change)


@admin.register(FormVersion)
class FormVersionAdmin(VersionAdmin):
    audit_action = "call.form_configure"
    list_display = ("call", "number", "frozen_at")
    list_filter = ("call",)
    fields = ("call", "number", "frozen_at")
    inlines = [QuestionInline]

    def next_number(self, obj: Any) -> int:
        last = FormVersion.objects.filter(call=obj.call).aggregate(last=Max("number"))["last"]
        return (last or 0) + 1


@admin.register(Grid)
class GridAdmin(VersionAdmin):
    audit_action = "call.grid_configure"
    list_display = ("call", "kind", "number", "frozen_at")
    list_filter = ("kind", "call")
    fields = ("call", "kind", "number", "frozen_at")
    inlines = [CriterionInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = super().get_readonly_fields(request, obj)
        return (*fields, "kind") if obj is not None else fields

    def next_number(self, obj: Any) -> int:
        last = Grid.objects.filter(call=obj.call, kind=obj.kind).aggregate(last=Max("number"))
        return (last["last"] or 0) + 1


# --- Rounds ---------------------------------------------------------------------------------


class ReviewRoundForm(forms.ModelForm):
    class Meta:
        model = ReviewRound
        fields = ("call", "number", "kind", "name", "grid", "spread_threshold", "ranking_basis")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        call = data.get("call") or getattr(self.instance, "call", None)
        grid, kind = data.get("grid"), data.get("kind") or self.instance.kind
        if call is not None and grid is not None:
            if grid.call_id != call.pk:
                self.add_error("grid", _("Choisissez une grille de cet appel."))
            elif kind and grid.kind != GRID_OF_ROUND.get(kind):
                self.add_error(
                    "grid",
                    _("Ce tour se note avec une « %(kind)s ».")
                    % {"kind": GridKind(GRID_OF_ROUND[kind]).label},
                )
        return data


@admin.register(ReviewRound)
class ReviewRoundAdmin(AuditedAdmin):
    """Rounds: the first is created when the call is published; later ones (auditions) are
    added here. A closed or ranked round is read-only: its ranking is in the audit trail."""

    audit_action = "call.round_configure"
    form = ReviewRoundForm
    list_display = ("call", "number", "name", "kind", "status", "ranking_basis", "ranked_at")
    list_filter = ("kind", "status")
    list_select_related = ("call",)
    fields = (
        "call",
        "number",
        "kind",
        "name",
        "grid",
        "spread_threshold",
        "ranking_basis",
        "status",
        "ranking_seed",
        "ranked_at",
    )
    raw_id_fields = ("grid",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = ("status", "ranking_seed", "ranked_at")
        return (*fields, "call", "number", "kind") if obj is not None else fields

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and (obj.status == RoundStatus.CLOSED or obj.ranked_at is not None):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.assignments.exists():
            return False
        return super().has_delete_permission(request, obj)


# --- Lifecycle rows: read-only ----------------------------------------------------------------


class ReadOnlyMixin:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SubmissionInline(ReadOnlyMixin, admin.TabularInline):
    model = Submission
    fields = ("number", "receipt_code", "submitted_at", "submitted_by")
    readonly_fields = fields
    extra = 0


class ApplicationFileInline(ReadOnlyMixin, admin.TabularInline):
    model = ApplicationFile
    fields = ("question_key", "original_name", "content_type", "size", "uploaded_at")
    readonly_fields = fields
    extra = 0


@admin.register(CallApplication)
class CallApplicationAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("reference", "organisation", "call", "status", "eligible", "submitted_at")
    list_filter = ("call", "status", "eligible")
    search_fields = ("reference", "organisation__name", "organisation__siren")
    list_select_related = ("organisation", "call")
    exclude = ("answers", "eligibility")
    inlines = [SubmissionInline, ApplicationFileInline]


@admin.register(SignOff)
class SignOffAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("call", "copilot", "signatory", "position", "signed_at", "voided_at")
    list_filter = ("call", "position")
    list_select_related = ("call", "copilot__organisation", "signatory")


class ReopenApprovalInline(ReadOnlyMixin, admin.TabularInline):
    model = ReopenApproval
    fields = ("copilot", "signatory", "agrees", "comment", "decided_at")
    readonly_fields = fields
    extra = 0


@admin.register(ReopenRequest)
class ReopenRequestAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ("application", "from_state", "to_state", "status", "created_at")
    list_filter = ("status",)
    list_select_related = ("application__organisation",)
    inlines = [ReopenApprovalInline]
