"""Selection pages under /gestion/appels/: a round's consolidated ranking (freeze, shortlist,
not select), auditions planning, deliberation, the co-pilots' sign-off, the publication of
the results and the reopening of final decisions.

Programme staff (``can_manage_calls``) use every page but the sign-off and the answer to a
reopening request, which are for the call's co-pilot signatories (``is_call_signatory``;
other staff get a 403). Anonymous visitors go to the login page. Writes are POST only and go
through the services; a refusal is shown on the page and writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from frenchimpact.organisations.views import add_service_error, posted_data
from frenchimpact.permissions import can_manage_calls, check_required, is_call_signatory

from . import auditions, consolidation, deliberation, selection
from .enums import (
    DECISION_STATES,
    FINAL_STATES,
    ApplicationStatus,
    AssignmentStatus,
    ReopenStatus,
    RoundKind,
)
from .models import (
    Assignment,
    AuditionPanel,
    AuditionSlot,
    Call,
    CallApplication,
    CallCopilot,
    ReopenApproval,
    ReopenRequest,
    ReviewRound,
)
from .selection_forms import (
    DecisionForm,
    OpenDeliberationForm,
    PanelForm,
    RankingActionForm,
    ReasonForm,
    ReopenAnswerForm,
    ReopenRequestForm,
    ScheduleForm,
    SignOffForm,
    SlotForm,
)

View = Callable[..., HttpResponseBase]


staff_view = check_required(can_manage_calls)


def login_view(view: View) -> View:
    """Anonymous → login page; the view checks the signatory rule on its object."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped


def _call(slug: str) -> Call:
    return get_object_or_404(Call, slug=slug)


def _round(call: Call, number: int) -> ReviewRound:
    return get_object_or_404(ReviewRound.objects.select_related("grid"), call=call, number=number)


def _nav(call: Call) -> list[ReviewRound]:
    return list(call.rounds.order_by("number"))


# --- Consolidation and shortlisting --------------------------------------------------------


def _ranking_page(
    request: HttpRequest,
    call: Call,
    review_round: ReviewRound,
    *,
    action_form: RankingActionForm | None = None,
    unfreeze_form: ReasonForm | None = None,
    status: int = 200,
) -> HttpResponse:
    rows = selection.round_ranking(review_round)
    choices = [
        (row.application.pk, row.application.reference)
        for row in rows
        if row.application.status == ApplicationStatus.IN_REVIEW
    ]
    if action_form is None:
        action_form = RankingActionForm(choices=choices)
    frozen = review_round.ranked_at is not None
    return render(
        request,
        "calls/staff/selection/ranking.html",
        {
            "call": call,
            "round": review_round,
            "rounds": _nav(call),
            "rows": rows,
            "frozen": frozen,
            "selectable": {pk for pk, _label in choices},
            "checked": {
                int(value)
                for value in (action_form["candidatures"].value() or [])
                if str(value).isdigit()
            },
            "form": action_form,
            "unfreeze_form": unfreeze_form or ReasonForm(label=_("Motif de la réouverture")),
            "pending": sum(row.pending for row in rows),
            "flagged": sum(1 for row in rows if row.result.flagged),
            "ties": sum(1 for row in rows if row.tied),
            "is_written": review_round.kind == RoundKind.WRITTEN,
        },
        status=status,
    )


@staff_view
@require_http_methods(["GET", "POST"])
def round_ranking(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    call = _call(slug)
    review_round = _round(call, number)
    if request.method == "GET":
        return _ranking_page(request, call, review_round)
    in_review = CallApplication.objects.filter(
        call=call, status=ApplicationStatus.IN_REVIEW, assignments__round=review_round
    ).distinct()
    choices = [(pk, ref) for pk, ref in in_review.values_list("pk", "reference")]
    form = RankingActionForm(request.POST, choices=choices)
    if form.is_valid():
        applications = list(
            CallApplication.objects.filter(pk__in=form.cleaned_data["candidatures"]).order_by(
                "reference"
            )
        )
        try:
            if form.cleaned_data["action"] == "preselectionner":
                count = selection.shortlist_many(applications=applications, actor=request.user)
                message = _("%(count)s candidature(s) présélectionnée(s).") % {"count": count}
            else:
                count = selection.not_select_many(
                    applications=applications,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                )
                message = _("%(count)s candidature(s) non retenue(s).") % {"count": count}
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, message)
            return redirect(request.path)
    return _ranking_page(request, call, review_round, action_form=form, status=400)


@staff_view
@require_POST
def round_freeze(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    call = _call(slug)
    review_round = _round(call, number)
    try:
        selection.round_freeze_ranking(review_round=review_round, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Classement figé ; graine du tirage au sort : %(seed)s.")
            % {"seed": review_round.ranking_seed},
        )
    return redirect("calls_staff:round_ranking", slug=call.slug, number=review_round.number)


@staff_view
@require_POST
def round_unfreeze(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    call = _call(slug)
    review_round = _round(call, number)
    form = ReasonForm(request.POST, label=_("Motif de la réouverture"))
    if form.is_valid():
        try:
            selection.round_unfreeze_ranking(
                review_round=review_round, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Le classement n’est plus figé."))
            return redirect("calls_staff:round_ranking", slug=call.slug, number=number)
    return _ranking_page(request, call, review_round, unfreeze_form=form, status=400)


@staff_view
@require_POST
def round_close(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    call = _call(slug)
    review_round = _round(call, number)
    try:
        selection.round_close(review_round=review_round, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Le tour est clos."))
    return redirect("calls_staff:round_ranking", slug=call.slug, number=number)


@staff_view
def round_application(request: HttpRequest, slug: str, number: int, pk: int) -> HttpResponse:
    """One application in a round: each reviewer's total and per-criterion scores (staff
    only: reviewers never see each other's scores here)."""
    call = _call(slug)
    review_round = _round(call, number)
    application = get_object_or_404(
        CallApplication.objects.select_related("organisation"), pk=pk, call=call
    )
    criteria = list(review_round.grid.criteria.all())
    specs = {
        c.pk: consolidation.CriterionSpec(
            c.pk, float(c.weight), float(c.scale_min), float(c.scale_max)
        )
        for c in criteria
    }
    assignments = list(
        Assignment.objects.filter(round=review_round, application=application)
        .select_related("reviewer")
        .prefetch_related("scores")
        .order_by("reviewer__last_name", "reviewer__first_name", "pk")
    )
    result = next(
        (
            r
            for r in consolidation.consolidate_round(review_round.pk)
            if r.application_id == application.pk
        ),
        None,
    )
    reviews = []
    for assignment in assignments:
        scores = {s.criterion_id: s for s in assignment.scores.all()}
        submitted = assignment.status == AssignmentStatus.SUBMITTED
        total = (
            consolidation.reviewer_total({cid: float(s.value) for cid, s in scores.items()}, specs)
            if submitted
            else None
        )
        reviews.append(
            {
                "assignment": assignment,
                "cells": [scores.get(c.pk) for c in criteria],
                "total": total,
                "z": result.z_scores.get(assignment.reviewer_id) if result else None,
                "submitted": submitted,
            }
        )
    return render(
        request,
        "calls/staff/selection/round_application.html",
        {
            "call": call,
            "round": review_round,
            "rounds": _nav(call),
            "application": application,
            "criteria": criteria,
            "reviews": reviews,
            "result": result,
        },
    )


# --- Auditions -----------------------------------------------------------------------------


def _auditions_page(
    request: HttpRequest,
    call: Call,
    *,
    panel_form: PanelForm | None = None,
    slot_form: SlotForm | None = None,
    schedule_form: ScheduleForm | None = None,
    status: int = 200,
) -> HttpResponse:
    panels = list(AuditionPanel.objects.filter(call=call).prefetch_related("members"))
    slots = list(
        AuditionSlot.objects.filter(panel__call=call)
        .select_related("panel", "application__organisation")
        .prefetch_related("excluded_members")
        .order_by("starts_at", "pk")
    )
    shortlisted = _shortlisted(call)
    return render(
        request,
        "calls/staff/selection/auditions.html",
        {
            "call": call,
            "rounds": _nav(call),
            "panels": panels,
            "slots": slots,
            "shortlisted": shortlisted,
            "panel_form": panel_form or PanelForm(),
            "slot_form": slot_form or SlotForm(panels=AuditionPanel.objects.filter(call=call)),
            "schedule_form": schedule_form or _schedule_form(call, None),
        },
        status=status,
    )


def _shortlisted(call: Call) -> Any:
    return (
        CallApplication.objects.filter(
            call=call, status=ApplicationStatus.SHORTLISTED, audition__isnull=True
        )
        .select_related("organisation")
        .order_by("reference")
    )


def _schedule_form(call: Call, data: Any) -> ScheduleForm:
    return ScheduleForm(
        data,
        slots=AuditionSlot.objects.filter(panel__call=call, application__isnull=True)
        .select_related("panel")
        .order_by("starts_at", "pk"),
        applications=_shortlisted(call),
    )


@staff_view
def auditions_page(request: HttpRequest, slug: str) -> HttpResponse:
    return _auditions_page(request, _call(slug))


@staff_view
@require_POST
def panel_create(request: HttpRequest, slug: str) -> HttpResponse:
    call = _call(slug)
    form = PanelForm(request.POST)
    if form.is_valid():
        try:
            panel = auditions.panel_create(
                call=call,
                name=form.cleaned_data["name"],
                members=form.cleaned_data["members"],
                actor=request.user,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Panel « %(name)s » créé.") % {"name": panel.name})
            return redirect("calls_staff:auditions", slug=call.slug)
    return _auditions_page(request, call, panel_form=form, status=400)


@staff_view
@require_POST
def slot_create(request: HttpRequest, slug: str) -> HttpResponse:
    call = _call(slug)
    form = SlotForm(request.POST, panels=AuditionPanel.objects.filter(call=call))
    if form.is_valid():
        try:
            auditions.slot_create(
                panel=form.cleaned_data["panel"],
                starts_at=form.cleaned_data["starts_at"],
                ends_at=form.cleaned_data["ends_at"],
                location=form.cleaned_data["location"],
                actor=request.user,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Créneau ajouté."))
            return redirect("calls_staff:auditions", slug=call.slug)
    return _auditions_page(request, call, slot_form=form, status=400)


def _slot(call: Call, pk: int) -> AuditionSlot:
    return get_object_or_404(
        AuditionSlot.objects.select_related("panel", "application__organisation"),
        pk=pk,
        panel__call=call,
    )


@staff_view
@require_POST
def slot_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    call = _call(slug)
    slot = _slot(call, pk)
    try:
        auditions.slot_delete(slot=slot, actor=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Créneau supprimé."))
    return redirect("calls_staff:auditions", slug=call.slug)


@staff_view
@require_POST
def audition_schedule(request: HttpRequest, slug: str) -> HttpResponse:
    call = _call(slug)
    form = _schedule_form(call, request.POST)
    if form.is_valid():
        try:
            excluded = auditions.schedule(
                slot=form.cleaned_data["slot"],
                application=form.cleaned_data["application"],
                actor=request.user,
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request, _("Audition programmée ; le candidat est prévenu par e-mail.")
            )
            if excluded:
                messages.warning(
                    request,
                    _(
                        "En conflit d’intérêts avec ce candidat, ne siégeront pas à cette "
                        "audition : %(names)s."
                    )
                    % {"names": ", ".join(str(m) for m in excluded)},
                )
            return redirect("calls_staff:auditions", slug=call.slug)
    return _auditions_page(request, call, schedule_form=form, status=400)


@staff_view
@require_http_methods(["GET", "POST"])
def audition_unschedule(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    call = _call(slug)
    slot = _slot(call, pk)
    if slot.application is None:
        messages.error(request, _("Ce créneau n’est pas réservé."))
        return redirect("calls_staff:auditions", slug=call.slug)
    form = ReasonForm(posted_data(request), label=_("Motif de l’annulation"))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                auditions.unschedule(
                    slot=slot, actor=request.user, reason=form.cleaned_data["reason"]
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Audition annulée ; le candidat est prévenu."))
                return redirect("calls_staff:auditions", slug=call.slug)
        status = 400
    return render(
        request,
        "calls/staff/selection/unschedule.html",
        {"call": call, "rounds": _nav(call), "slot": slot, "form": form},
        status=status,
    )


@staff_view
@require_POST
def audition_record(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    call = _call(slug)
    slot = _slot(call, pk)
    if slot.application is None:
        messages.error(request, _("Ce créneau n’est pas réservé."))
    else:
        try:
            auditions.record_audition(application=slot.application, actor=request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _("Audition de %(ref)s enregistrée comme tenue.")
                % {"ref": slot.application.reference},
            )
    return redirect("calls_staff:auditions", slug=call.slug)


# --- Deliberation --------------------------------------------------------------------------

DELIBERATION_STATES = (
    ApplicationStatus.AUDITIONED,
    ApplicationStatus.DELIBERATED,
    *DECISION_STATES,
)


def _deliberation_page(
    request: HttpRequest,
    call: Call,
    *,
    open_form: OpenDeliberationForm | None = None,
    bound: DecisionForm | None = None,
    bound_pk: int | None = None,
    status: int = 200,
) -> HttpResponse:
    applications = list(
        CallApplication.objects.filter(call=call, status__in=DELIBERATION_STATES)
        .select_related("organisation", "audition")
        .order_by("reference")
    )
    written, interview = deliberation.written_and_interview(call)

    def sort_key(application: CallApplication) -> tuple[float, float, str]:
        line = interview.get(application.pk)
        score = line.result.raw if line and line.result.raw is not None else -1.0
        first = written.get(application.pk)
        base = first.result.raw if first and first.result.raw is not None else -1.0
        return (-score, -base, application.reference)

    rows: list[dict[str, Any]] = []
    for application in sorted(applications, key=sort_key):
        form = None
        if application.status == ApplicationStatus.DELIBERATED:
            form = bound if bound_pk == application.pk else DecisionForm(application=application)
        rows.append(
            {
                "application": application,
                "written": written.get(application.pk),
                "interview": interview.get(application.pk),
                "form": form,
            }
        )
    auditioned = CallApplication.objects.filter(
        call=call, status=ApplicationStatus.AUDITIONED
    ).select_related("organisation")
    counts = dict(
        CallApplication.objects.filter(call=call)
        .order_by()
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    laureates = counts.get(ApplicationStatus.LAUREATE, 0)
    return render(
        request,
        "calls/staff/selection/deliberation.html",
        {
            "call": call,
            "rounds": _nav(call),
            "deliberated": [r for r in rows if r["form"] is not None],
            "auditioned_rows": [
                r for r in rows if r["application"].status == ApplicationStatus.AUDITIONED
            ],
            "decided": [r for r in rows if r["application"].status in DECISION_STATES],
            "open_form": open_form or OpenDeliberationForm(applications=auditioned),
            "has_auditioned": bool(counts.get(ApplicationStatus.AUDITIONED)),
            "laureates": laureates,
            "waiting": counts.get(ApplicationStatus.WAITING_LIST, 0),
            "not_selected": counts.get(ApplicationStatus.NOT_SELECTED, 0),
            "in_target": call.target_laureates_min <= laureates <= call.target_laureates_max,
            "published": call.results_published_at is not None,
        },
        status=status,
    )


@staff_view
def deliberation_page(request: HttpRequest, slug: str) -> HttpResponse:
    return _deliberation_page(request, _call(slug))


@staff_view
@require_POST
def deliberation_open(request: HttpRequest, slug: str) -> HttpResponse:
    call = _call(slug)
    form = OpenDeliberationForm(
        request.POST,
        applications=CallApplication.objects.filter(
            call=call, status=ApplicationStatus.AUDITIONED
        ).select_related("organisation"),
    )
    if form.is_valid():
        try:
            count = deliberation.open_deliberation(
                call=call, applications=form.cleaned_data["applications"], actor=request.user
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request, _("%(count)s candidature(s) mise(s) en délibération.") % {"count": count}
            )
            return redirect("calls_staff:deliberation", slug=call.slug)
    return _deliberation_page(request, call, open_form=form, status=400)


@staff_view
@require_POST
def deliberation_decide(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    call = _call(slug)
    application = get_object_or_404(
        CallApplication.objects.select_related("organisation"), pk=pk, call=call
    )
    form = DecisionForm(request.POST, application=application)
    if form.is_valid():
        try:
            deliberation.decide(
                application=application,
                decision=form.cleaned_data["decision"],
                actor=request.user,
                reason=form.cleaned_data["reason"],
                waiting_list_rank=form.cleaned_data["waiting_list_rank"],
            )
        except ValidationError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                _("Décision enregistrée pour %(ref)s (non publiée).")
                % {"ref": application.reference},
            )
            return redirect(
                reverse("calls_staff:deliberation", args=[call.slug]) + f"#dossier-{pk}"
            )
    if application.status != ApplicationStatus.DELIBERATED:
        for message in form.non_field_errors():
            messages.error(request, str(message))
        return redirect("calls_staff:deliberation", slug=call.slug)
    return _deliberation_page(request, call, bound=form, bound_pk=application.pk, status=400)


# --- Sign-off and publication --------------------------------------------------------------


def _copilots_of(user: Any, call: Call) -> Any:
    return (
        CallCopilot.objects.filter(call=call, signatories=user)
        .select_related("organisation")
        .order_by("order", "pk")
    )


@login_view
@require_http_methods(["GET", "POST"])
def signoff(request: HttpRequest, slug: str) -> HttpResponse:
    """A co-pilot signatory reads the exact list of decisions and its hash, and signs."""
    call = _call(slug)
    if not is_call_signatory(request.user, call):
        raise PermissionDenied
    copilots = _copilots_of(request.user, call)
    snapshot = deliberation.decisions_snapshot(call)
    digest = deliberation.snapshot_hash(snapshot)
    form = SignOffForm(
        posted_data(request),
        copilots=copilots,
        initial={"decisions_hash": digest, "copilot": copilots.first()},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                deliberation.sign_off(
                    call=call,
                    copilot=form.cleaned_data["copilot"],
                    actor=request.user,
                    position=form.cleaned_data["position"],
                    dissent=form.cleaned_data["dissent"],
                    expected_hash=form.cleaned_data["decisions_hash"],
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Votre visa est enregistré."))
                return redirect("calls_staff:signoff", slug=call.slug)
        status = 400
    labels = dict(ApplicationStatus.choices)
    intermediate = CallApplication.objects.filter(
        call=call, status__in=deliberation.INTERMEDIATE_STATES
    ).count()
    return render(
        request,
        "calls/staff/selection/signoff.html",
        {
            "call": call,
            "decisions": [{**row, "label": labels.get(row["decision"], "")} for row in snapshot],
            "digest": digest,
            "statuses": deliberation.signoff_status(call, current_hash=digest),
            "form": form,
            "intermediate": intermediate,
            "published": call.results_published_at is not None,
            "is_staff": can_manage_calls(request.user),
        },
        status=status,
    )


@staff_view
@require_http_methods(["GET", "POST"])
def publication(request: HttpRequest, slug: str) -> HttpResponse:
    call = _call(slug)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        try:
            count = deliberation.publish_results(call=call, actor=request.user)
        except ValidationError as error:
            errors = list(error.messages)
            status = 400
        else:
            messages.success(
                request,
                _("Résultats publiés ; %(count)s candidat(s) prévenu(s) par e-mail.")
                % {"count": count},
            )
            return redirect("calls_staff:publication", slug=call.slug)
        call.refresh_from_db()
    digest = deliberation.decisions_hash(call)
    statuses = deliberation.signoff_status(call, current_hash=digest)
    return render(
        request,
        "calls/staff/selection/publication.html",
        {
            "call": call,
            "rounds": _nav(call),
            "problems": deliberation.publication_problems(call, statuses),
            "errors": errors,
            "statuses": statuses,
            "digest": digest,
            "laureates": CallApplication.objects.filter(
                call=call, status=ApplicationStatus.LAUREATE
            ).count(),
            "changed": list(
                CallApplication.objects.filter(call=call, decision_embargoed=True)
                .select_related("organisation")
                .order_by("reference")
            ),
        },
        status=status,
    )


# --- Reopening -----------------------------------------------------------------------------


def _final_applications(call: Call) -> Any:
    return (
        CallApplication.objects.filter(call=call, status__in=FINAL_STATES)
        .exclude(reopen_requests__status=ReopenStatus.PENDING)
        .select_related("organisation")
        .order_by("reference")
    )


def _requests(call: Call) -> Any:
    return (
        ReopenRequest.objects.filter(application__call=call)
        .select_related("application__organisation", "requested_by")
        .prefetch_related(
            Prefetch(
                "approvals",
                queryset=ReopenApproval.objects.select_related(
                    "copilot__organisation", "signatory"
                ),
            )
        )
        .order_by("-created_at", "-pk")
    )


@login_view
@require_http_methods(["GET", "POST"])
def reopen_list(request: HttpRequest, slug: str) -> HttpResponse:
    """Staff and the call's signatories see the reopening requests; staff file new ones."""
    call = _call(slug)
    staff = can_manage_calls(request.user)
    signatory = is_call_signatory(request.user, call)
    if not (staff or signatory):
        raise PermissionDenied
    if request.method == "POST" and not staff:
        raise PermissionDenied
    initial = {}
    if request.GET.get("candidature", "").isdigit():
        initial["application"] = int(request.GET["candidature"])
    form = ReopenRequestForm(
        posted_data(request), applications=_final_applications(call), initial=initial
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                deliberation.reopen_request(
                    application=form.cleaned_data["application"],
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Demande envoyée aux signataires des co-pilotes."))
                return redirect("calls_staff:reopen_list", slug=call.slug)
        status = 400
    copilots = list(call.copilots.select_related("organisation").order_by("order", "pk"))
    return render(
        request,
        "calls/staff/selection/reopen_list.html",
        {
            "call": call,
            "rounds": _nav(call),
            "requests": [
                (
                    reopen,
                    [
                        (
                            copilot,
                            next(
                                (a for a in reopen.approvals.all() if a.copilot_id == copilot.pk),
                                None,
                            ),
                        )
                        for copilot in copilots
                    ],
                )
                for reopen in _requests(call)
            ],
            "copilots": copilots,
            "form": form if staff else None,
            "is_staff": staff,
            "is_signatory": signatory,
            "published": call.results_published_at is not None,
        },
        status=status,
    )


@login_view
@require_http_methods(["GET", "POST"])
def reopen_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """A co-pilot signatory answers a reopening request."""
    reopen = get_object_or_404(
        ReopenRequest.objects.select_related("application__call", "application__organisation"),
        pk=pk,
    )
    call = reopen.application.call
    if not is_call_signatory(request.user, call):
        raise PermissionDenied
    answered = list(
        ReopenApproval.objects.filter(request=reopen).select_related(
            "copilot__organisation", "signatory"
        )
    )
    copilots = _copilots_of(request.user, call).exclude(pk__in=[a.copilot_id for a in answered])
    form = ReopenAnswerForm(posted_data(request), copilots=copilots)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                deliberation.reopen_answer(
                    request=reopen,
                    copilot=form.cleaned_data["copilot"],
                    actor=request.user,
                    agrees=form.cleaned_data["agrees"],
                    comment=form.cleaned_data["comment"],
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Votre réponse est enregistrée."))
                return redirect("calls_staff:reopen_answer", pk=reopen.pk)
        status = 400
    return render(
        request,
        "calls/staff/selection/reopen_answer.html",
        {
            "call": call,
            "reopen": reopen,
            "answered": answered,
            "form": form if reopen.status == ReopenStatus.PENDING and copilots.exists() else None,
            "published": call.results_published_at is not None,
            "is_staff": can_manage_calls(request.user),
        },
        status=status,
    )
