"""Writes of the support domain: support profiles, service offers and the requests they receive.

Views, the admin and demo data call these functions, never the ORM. Each runs in a transaction
and writes its audit entry there; rejected input raises ValidationError (a French message
naming the problem, keyed by form field when there is one) and writes nothing. Status changes
are conditional updates, correct on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from frenchimpact.audit.services import audit_record, snapshot
from frenchimpact.organisations.enums import OrganisationKind
from frenchimpact.organisations.models import Membership, Organisation
from frenchimpact.organisations.services import member_emails, send_notification
from frenchimpact.permissions import can_manage_offers
from frenchimpact.projects.enums import Challenge, Stage
from frenchimpact.projects.models import Project
from frenchimpact.territories.models import Commune, Department, Region

from .enums import ApplyMode, OfferStatus, OfferType, Public, RequestStatus, Typology
from .models import Offer, OfferRequest, SupportProfile

# Kinds of organisation that may publish offers.
PROVIDER_KINDS = (OrganisationKind.SUPPORT_STRUCTURE, OrganisationKind.COMMITTED_COMPANY)

PROFILE_FIELDS = (
    "typology",
    "presentation",
    "covers_france",
    "contact_name",
    "contact_email",
    "contact_phone",
)
OFFER_FIELDS = (
    "name",
    "description",
    "offer_type",
    "stages",
    "challenges",
    "publics",
    "zone_france",
    "zone_communes",
    "is_free",
    "price_details",
    "on_site",
    "remote",
    "capacity",
    "rolling",
    "next_cohort_start",
    "next_cohort_end",
    "apply_mode",
    "apply_url",
    "apply_email",
)


def _check_manager(actor: Any, organisation: Organisation) -> None:
    if not can_manage_offers(actor, organisation):
        raise PermissionDenied(_("Seuls les membres de la structure peuvent faire cela."))


# --- Territories ----------------------------------------------------------------------------


@dataclass
class Zone:
    """An eligibility zone resolved against the reference territories."""

    france: bool = False
    regions: list[Region] = field(default_factory=list)
    departments: list[Department] = field(default_factory=list)
    communes: list[str] = field(default_factory=list)
    covered_department_ids: set[int] = field(default_factory=set)


def _codes(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(code.strip().upper() for code in values if code and code.strip()))


def _commune_department_code(code: str) -> str:
    return code[:3] if code.startswith("97") else code[:2]


def zone_resolve(
    *,
    france: bool,
    region_codes: Iterable[str] = (),
    department_codes: Iterable[str] = (),
    commune_codes: Iterable[str] = (),
) -> Zone:
    """Check every COG code against the reference territories and derive the departments
    covered (a region covers its departments, a commune its department).

    Communes are checked against ``territories.Commune`` when that table is loaded; when it is
    empty (only regions and departments loaded), a commune code is accepted if its department
    (its first 2 characters, 3 overseas) exists. Raises ValidationError naming each unknown code.
    """
    zone = Zone(france=france)
    errors: dict[str, list[str]] = {}
    wanted_regions = _codes(region_codes)
    regions = {r.code: r for r in Region.objects.filter(code__in=wanted_regions)}
    unknown = [code for code in wanted_regions if code not in regions]
    if unknown:
        errors["zone_regions"] = [
            _("Code de région inconnu : %(codes)s.") % {"codes": ", ".join(unknown)}
        ]
    wanted_departments = _codes(department_codes)
    departments = {d.code: d for d in Department.objects.filter(code__in=wanted_departments)}
    unknown = [code for code in wanted_departments if code not in departments]
    if unknown:
        errors["zone_departments"] = [
            _("Code de département inconnu : %(codes)s.") % {"codes": ", ".join(unknown)}
        ]
    wanted_communes = _codes(commune_codes)
    commune_departments: dict[str, int] = {}
    if wanted_communes:
        if Commune.objects.exists():
            commune_departments = dict(
                Commune.objects.filter(code__in=wanted_communes).values_list(
                    "code", "department_id"
                )
            )
        else:
            by_code = dict(
                Department.objects.filter(
                    code__in={_commune_department_code(c) for c in wanted_communes}
                ).values_list("code", "pk")
            )
            commune_departments = {
                code: by_code[_commune_department_code(code)]
                for code in wanted_communes
                if _commune_department_code(code) in by_code
            }
        unknown = [code for code in wanted_communes if code not in commune_departments]
        if unknown:
            errors["zone_communes"] = [
                _("Code de commune (INSEE) inconnu : %(codes)s.") % {"codes": ", ".join(unknown)}
            ]
    if errors:
        raise ValidationError(errors)
    if not france and not (wanted_regions or wanted_departments or wanted_communes):
        raise ValidationError(
            {
                "zone_france": [
                    _(
                        "Indiquez la zone d’éligibilité : France entière, ou au moins une "
                        "région, un département ou une commune."
                    )
                ]
            }
        )
    zone.regions = [regions[code] for code in wanted_regions]
    zone.departments = [departments[code] for code in wanted_departments]
    zone.communes = wanted_communes
    if not france:
        covered = set(
            Department.objects.filter(region__in=zone.regions).values_list("pk", flat=True)
        )
        covered |= {d.pk for d in zone.departments}
        covered |= set(commune_departments.values())
        zone.covered_department_ids = covered
    return zone


# --- Support profile ------------------------------------------------------------------------


def _validate_profile(values: Mapping[str, Any]) -> None:
    if values.get("typology") not in Typology.values:
        raise ValidationError(
            {"typology": [_("Choisissez la typologie de la structure parmi les sept proposées.")]}
        )


@transaction.atomic
def support_profile_save(
    *,
    organisation: Organisation,
    actor: Any,
    values: Mapping[str, Any],
    region_codes: Iterable[str] = (),
    department_codes: Iterable[str] = (),
    project_ids: Iterable[int] = (),
) -> SupportProfile:
    """Create or update the support profile of a support structure (by one of its members).

    ``values`` holds PROFILE_FIELDS; territories are COG codes; supported projects must be
    published projects of the directory."""
    _check_manager(actor, organisation)
    if OrganisationKind.SUPPORT_STRUCTURE not in organisation.kinds:
        raise ValidationError(
            _(
                "Seule une structure d’accompagnement peut avoir un profil d’accompagnateur : "
                "ajoutez ce type d’acteur à la fiche de la structure."
            ),
            code="not_support_structure",
        )
    _validate_profile(values)
    zone = zone_resolve(
        france=bool(values.get("covers_france")),
        region_codes=region_codes,
        department_codes=department_codes,
    )
    wanted = list(dict.fromkeys(int(pk) for pk in project_ids))
    projects = list(Project.objects.published().filter(pk__in=wanted))
    if len(projects) != len(wanted):
        missing = sorted(set(wanted) - {p.pk for p in projects})
        raise ValidationError(
            {
                "supported_projects": [
                    _("Projet introuvable dans l’annuaire (ou non publié) : n° %(ids)s.")
                    % {"ids": ", ".join(str(pk) for pk in missing)}
                ]
            }
        )
    profile = SupportProfile.objects.filter(organisation=organisation).first()
    created = profile is None
    before: dict[str, Any] = {}
    if profile is None:
        profile = SupportProfile(organisation=organisation)
    else:
        before = _profile_snapshot(profile)
    for name in PROFILE_FIELDS:
        if name in values:
            setattr(profile, name, values[name] if values[name] is not None else "")
    profile.covers_france = bool(values.get("covers_france"))
    profile.full_clean(exclude=["organisation"])
    profile.save()
    profile.regions.set(zone.regions)
    profile.departments.set(zone.departments)
    profile.supported_projects.set(projects)
    audit_record(
        actor=actor,
        action="support_profile_create" if created else "support_profile_update",
        obj=profile,
        before=before,
        after=_profile_snapshot(profile),
    )
    return profile


def _profile_snapshot(profile: SupportProfile) -> dict[str, Any]:
    return {
        **snapshot(profile, PROFILE_FIELDS),
        "regions": sorted(r.code for r in profile.regions.all()),
        "departments": sorted(d.code for d in profile.departments.all()),
        "supported_projects": sorted(p.pk for p in profile.supported_projects.all()),
    }


# --- Offers ---------------------------------------------------------------------------------


def _check_choices(values: Mapping[str, Any], name: str, accepted: list[str], label: str) -> None:
    unknown = [v for v in values.get(name) or [] if v not in accepted]
    if unknown:
        raise ValidationError(
            {name: [_("%(label)s inconnu : %(values)s.") % {"label": label, "values": unknown}]}
        )


def _validate_offer(values: Mapping[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    if not (values.get("name") or "").strip():
        errors["name"] = [_("Indiquez le nom de l’offre.")]
    if not (values.get("description") or "").strip():
        errors["description"] = [_("Décrivez l’offre.")]
    if values.get("offer_type") not in OfferType.values:
        errors["offer_type"] = [_("Choisissez le type d’offre.")]
    if errors:
        raise ValidationError(errors)
    _check_choices(values, "stages", Stage.values, _("Stade"))
    _check_choices(values, "challenges", Challenge.values, _("Défi"))
    _check_choices(values, "publics", Public.values, _("Public"))
    if not values.get("on_site") and not values.get("remote"):
        errors["remote"] = [
            _("Indiquez si l’offre se déroule en présentiel, à distance, ou les deux.")
        ]
    if not values.get("is_free") and not (values.get("price_details") or "").strip():
        errors["price_details"] = [_("Précisez les conditions tarifaires d’une offre payante.")]
    start, end = values.get("next_cohort_start"), values.get("next_cohort_end")
    if not values.get("rolling") and start is None:
        errors["next_cohort_start"] = [
            _("Indiquez la date de la prochaine promotion, ou cochez « entrées au fil de l’eau ».")
        ]
    if start and end and end < start:
        errors["next_cohort_end"] = [
            _("La fin des candidatures (%(end)s) précède le début de la promotion (%(start)s).")
            % {"end": end.strftime("%d/%m/%Y"), "start": start.strftime("%d/%m/%Y")}
        ]
    mode = values.get("apply_mode")
    if mode not in ApplyMode.values:
        errors["apply_mode"] = [_("Choisissez comment candidater.")]
    elif mode == ApplyMode.LINK and not values.get("apply_url"):
        errors["apply_url"] = [_("Indiquez le lien pour candidater.")]
    elif mode == ApplyMode.EMAIL and not values.get("apply_email"):
        errors["apply_email"] = [_("Indiquez l’e-mail pour candidater.")]
    capacity = values.get("capacity")
    if capacity is not None and capacity < 1:
        errors["capacity"] = [_("La capacité est un nombre de places d’au moins 1.")]
    if errors:
        raise ValidationError(errors)


def _check_provider(organisation: Organisation) -> None:
    if not any(kind in organisation.kinds for kind in PROVIDER_KINDS):
        raise ValidationError(
            _(
                "Seules les structures d’accompagnement et les entreprises engagées proposent des "
                "offres de services : ajoutez ce type d’acteur à la fiche de la structure."
            ),
            code="not_provider",
        )


def _offer_snapshot(offer: Offer) -> dict[str, Any]:
    return {
        **snapshot(offer, OFFER_FIELDS),
        "zone_regions": sorted(r.code for r in offer.zone_regions.all()),
        "zone_departments": sorted(d.code for d in offer.zone_departments.all()),
    }


def _apply_offer(offer: Offer, values: Mapping[str, Any], zone: Zone) -> None:
    for name in OFFER_FIELDS:
        if name == "zone_communes":
            continue
        if name in values:
            value = values[name]
            if value is None and name in ("price_details", "apply_url", "apply_email"):
                value = ""
            setattr(offer, name, value)
    offer.zone_france = zone.france
    offer.zone_communes = zone.communes


def _save_zone(offer: Offer, zone: Zone) -> None:
    offer.zone_regions.set(zone.regions)
    offer.zone_departments.set(zone.departments)
    offer.covered_departments.set(sorted(zone.covered_department_ids))


def _zone_of(values: Mapping[str, Any]) -> Zone:
    return zone_resolve(
        france=bool(values.get("zone_france")),
        region_codes=values.get("zone_regions") or (),
        department_codes=values.get("zone_departments") or (),
        commune_codes=values.get("zone_communes") or (),
    )


@transaction.atomic
def offer_create(*, provider: Organisation, actor: Any, values: Mapping[str, Any]) -> Offer:
    """A new active offer of ``provider`` (a support structure or committed company).

    ``values`` holds OFFER_FIELDS; ``zone_regions``/``zone_departments``/``zone_communes`` are
    lists of COG codes. ``covered_departments`` is derived from the zone."""
    _check_manager(actor, provider)
    _check_provider(provider)
    _validate_offer(values)
    zone = _zone_of(values)
    offer = Offer(provider=provider)
    _apply_offer(offer, values, zone)
    offer.full_clean(exclude=["provider"])
    offer.save()
    _save_zone(offer, zone)
    audit_record(actor=actor, action="offer_create", obj=offer, after=_offer_snapshot(offer))
    return offer


@transaction.atomic
def offer_update(*, offer: Offer, actor: Any, values: Mapping[str, Any]) -> Offer:
    """Edit an offer (not an archived one); the derived departments follow the zone."""
    _check_manager(actor, offer.provider)
    if offer.status == OfferStatus.ARCHIVED:
        raise ValidationError(_("Une offre archivée ne peut plus être modifiée."), code="archived")
    _validate_offer(values)
    zone = _zone_of(values)
    before = _offer_snapshot(offer)
    _apply_offer(offer, values, zone)
    offer.full_clean(exclude=["provider"])
    offer.save()
    _save_zone(offer, zone)
    audit_record(
        actor=actor, action="offer_update", obj=offer, before=before, after=_offer_snapshot(offer)
    )
    return offer


def _offer_transition(
    *,
    offer: Offer,
    actor: Any,
    action: str,
    from_states: Iterable[str],
    to_state: str,
    extra: Mapping[str, Any] | None = None,
    reason: str = "",
) -> None:
    _check_manager(actor, offer.provider)
    allowed = list(from_states)
    values = {"status": to_state, "updated_at": timezone.now(), **(extra or {})}
    current = Offer.objects.filter(pk=offer.pk).values_list("status", flat=True).first()
    if current not in allowed or (
        Offer.objects.filter(pk=offer.pk, status=current).update(**values) != 1
    ):
        label = OfferStatus(current).label if current in OfferStatus.values else "?"
        raise ValidationError(
            _("Ce changement n’est pas possible : l’offre est « %(state)s ».") % {"state": label},
            code="invalid_state",
        )
    for name, value in values.items():
        setattr(offer, name, value)
    audit_record(
        actor=actor, action=action, obj=offer, from_state=current, to_state=to_state, reason=reason
    )


@transaction.atomic
def offer_suspend(*, offer: Offer, actor: Any, until: dt.date, reason: str = "") -> None:
    """Suspend an active (or already suspended) offer until a date in the future: it stays
    visible, marked "suspendue jusqu’au …", without a way to apply."""
    if until is None or until <= timezone.localdate():
        raise ValidationError(
            {"until": [_("La date de fin de suspension doit être postérieure à aujourd’hui.")]}
        )
    _offer_transition(
        offer=offer,
        actor=actor,
        action="offer_suspend",
        from_states=[OfferStatus.ACTIVE, OfferStatus.SUSPENDED],
        to_state=OfferStatus.SUSPENDED,
        extra={"suspended_until": until},
        reason=reason,
    )


@transaction.atomic
def offer_reactivate(*, offer: Offer, actor: Any) -> None:
    """Make a suspended offer active again before its date."""
    _offer_transition(
        offer=offer,
        actor=actor,
        action="offer_reactivate",
        from_states=[OfferStatus.SUSPENDED],
        to_state=OfferStatus.ACTIVE,
        extra={"suspended_until": None},
    )


@transaction.atomic
def offer_archive(*, offer: Offer, actor: Any) -> None:
    """Withdraw an offer for good: it leaves the public pages and the API."""
    _offer_transition(
        offer=offer,
        actor=actor,
        action="offer_archive",
        from_states=[OfferStatus.ACTIVE, OfferStatus.SUSPENDED],
        to_state=OfferStatus.ARCHIVED,
        extra={"suspended_until": None},
    )


def offer_is_suspended(offer: Offer, *, today: dt.date | None = None) -> bool:
    """Suspended and the date not yet passed (a suspension ends by itself at its date)."""
    today = today or timezone.localdate()
    return (
        offer.status == OfferStatus.SUSPENDED
        and offer.suspended_until is not None
        and offer.suspended_until >= today
    )


# --- Requests through the platform ----------------------------------------------------------


@transaction.atomic
def offer_request_create(
    *,
    offer: Offer,
    requester: Any,
    message: str,
    organisation: Organisation | None = None,
    project: Project | None = None,
) -> OfferRequest:
    """A signed-in person asks for an offer through the platform, possibly on behalf of one of
    their organisations or projects; the provider's members get an e-mail."""
    if not getattr(requester, "is_authenticated", False):
        raise PermissionDenied(_("Connectez-vous pour envoyer une demande."))
    if not Offer.objects.public().filter(pk=offer.pk).exists():
        raise ValidationError(_("Cette offre n’est plus disponible."), code="unavailable")
    if offer.apply_mode != ApplyMode.PLATFORM:
        raise ValidationError(
            _("Cette offre ne reçoit pas de demandes par la plateforme."), code="mode"
        )
    if offer_is_suspended(offer):
        raise ValidationError(
            _("Cette offre est suspendue jusqu’au %(date)s.")
            % {"date": offer.suspended_until.strftime("%d/%m/%Y")},  # type: ignore[union-attr]
            code="suspended",
        )
    message = (message or "").strip()
    if not message:
        raise ValidationError({"message": [_("Écrivez votre message à la structure.")]})
    if len(message) > 4000:
        raise ValidationError({"message": [_("Le message dépasse 4 000 caractères.")]})
    member_of = set(
        Membership.objects.filter(user=requester).values_list("organisation_id", flat=True)
    )
    if organisation is not None and organisation.pk not in member_of:
        raise ValidationError(
            {"organisation": [_("Vous n’êtes pas membre de la structure choisie.")]}
        )
    if project is not None and project.organisation_id not in member_of:
        raise ValidationError(
            {"project": [_("Ce projet n’est pas porté par une de vos structures.")]}
        )
    offer_request = OfferRequest.objects.create(
        offer=offer,
        requester=requester,
        organisation=organisation,
        project=project,
        message=message,
    )
    audit_record(actor=requester, action="offer_request_create", obj=offer_request)
    send_notification(
        recipients=member_emails(organisation=offer.provider),
        subject=_("Nouvelle demande pour « %(offer)s »") % {"offer": offer.name},
        template="support/emails/request_new.txt",
        context={
            "offer": offer,
            "offer_request": offer_request,
            "inbox_path": reverse("support:request", args=[offer_request.pk]),
        },
    )
    return offer_request


@transaction.atomic
def offer_request_answer(*, offer_request: OfferRequest, actor: Any, answer: str) -> None:
    """A provider member answers a request: the answer is e-mailed to the requester."""
    _check_manager(actor, offer_request.offer.provider)
    answer = (answer or "").strip()
    if not answer:
        raise ValidationError({"answer": [_("Écrivez votre réponse.")]})
    now = timezone.now()
    updated = OfferRequest.objects.filter(
        pk=offer_request.pk, status__in=[RequestStatus.NEW, RequestStatus.ANSWERED]
    ).update(status=RequestStatus.ANSWERED, answer=answer, answered_by=actor, answered_at=now)
    if updated != 1:
        raise ValidationError(
            _("Cette demande est déjà traitée : elle ne peut plus recevoir de réponse."),
            code="handled",
        )
    from_state = offer_request.status
    offer_request.status, offer_request.answer = RequestStatus.ANSWERED, answer
    offer_request.answered_by, offer_request.answered_at = actor, now
    audit_record(
        actor=actor,
        action="offer_request_answer",
        obj=offer_request,
        from_state=from_state,
        to_state=RequestStatus.ANSWERED,
    )
    send_notification(
        recipients=[offer_request.requester.email],
        subject=_("Réponse à votre demande pour « %(offer)s »")
        % {"offer": offer_request.offer.name},
        template="support/emails/request_answered.txt",
        context={"offer_request": offer_request, "offer": offer_request.offer, "answer": answer},
    )


@transaction.atomic
def offer_request_mark_handled(*, offer_request: OfferRequest, actor: Any) -> None:
    """Close a request in the provider's inbox."""
    _check_manager(actor, offer_request.offer.provider)
    from_state = offer_request.status
    updated = OfferRequest.objects.filter(
        pk=offer_request.pk, status__in=[RequestStatus.NEW, RequestStatus.ANSWERED]
    ).update(status=RequestStatus.HANDLED, handled_at=timezone.now())
    if updated != 1:
        raise ValidationError(_("Cette demande est déjà traitée."), code="handled")
    offer_request.status = RequestStatus.HANDLED
    audit_record(
        actor=actor,
        action="offer_request_mark_handled",
        obj=offer_request,
        from_state=from_state,
        to_state=RequestStatus.HANDLED,
    )
