"""The reviewers' pages (/jury/): their juries and assignments, the links they declare, the
blind-mode declaration on a round's list, and each assigned file with its scoring form.

Reviewers only (anonymous visitors go to the login page, others get a 403). A reviewer reaches
only their own juries and assignments: anything else is a 404. No page here shows another
reviewer's scores."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from frenchimpact.accounts.roles import Role
from frenchimpact.organisations.views import add_service_error, posted_data
from frenchimpact.permissions import can_review, role_required

from . import review
from .enums import AssignmentStatus, ConflictStatus, RoundKind
from .models import Assignment, BlindDeclaration, ConflictFlag, JuryMember, ReviewRound
from .review_forms import BlindDeclarationForm, LinksForm, RecuseForm, ScoreForm

reviewer_required = role_required(Role.REVIEWER)


def _messages_of(error: ValidationError) -> list[str]:
    return [str(m) for m in error.messages]


@reviewer_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """The reviewer's juries, each round with their assignments and what to do next."""
    juries = list(review.reviewer_juries(request.user))
    declared = review.blind_declared_rounds(request.user)
    blocks = []
    for member in juries:
        rounds = []
        for round_ in member.call.rounds.all():
            mine = round_.mine  # type: ignore[attr-defined]
            if not mine:
                continue
            counts = dict.fromkeys(AssignmentStatus.values, 0)
            pending = 0
            for assignment in mine:
                counts[assignment.status] += 1
                if (
                    assignment.status == AssignmentStatus.ASSIGNED
                    and assignment.application.status not in review.CLOSED_APPLICATION_STATES
                ):
                    pending += 1
            rounds.append(
                {
                    "round": round_,
                    "assignments": mine,
                    "counts": counts,
                    # Only the written rounds of a blind call go through the list
                    # declaration; audition assignments are listed as they are.
                    "blind": member.call.blind_review and round_.kind == RoundKind.WRITTEN,
                    "declared": round_.pk in declared,
                    "pending": pending,
                }
            )
        blocks.append({"member": member, "call": member.call, "rounds": rounds})
    return render(request, "calls/jury/dashboard.html", {"blocks": blocks})


@reviewer_required
@require_http_methods(["GET", "POST"])
def links(request: HttpRequest, slug: str) -> HttpResponse:
    """The links a jury member declares with organisations (member, adviser, funder,
    competitor)."""
    member = get_object_or_404(
        JuryMember.objects.select_related("call"), call__slug=slug, user_id=request.user.pk
    )
    existing = list(member.links.select_related("organisation"))
    form = LinksForm(posted_data(request), existing=existing)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                review.jury_join(
                    call=member.call,
                    user=request.user,
                    actor=request.user,
                    links=form.cleaned_data["links"],
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Votre déclaration de liens est enregistrée."))
                return redirect("jury:dashboard")
        status = 400
    return render(
        request,
        "calls/jury/links.html",
        {"member": member, "call": member.call, "existing": existing, "form": form},
        status=status,
    )


@reviewer_required
@require_http_methods(["GET", "POST"])
def blind_declaration(request: HttpRequest, pk: int) -> HttpResponse:
    """Blind mode: the list of the round's applicant names, alphabetical, with no file,
    reference or code; the reviewer ticks those they are in conflict with."""
    round_ = get_object_or_404(
        ReviewRound.objects.select_related("call"),
        pk=pk,
        call__blind_review=True,
        kind=RoundKind.WRITTEN,
    )
    mine = Assignment.objects.filter(round=round_, reviewer_id=request.user.pk)
    if not mine.exists():
        raise Http404
    links_declared = review.links_declared(round_.call, request.user)
    declaration = (
        BlindDeclaration.objects.filter(round=round_, reviewer_id=request.user.pk)
        .prefetch_related("conflicting")
        .first()
    )
    pending = mine.filter(status=AssignmentStatus.ASSIGNED).exists()
    names = review.round_applicant_names(round_)
    form = None
    status = 200
    if links_declared and (declaration is None or pending):
        form = BlindDeclarationForm(posted_data(request), names=names)
        if request.method == "POST":
            if form.is_valid():
                try:
                    review.blind_declare(
                        round=round_,
                        reviewer=request.user,
                        conflicting_organisations=form.cleaned_data["organisations"],
                        actor=request.user,
                    )
                except ValidationError as error:
                    add_service_error(form, error)
                else:
                    messages.success(
                        request,
                        _(
                            "Votre déclaration est enregistrée : les dossiers sans conflit "
                            "vous sont ouverts, anonymisés."
                        ),
                    )
                    closed = mine.filter(status=AssignmentStatus.ASSIGNED).count()
                    if closed:
                        messages.info(
                            request,
                            ngettext(
                                "%(n)s dossier reste fermé : un conflit d’intérêts possible "
                                "est en cours d’examen par l’équipe du programme.",
                                "%(n)s dossiers restent fermés : un conflit d’intérêts possible "
                                "est en cours d’examen par l’équipe du programme.",
                                closed,
                            )
                            % {"n": closed},
                        )
                    return redirect("jury:dashboard")
            status = 400
    elif request.method == "POST":
        status = 400
        messages.error(
            request,
            _("Déclarez d’abord vos liens avec des structures.")
            if not links_declared
            else _("Vous avez déjà fait votre déclaration pour ce tour."),
        )
    return render(
        request,
        "calls/jury/blind_declaration.html",
        {
            "round": round_,
            "call": round_.call,
            "names": names,
            "form": form,
            "declaration": declaration,
            "links_declared": links_declared,
        },
        status=status,
    )


def _own_assignment(request: HttpRequest, pk: int) -> Assignment:
    assignment = get_object_or_404(
        Assignment.objects.select_related(
            "round",
            "round__call",
            "round__grid",
            "application",
            "application__organisation",
            "application__form",
        ),
        pk=pk,
        reviewer_id=request.user.pk,
    )
    return assignment


@reviewer_required
@require_http_methods(["GET", "POST"])
def assignment(request: HttpRequest, pk: int) -> HttpResponse:
    """An assigned file. Before the declaration: in open mode the organisation's name and
    project titles only, with the declaration buttons; in blind mode nothing. Once cleared:
    the submitted answers and the scoring form — anonymised and without attached files in a
    written round of a blind call; with the organisation, its files and the audition slot in
    an audition round. A frozen ranking or a withdrawn (or inadmissible) application shows the
    scores without the form."""
    obj = _own_assignment(request, pk)
    call = obj.round.call
    status = 200
    context: dict[str, Any] = {"assignment": obj, "call": call, "round": obj.round}
    readable = obj.status in (AssignmentStatus.CLEARED, AssignmentStatus.SUBMITTED)
    if obj.status == AssignmentStatus.ASSIGNED and not call.blind_review:
        context["links_declared"] = review.links_declared(call, request.user)
        context["pending_flag"] = ConflictFlag.objects.filter(
            application_id=obj.application_id,
            reviewer_id=request.user.pk,
            status__in=[ConflictStatus.FLAGGED, ConflictStatus.CONFIRMED],
        ).exists()
        context["projects"] = list(obj.application.projects.order_by("title"))
        context["recuse_form"] = RecuseForm()
    if readable:
        criteria = list(obj.round.grid.criteria.all())
        scores = list(obj.scores.all())
        # A frozen ranking or a withdrawn application: the scores are shown, not the form.
        locked = review.scoring_lock(obj) if obj.status == AssignmentStatus.CLEARED else ""
        context["locked"] = locked
        if obj.status == AssignmentStatus.CLEARED and not locked:
            form = ScoreForm(posted_data(request), criteria=criteria, scores=scores)
            if request.method == "POST":
                if form.is_valid():
                    submit = request.POST.get("action") == "remettre"
                    try:
                        with transaction.atomic():
                            review.score_save(
                                assignment=obj, actor=request.user, scores=form.scores()
                            )
                            missing = (
                                review.review_submit(assignment=obj, actor=request.user)
                                if submit
                                else review.missing_criteria(obj)
                            )
                    except ValidationError as error:
                        if hasattr(error, "error_dict"):
                            form.add_service_errors(error.message_dict)
                        else:
                            add_service_error(form, error)
                    else:
                        _score_message(request, submit=submit, missing=missing)
                        return redirect("jury:assignment", pk=obj.pk)
                status = 400
            context["form"] = form
            context["recuse_form"] = RecuseForm()
        elif request.method == "POST":
            status = 400
            messages.error(
                request,
                locked or _("Votre évaluation de ce dossier est remise : elle ne se modifie plus."),
            )
        by_criterion = {s.criterion_id: s for s in scores}
        context["own_scores"] = [(c, by_criterion.get(c.pk)) for c in criteria]
        context["missing"] = [c for c in criteria if c.pk not in by_criterion]
        context["file"] = review.reviewer_file(obj)
    elif request.method == "POST":
        status = 400
        messages.error(
            request,
            _("Vous vous êtes déporté de ce dossier : vous ne pouvez pas le noter.")
            if obj.status == AssignmentStatus.RECUSED
            else _("Déclarez d’abord l’absence de conflit d’intérêts avant de noter ce dossier."),
        )
    return render(request, "calls/jury/assignment.html", context, status=status)


def _score_message(request: HttpRequest, *, submit: bool, missing: list[Any]) -> None:
    labels = ", ".join(f"« {c.label} »" for c in missing)
    if submit:
        messages.success(request, _("Votre évaluation est remise."))
        if missing:
            messages.warning(
                request,
                _("Critères non notés, qui ne compteront pas : %(list)s.") % {"list": labels},
            )
        return
    messages.success(request, _("Vos notes sont enregistrées (brouillon)."))
    if missing:
        messages.info(request, _("Critères pas encore notés : %(list)s.") % {"list": labels})


@login_required
@require_POST
def assignment_declare(request: HttpRequest, pk: int) -> HttpResponse:
    """Open mode: "no conflict" (opens the file) or "I recuse myself" with a reason; a cleared
    reviewer may still recuse."""
    if not can_review(request.user):
        raise PermissionDenied
    obj = _own_assignment(request, pk)
    action = request.POST.get("action")
    url = reverse("jury:assignment", args=[obj.pk])
    try:
        if action == "sans_conflit":
            review.declare_no_conflict(assignment=obj, actor=request.user)
            messages.success(request, _("Déclaration enregistrée : le dossier vous est ouvert."))
        elif action == "deport":
            form = RecuseForm(request.POST)
            if not form.is_valid():
                for error in form.errors.get("reason", []):
                    messages.error(request, str(error))
                return redirect(url)
            review.recuse(assignment=obj, actor=request.user, reason=form.cleaned_data["reason"])
            messages.success(request, _("Votre déport est enregistré."))
            return redirect("jury:dashboard")
        else:
            messages.error(request, _("Action inconnue."))
    except ValidationError as error:
        for message in _messages_of(error):
            messages.error(request, message)
    return redirect(url)
