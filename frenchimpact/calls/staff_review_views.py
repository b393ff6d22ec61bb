"""Staff pages of the review (/gestion/appels/<slug>/…): the jury and its members' links,
conflicts of interest to confirm or dismiss, recusals (and their CSV export), bulk
assignment of a round with the workload of each reviewer.

Programme staff and administrators only: anonymous visitors go to the login page, everyone
else gets a 403; an unknown call or round is a 404."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from frenchimpact.organisations.views import add_service_error, posted_data
from frenchimpact.permissions import can_manage_calls, check_required

from . import review
from .enums import ApplicationStatus, AssignmentStatus, ConflictStatus, RoundKind
from .models import Call, CallApplication, ConflictFlag, JuryMember, ReviewRound
from .review_forms import (
    AssignmentFilterForm,
    BulkAssignForm,
    ConflictDecisionForm,
    ConflictFilterForm,
    JuryAddForm,
)

PAGE_SIZE = 50
staff_required = check_required(can_manage_calls)
_CONFLICT_FILTERS = ("statut", "origine", "evaluateur")


def _call(slug: str) -> Call:
    return get_object_or_404(Call, slug=slug)


def _person(user: Any) -> str:
    return str(user.get_full_name() or user.email)


@staff_required
@require_http_methods(["GET", "POST"])
def jury(request: HttpRequest, slug: str) -> HttpResponse:
    """The call's jury (links declared, open conflicts) and the form adding a member."""
    call = _call(slug)
    form = JuryAddForm(posted_data(request))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                review.jury_join(call=call, user=form.user, actor=request.user)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request,
                    _("%(name)s rejoint le jury ; il lui reste à déclarer ses liens.")
                    % {"name": _person(form.user)},
                )
                return redirect("calls_staff:jury", slug=call.slug)
        status = 400
    members = (
        JuryMember.objects.filter(call=call)
        .select_related("user")
        .prefetch_related("links", "links__organisation")
        .order_by("user__last_name", "user__first_name", "pk")
    )
    flagged = dict(
        ConflictFlag.objects.filter(application__call=call, status=ConflictStatus.FLAGGED)
        .values("reviewer_id")
        .annotate(n=Count("pk"))
        .values_list("reviewer_id", "n")
    )
    return render(
        request,
        "calls/staff/review/jury.html",
        {
            "call": call,
            "form": form,
            "members": [(m, flagged.get(m.user_id, 0)) for m in members],
            "rounds": list(call.rounds.order_by("number")),
        },
        status=status,
    )


def _conflict_query(data: QueryDict) -> str:
    """The list's filters, kept when coming back from a decision."""
    kept = QueryDict(mutable=True)
    for key in _CONFLICT_FILTERS:
        value = data.get(key)
        if value:
            kept[key] = value
    return kept.urlencode()


@staff_required
def conflicts(request: HttpRequest, slug: str) -> HttpResponse:
    """Conflicts of interest of a call, filtered by status, origin and reviewer, with the
    confirm / dismiss form on those still to decide."""
    call = _call(slug)
    reviewers = [
        (m.user_id, _person(m.user))
        for m in JuryMember.objects.filter(call=call)
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    ]
    form = ConflictFilterForm(request.GET or None, reviewers=reviewers)
    cleaned = form.cleaned_data if form.is_valid() else {}
    flags = ConflictFlag.objects.filter(application__call=call).select_related(
        "application", "application__organisation", "reviewer", "decided_by"
    )
    if cleaned.get("statut"):
        flags = flags.filter(status=cleaned["statut"])
    if cleaned.get("origine"):
        flags = flags.filter(source=cleaned["origine"])
    if cleaned.get("evaluateur"):
        flags = flags.filter(reviewer_id=cleaned["evaluateur"])
    flags = flags.order_by("status", "application__reference", "reviewer__last_name", "pk")
    page = Paginator(flags, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = dict(
        ConflictFlag.objects.filter(application__call=call)
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return render(
        request,
        "calls/staff/review/conflicts.html",
        {
            "call": call,
            "form": form,
            "page": page,
            "counts": [
                (value, label, counts.get(value, 0)) for value, label in ConflictStatus.choices
            ],
            "query": _conflict_query(request.GET),
            "flagged": ConflictStatus.FLAGGED,
        },
    )


def _staff_post(request: HttpRequest) -> None:
    if not can_manage_calls(request.user):
        raise PermissionDenied


@login_required
@require_POST
def conflict_decide(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Confirm (recusing the reviewer's assignments on that file) or dismiss, with a reason."""
    _staff_post(request)
    call = _call(slug)
    flag = get_object_or_404(ConflictFlag, pk=pk, application__call=call)
    form = ConflictDecisionForm(request.POST)
    url = reverse("calls_staff:conflicts", args=[call.slug])
    query = _conflict_query(request.POST)
    if query:
        url = f"{url}?{query}"
    if not form.is_valid():
        messages.error(request, _("Choisissez de confirmer ou d’écarter le conflit."))
        return redirect(url)
    confirm = form.cleaned_data["decision"] == "confirmer"
    try:
        recused = review.conflict_decide(
            flag=flag, actor=request.user, confirm=confirm, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        if confirm:
            messages.success(
                request,
                ngettext(
                    "Conflit confirmé ; %(n)s affectation est passée en déport.",
                    "Conflit confirmé ; %(n)s affectations sont passées en déport.",
                    recused,
                )
                % {"n": recused},
            )
        else:
            messages.success(request, _("Conflit écarté."))
    return redirect(url)


@login_required
@require_POST
def conflicts_detect(request: HttpRequest, slug: str) -> HttpResponse:
    """Run the detection again (after new applications or new memberships)."""
    _staff_post(request)
    call = _call(slug)
    created = review.detect_conflicts(call=call, actor=request.user)
    messages.success(
        request,
        ngettext(
            "%(n)s nouveau conflit possible signalé.",
            "%(n)s nouveaux conflits possibles signalés.",
            created,
        )
        % {"n": created},
    )
    return redirect("calls_staff:conflicts", slug=call.slug)


@staff_required
def recusals(request: HttpRequest, slug: str) -> HttpResponse:
    call = _call(slug)
    page = Paginator(review.recusals(call), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "calls/staff/review/recusals.html", {"call": call, "page": page})


class _Echo:
    def write(self, value: str) -> str:
        return value


@staff_required
def recusals_csv(request: HttpRequest, slug: str) -> StreamingHttpResponse:
    """The recusals of a call as CSV (UTF-8 with BOM for spreadsheets, comma-separated); text
    from users is neutralised against formulas."""
    call = _call(slug)
    writer = csv.writer(_Echo())

    def lines() -> Any:
        yield "\ufeff"
        for row in review.recusal_rows(call):
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="deports-{call.slug}-{stamp}.csv"'
    return response


def _summary_messages(request: HttpRequest, summary: review.AssignmentSummary) -> None:
    messages.success(
        request,
        ngettext("%(n)s affectation créée.", "%(n)s affectations créées.", len(summary.created))
        % {"n": len(summary.created)},
    )
    if summary.started_review:
        messages.info(
            request,
            ngettext(
                "%(n)s candidature passe en évaluation.",
                "%(n)s candidatures passent en évaluation.",
                summary.started_review,
            )
            % {"n": summary.started_review},
        )
    if summary.skipped_existing:
        messages.info(
            request,
            ngettext(
                "%(n)s affectation existait déjà.",
                "%(n)s affectations existaient déjà.",
                summary.skipped_existing,
            )
            % {"n": summary.skipped_existing},
        )
    if summary.skipped_conflict:
        pairs = "; ".join(
            f"{app.reference} / {_person(user)}" for app, user in summary.skipped_conflict[:30]
        )
        more = len(summary.skipped_conflict) - 30
        messages.warning(
            request,
            _("Écartées pour conflit d’intérêts signalé ou confirmé : %(pairs)s%(more)s.")
            % {"pairs": pairs, "more": f" (+{more})" if more > 0 else ""},
        )
    if summary.short:
        listing = "; ".join(
            _("%(ref)s : %(n)s manquant(s)") % {"ref": app.reference, "n": n}
            for app, n in summary.short[:30]
        )
        messages.warning(
            request,
            _("Pas assez d’évaluateurs disponibles pour : %(list)s.") % {"list": listing},
        )


@staff_required
@require_http_methods(["GET", "POST"])
def assignments(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Bulk assignment for a round (explicit pairs, or N reviewers per application balanced
    by workload) and the workload of each jury member in the round."""
    call = _call(slug)
    round_ = get_object_or_404(ReviewRound.objects.select_related("call"), call=call, number=number)
    filters = AssignmentFilterForm(request.GET or None)
    chosen = filters.cleaned_data.get("statut") if filters.is_valid() else ""
    states = [chosen] if chosen else list(review.round_states(round_))
    live = Q(assignments__round=round_) & ~Q(assignments__status=AssignmentStatus.RECUSED)
    applications = list(
        CallApplication.objects.filter(call=call, status__in=states)
        .select_related("organisation")
        .annotate(live=Count("assignments", filter=live))
        .order_by("reference")
    )
    workload = list(review.round_workload(round_))
    writable = round_.kind == RoundKind.WRITTEN
    form = BulkAssignForm(
        posted_data(request),
        application_ids=[a.pk for a in applications],
        reviewer_ids=[u.pk for u in workload],
        initial={"mode": BulkAssignForm.MODE_PAIRS},
    )
    status = 200
    if request.method == "POST":
        if not writable:
            form.add_error(
                None,
                _("Les affectations d’un tour d’auditions se font en programmant les auditions."),
            )
        elif form.is_valid():
            by_id = {a.pk: a for a in applications}
            users = {u.pk: u for u in workload}
            per_application = (
                form.cleaned_data["nombre"]
                if form.cleaned_data["mode"] == BulkAssignForm.MODE_PER_APPLICATION
                else None
            )
            try:
                summary = review.assign_bulk(
                    round=round_,
                    reviewers=[users[pk] for pk in form.cleaned_data["evaluateurs"]],
                    applications=[by_id[pk] for pk in form.cleaned_data["candidatures"]],
                    actor=request.user,
                    per_application=per_application,
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                _summary_messages(request, summary)
                url = request.path
                if request.GET:
                    url = f"{url}?{request.GET.urlencode()}"
                return redirect(url)
        status = 400
    selected_apps = set(form["candidatures"].value() or [])
    selected_reviewers = set(form["evaluateurs"].value() or [])
    return render(
        request,
        "calls/staff/review/assignments.html",
        {
            "call": call,
            "round": round_,
            "rounds": list(call.rounds.order_by("number")),
            "filters": filters,
            "form": form,
            "writable": writable,
            "applications": applications,
            "workload": workload,
            "selected_apps": {str(v) for v in selected_apps},
            "selected_reviewers": {str(v) for v in selected_reviewers},
            "admissible": ApplicationStatus.ADMISSIBLE,
        },
        status=status,
    )
