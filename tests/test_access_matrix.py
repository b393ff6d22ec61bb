"""Every URL of the project, GET by every kind of visitor, against one declared access rule.

How to extend: each new URL name goes in ACCESS with one of the RULES below (add a rule if none
fits, with the outcome for every persona); a URL with parameters gets sample values in
SAMPLE_KWARGS (by parameter name) or URL_KWARGS (by URL name), usually from objects created in
the `world` fixture. The test fails on any URL name ACCESS does not declare, on any declared
name that no longer exists, and on any outcome that differs from the rule. The human-readable
matrix is docs/permissions.md.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from frenchimpact.accounts.models import User
from frenchimpact.accounts.roles import Role
from frenchimpact.calls.enums import ApplicationStatus, ConflictSource
from frenchimpact.calls.models import (
    ApplicationFile,
    Assignment,
    AuditionPanel,
    AuditionSlot,
    Call,
    CallApplication,
    ConflictFlag,
    JuryMember,
    ReopenRequest,
    ReviewRound,
)
from frenchimpact.labels.models import ApplicationAttachment, Label, LabelApplication
from frenchimpact.organisations.enums import ReportKind
from frenchimpact.organisations.models import JoinRequest, Organisation, OrganisationReport
from frenchimpact.projects.models import Project
from frenchimpact.registries.models import ImportKind, ImportRun
from frenchimpact.support.models import Offer, OfferRequest

from .accounts.factories import UserFactory, superuser, user_with_role
from .calls.factories import make_application, make_call
from .labels.factories import LabelApplicationFactory, LabelFactory
from .organisations.factories import (
    MembershipFactory,
    OrganisationFactory,
    ProjectFactory,
    PublishedOrganisationFactory,
    PublishedProjectFactory,
    member_of,
)
from .support.factories import OfferFactory, SupportProfileFactory, SupportStructureFactory

LOGIN_PATH = "/comptes/login/"
PROFILE_PATH = "/comptes/profil/"

# --- Rules ------------------------------------------------------------------------------------
PUBLIC = "public"  # 200 for everyone
GUEST = "guest"  # entrance pages (login, sign-up): 200 anonymous, signed-in people go to profile
AUTHENTICATED = "authenticated"  # anonymous to login; any signed-in person 200
AUTHENTICATED_STEP = "authenticated_step"  # anonymous to login; signed-in people redirected on
LOGOUT = "logout"  # GET only shows the confirmation (POST logs out); anonymous to home
FLOW_STEP = "flow_step"  # a step of a flow never started: everyone is redirected, nobody 200
STAFF_HISTORY = "staff_history"  # programme staff and administrators 200; others 403
ADMIN = "admin"  # Django admin: administrators (staff); others to login then 403
NOT_FOUND = "not_found"  # a catch-all answering 404 to everyone
STAFF = "staff"  # moderation: programme staff and administrators 200; others 403
MEMBER = "member"  # an organisation's own pages: its member 200; anonymous to login; others 403
POST_ONLY = "post_only"  # an action: anonymous to login; a GET by anyone signed in is 405
MEMBER_OR_STAFF = "member_or_staff"  # an application's files: its members and label staff 200
STAFF_POST_ONLY = "staff_post_only"  # a staff action: non-staff 403 even on GET, staff 405
REVIEWER = "reviewer"  # jury pages: holders of the reviewer role 200; others 403
REVIEWER_OWN = "reviewer_own"  # one reviewer's jury/assignment: theirs 200, other reviewers 404
SIGNATORY = "signatory"  # a call's sign-off: its designated signatories 200; everyone else 403
STAFF_OR_SIGNATORY = "staff_or_signatory"  # programme staff and the call's signatories 200

ACCESS: dict[str, str] = {
    # public pages
    "pages:home": PUBLIC,
    "pages:legal": PUBLIC,
    "pages:privacy": PUBLIC,
    "pages:accessibility": PUBLIC,
    "pages:cookies": PUBLIC,
    "pages:contact": PUBLIC,
    "pages:sitemap": PUBLIC,
    "pages:sitemap_xml": PUBLIC,
    "pages:sitemap_section": PUBLIC,
    "pages:robots_txt": PUBLIC,
    "core:healthz": PUBLIC,
    "territories:index": PUBLIC,
    # public API
    "api:schema": PUBLIC,
    "api:docs": PUBLIC,
    "api:region-list": PUBLIC,
    "api:region-detail": PUBLIC,
    "api:departement-list": PUBLIC,
    "api:departement-detail": PUBLIC,
    "api:organisation-list": PUBLIC,
    "api:organisation-detail": PUBLIC,
    "api:projet-list": PUBLIC,
    "api:projet-detail": PUBLIC,
    "api:synchronisation-organisation-list": PUBLIC,
    "api:synchronisation-projet-list": PUBLIC,
    "api:synchronisation-offre-list": PUBLIC,
    "api:not-found": NOT_FOUND,
    # public directory
    "directory:index": PUBLIC,
    "directory:organisation_list": PUBLIC,
    "directory:map": PUBLIC,
    "directory:organisation": PUBLIC,
    "directory:project": PUBLIC,
    # own account (accounts app)
    "accounts:profile": AUTHENTICATED,
    "accounts:profile_edit": AUTHENTICATED,
    "accounts:personal_data_export": AUTHENTICATED,
    "accounts:delete": AUTHENTICATED,
    "accounts:confirm_email": PUBLIC,
    # allauth
    "account_login": GUEST,
    "account_signup": GUEST,
    "account_logout": LOGOUT,
    "account_inactive": PUBLIC,
    "account_email_verification_sent": PUBLIC,
    "account_confirm_email": PUBLIC,
    "account_reset_password": PUBLIC,
    "account_reset_password_done": PUBLIC,
    "account_reset_password_from_key": PUBLIC,
    "account_reset_password_from_key_done": PUBLIC,
    "account_confirm_login_code": FLOW_STEP,
    "account_email": AUTHENTICATED,
    "account_change_password": AUTHENTICATED,
    "account_reauthenticate": AUTHENTICATED,
    "account_request_reauthentication_code": AUTHENTICATED,
    "account_confirm_reauthentication_code": AUTHENTICATED_STEP,
    "account_set_password": AUTHENTICATED_STEP,
    # organisations and projects, member side
    "organisations:dashboard": AUTHENTICATED,
    "organisations:declare": AUTHENTICATED,
    "organisations:create": AUTHENTICATED,
    "organisations:join": AUTHENTICATED,
    "organisations:report": PUBLIC,
    "organisations:detail": MEMBER,
    "organisations:edit": MEMBER,
    "organisations:charter": MEMBER,
    "organisations:members": MEMBER,
    "organisations:join_request": MEMBER,  # the organisation's admins decide
    "projects:create": AUTHENTICATED,
    "projects:edit": MEMBER,
    # support structures and their offers
    "support:offers": PUBLIC,
    "support:offer": PUBLIC,
    "support:offer_request": AUTHENTICATED,
    "support:offer_edit": MEMBER,
    "support:offer_suspend": MEMBER,
    "support:offer_reactivate": POST_ONLY,
    "support:offer_archive": POST_ONLY,
    "support:offers_manage": MEMBER,
    "support:profile_edit": MEMBER,
    "support:offer_create": MEMBER,
    "support:inbox": MEMBER,
    "support:request": MEMBER,
    "api:offre-list": PUBLIC,
    "api:offre-detail": PUBLIC,
    # the French IMPACT label: applicant side, staff side, public register
    "labels:application_list": AUTHENTICATED,
    "labels:application_create": AUTHENTICATED,
    "labels:application_detail": MEMBER,
    "labels:application_withdraw": POST_ONLY,
    "labels:application_attachment": MEMBER_OR_STAFF,
    "labels:application_attachment_delete": POST_ONLY,
    "label_staff:queue": STAFF,
    "label_staff:application": STAFF,
    "label_staff:label": STAFF,
    "label_register:list": PUBLIC,
    "label_register:verify": PUBLIC,
    "label_register:certificate": PUBLIC,
    "api:label-list": PUBLIC,
    "api:label-detail": PUBLIC,
    "territories:region": PUBLIC,
    "territories:department": PUBLIC,
    # calls for projects: public pages, applicant side, jury, staff and co-pilots
    "calls:call_list": PUBLIC,
    "calls:call_detail": PUBLIC,
    "calls:application_create": AUTHENTICATED,
    "calls:application_list": AUTHENTICATED,
    "calls:application_detail": MEMBER_OR_STAFF,
    "calls:application_edit": MEMBER,
    "calls:application_autosave": POST_ONLY,
    "calls:application_upload": POST_ONLY,
    "calls:application_submit": POST_ONLY,
    "calls:application_receipt": MEMBER_OR_STAFF,
    "calls:application_withdraw": POST_ONLY,
    "calls:application_file": MEMBER_OR_STAFF,
    "jury:dashboard": REVIEWER,
    "jury:links": REVIEWER_OWN,
    "jury:blind_declaration": REVIEWER_OWN,
    "jury:assignment": REVIEWER_OWN,
    "jury:assignment_declare": POST_ONLY,
    "calls_staff:call_list": STAFF,
    "calls_staff:call_dashboard": STAFF,
    "calls_staff:call_publish": STAFF_POST_ONLY,
    "calls_staff:application_list": STAFF,
    "calls_staff:application_detail": STAFF,
    "calls_staff:application_admissibility": STAFF_POST_ONLY,
    "calls_staff:application_request_completion": STAFF_POST_ONLY,
    "calls_staff:application_close_incomplete": STAFF_POST_ONLY,
    "calls_staff:export": STAFF,
    "calls_staff:jury": STAFF,
    "calls_staff:conflicts": STAFF,
    "calls_staff:conflicts_detect": POST_ONLY,
    "calls_staff:conflict_decide": POST_ONLY,
    "calls_staff:recusals": STAFF,
    "calls_staff:recusals_csv": STAFF,
    "calls_staff:assignments": STAFF,
    "calls_staff:round_ranking": STAFF,
    "calls_staff:round_freeze": STAFF_POST_ONLY,
    "calls_staff:round_unfreeze": STAFF_POST_ONLY,
    "calls_staff:round_close": STAFF_POST_ONLY,
    "calls_staff:round_application": STAFF,
    "calls_staff:auditions": STAFF,
    "calls_staff:panel_create": STAFF_POST_ONLY,
    "calls_staff:slot_create": STAFF_POST_ONLY,
    "calls_staff:slot_delete": STAFF_POST_ONLY,
    "calls_staff:audition_schedule": STAFF_POST_ONLY,
    "calls_staff:audition_unschedule": STAFF,
    "calls_staff:audition_record": STAFF_POST_ONLY,
    "calls_staff:deliberation": STAFF,
    "calls_staff:deliberation_open": STAFF_POST_ONLY,
    "calls_staff:deliberation_decide": STAFF_POST_ONLY,
    "calls_staff:signoff": SIGNATORY,
    "calls_staff:publication": STAFF,
    "calls_staff:reopen_list": STAFF_OR_SIGNATORY,
    "calls_staff:reopen_answer": SIGNATORY,
    "api:appel-list": PUBLIC,
    "api:appel-detail": PUBLIC,
    "api:appel-laureats": PUBLIC,
    # open data: public pages and files (none published in the test world: files are 404)
    "opendata:index": PUBLIC,
    "opendata:detail": PUBLIC,
    "opendata:schema": PUBLIC,
    "opendata:datapackage": NOT_FOUND,  # exists once a version is published
    "opendata:latest": NOT_FOUND,
    "opendata:snapshot": NOT_FOUND,
    # registry and partner imports (staff)
    "imports:history": STAFF,
    "imports:detail": STAFF,
    "imports:rejects": STAFF,
    # moderation
    "moderation:queue": STAFF,
    "moderation:organisation": STAFF,
    "moderation:project": STAFF,
    "moderation:join_request": STAFF,
    "moderation:report": STAFF,
    # management
    "audit:history": STAFF_HISTORY,
    # Django admin. Its URL names are generated for each registered model, so the whole
    # namespace is declared at once; "admin:*" is the only wildcard allowed.
    "admin_login": ADMIN,
    "admin:*": ADMIN,
}
WILDCARD_NAMESPACES = {"admin"}

# Sample values for URL parameters, by parameter name; a callable receives the world.
SAMPLE_KWARGS: dict[str, Any] = {
    "slug": lambda world: world.call.slug,
    "number": 1,
    "content_type_id": lambda world: ContentType.objects.get_for_model(User).pk,
    "object_id": lambda world: str(world.subject.pk),
    "key": "cle-invalide",
    "uidb36": "1",
    "app_label": "auth",
}
# By URL name, when the parameter name is not enough.
URL_KWARGS: dict[str, dict[str, Any]] = {
    "pages:sitemap_section": {"section": "pages"},
    "api:region-detail": {"code": "84"},
    "api:departement-detail": {"code": "69"},
    "organisations:join": {"pk": lambda world: world.other_organisation.pk},
    "directory:organisation": {"pk": lambda world: world.published_organisation.pk},
    "directory:project": {"pk": lambda world: world.published_project.pk},
    "api:organisation-detail": {"id": lambda world: world.published_organisation.pk},
    "api:projet-detail": {"id": lambda world: world.published_project.pk},
    "organisations:report": {"pk": lambda world: world.published_organisation.pk},
    "organisations:detail": {"pk": lambda world: world.pending_organisation.pk},
    "organisations:edit": {"pk": lambda world: world.pending_organisation.pk},
    "organisations:charter": {"pk": lambda world: world.pending_organisation.pk},
    "organisations:members": {"pk": lambda world: world.pending_organisation.pk},
    "organisations:join_request": {"pk": lambda world: world.join_request.pk},
    "projects:edit": {"pk": lambda world: world.project.pk},
    "moderation:organisation": {"pk": lambda world: world.pending_organisation.pk},
    "support:offer": {"pk": lambda world: world.offer.pk},
    "labels:application_detail": {"pk": lambda world: world.application.pk},
    "labels:application_withdraw": {"pk": lambda world: world.application.pk},
    "labels:application_attachment": {"pk": lambda world: world.attachment.pk},
    "labels:application_attachment_delete": {"pk": lambda world: world.attachment.pk},
    "label_staff:application": {"pk": lambda world: world.application.pk},
    "label_staff:label": {"pk": lambda world: world.label.pk},
    "label_register:verify": {"token": lambda world: world.label.verification_token},
    "label_register:certificate": {"token": lambda world: world.label.verification_token},
    "api:label-detail": {"numero": lambda world: world.label.number},
    "territories:region": {"code": "53"},
    "territories:department": {"code": "35"},
    "support:offer_request": {"pk": lambda world: world.offer.pk},
    "support:offer_edit": {"pk": lambda world: world.offer.pk},
    "support:offer_suspend": {"pk": lambda world: world.offer.pk},
    "support:offer_reactivate": {"pk": lambda world: world.offer.pk},
    "support:offer_archive": {"pk": lambda world: world.offer.pk},
    "support:offers_manage": {"pk": lambda world: world.offer.provider_id},
    "support:profile_edit": {"pk": lambda world: world.offer.provider_id},
    "support:offer_create": {"pk": lambda world: world.offer.provider_id},
    "support:inbox": {"pk": lambda world: world.offer.provider_id},
    "support:request": {"pk": lambda world: world.offer_request.pk},
    "api:offre-detail": {"id": lambda world: world.offer.pk},
    "moderation:project": {"pk": lambda world: world.project.pk},
    "moderation:join_request": {"pk": lambda world: world.join_request.pk},
    "moderation:report": {"pk": lambda world: world.report.pk},
    "calls:call_detail": {"slug": lambda world: world.call.slug},
    "calls:application_create": {"slug": lambda world: world.call.slug},
    "calls:application_detail": {"pk": lambda world: world.call_submitted.pk},
    "calls:application_edit": {"pk": lambda world: world.call_draft.pk},
    "calls:application_autosave": {"pk": lambda world: world.call_draft.pk},
    "calls:application_upload": {"pk": lambda world: world.call_draft.pk, "key": "comptes"},
    "calls:application_submit": {"pk": lambda world: world.call_draft.pk},
    "calls:application_receipt": {"pk": lambda world: world.call_submitted.pk, "number": 1},
    "calls:application_withdraw": {"pk": lambda world: world.call_draft.pk},
    "calls:application_file": {"pk": lambda world: world.call_file.pk},
    "jury:links": {"slug": lambda world: world.call.slug},
    "jury:blind_declaration": {"pk": lambda world: world.blind_round.pk},
    "jury:assignment": {"pk": lambda world: world.assignment.pk},
    "jury:assignment_declare": {"pk": lambda world: world.assignment.pk},
    "calls_staff:application_detail": {"pk": lambda world: world.call_submitted.pk},
    "calls_staff:application_admissibility": {"pk": lambda world: world.call_submitted.pk},
    "calls_staff:application_request_completion": {"pk": lambda world: world.call_submitted.pk},
    "calls_staff:export": {"dataset": "candidatures", "fmt": "csv"},
    "calls_staff:application_close_incomplete": {"pk": lambda world: world.call_submitted.pk},
    "calls_staff:conflict_decide": {"pk": lambda world: world.conflict.pk},
    "calls_staff:round_application": {"pk": lambda world: world.call_submitted.pk},
    "calls_staff:slot_delete": {"pk": lambda world: world.slot.pk},
    "calls_staff:audition_unschedule": {"pk": lambda world: world.slot.pk},
    "calls_staff:audition_record": {"pk": lambda world: world.slot.pk},
    "calls_staff:deliberation_decide": {"pk": lambda world: world.call_auditioned.pk},
    "calls_staff:reopen_answer": {"pk": lambda world: world.reopen_request.pk},
    "opendata:detail": {"dataset": "organisations"},
    "opendata:schema": {"dataset": "organisations"},
    "opendata:datapackage": {"dataset": "organisations"},
    "opendata:latest": {"dataset": "organisations", "fmt": "csv"},
    "opendata:snapshot": {"dataset": "organisations", "day": "2026-01-01", "fmt": "csv"},
    "imports:detail": {"pk": lambda world: world.import_run.pk},
    "imports:rejects": {"pk": lambda world: world.import_run.pk},
    "api:appel-detail": {"id": lambda world: world.call.pk},
    "api:appel-laureats": {"id": lambda world: world.call.pk},
}


# --- Personas ---------------------------------------------------------------------------------
# "sans_role": signed in, no role (the matrix's "registered visitor" column).
# "membre_structure": admin member of the world's organisations (their own pages are theirs).
# "jury_affecte": a reviewer on the world call's jury, with the world's assignments.
# "signataire_appel": the signatory designated by a co-pilot of the world call (signatory role
# only, so that the staff pages stay closed to them).
PERSONAS = [
    "anonyme",
    "sans_role",
    *[role.value for role in Role],
    "superutilisateur",
    "membre_structure",
    "jury_affecte",
    "signataire_appel",
]
# Personas holding the reviewer role (administrators hold every role).
REVIEWER_PERSONAS = {
    Role.REVIEWER.value,
    Role.ADMINISTRATOR.value,
    "superutilisateur",
    "jury_affecte",
}
STAFF_HISTORY_PERSONAS = {Role.PROGRAMME_STAFF.value, Role.ADMINISTRATOR.value, "superutilisateur"}
ADMIN_PERSONAS = {Role.ADMINISTRATOR.value, "superutilisateur"}


@dataclass
class World:
    subject: User  # an object with an audit history
    member: User  # admin member of pending_organisation and published_organisation
    pending_organisation: Organisation
    published_organisation: Organisation
    other_organisation: Organisation  # published, someone else's: the member may ask to join
    project: Project  # pending
    published_project: Project
    join_request: JoinRequest
    report: OrganisationReport
    offer: Offer  # of a published support structure the member administers
    offer_request: OfferRequest
    application: LabelApplication  # a draft of the provider
    attachment: ApplicationAttachment
    label: Label
    call: Call  # published, open, two co-pilots
    call_draft: CallApplication  # of pending_organisation
    call_submitted: CallApplication  # of published_organisation, submission 1
    call_file: ApplicationFile
    call_auditioned: CallApplication  # in deliberation, booked in ``slot``
    slot: AuditionSlot
    assignment: Assignment  # of ``reviewer`` on call_submitted, not declared yet
    blind_round: ReviewRound  # of a blind call where ``reviewer`` has an assignment
    conflict: ConflictFlag
    reopen_request: ReopenRequest
    reviewer: User
    signatory: User
    import_run: ImportRun


@pytest.fixture
def world(db) -> World:
    call_command("load_territories", stdout=io.StringIO())
    pending = OrganisationFactory.create()
    published = PublishedOrganisationFactory.create()
    other = PublishedOrganisationFactory.create()
    member = member_of(pending)
    MembershipFactory.create(organisation=published, user=member)
    MembershipFactory.create(organisation=other)
    provider = SupportStructureFactory.create()
    MembershipFactory.create(organisation=provider, user=member)
    SupportProfileFactory.create(organisation=provider)
    offer = OfferFactory.create(provider=provider)
    application = LabelApplicationFactory.create(organisation=provider)
    calls = _calls_world(member, pending, published)
    return World(
        **calls,
        application=application,
        attachment=ApplicationAttachment.objects.create(
            revision=application.revisions.get(),
            file=ContentFile(b"%PDF-1.4 programme", name="programme.pdf"),
            original_name="programme.pdf",
            content_type="application/pdf",
            size=18,
        ),
        label=LabelFactory.create(),
        offer=offer,
        offer_request=OfferRequest.objects.create(
            offer=offer, requester=UserFactory.create(), message="Nous aimerions candidater."
        ),
        # Granting a role writes an audit entry: the subject has a history to look at.
        subject=user_with_role(Role.PROJECT_HOLDER, email="sujet@exemple.fr"),
        member=member,
        pending_organisation=pending,
        published_organisation=published,
        other_organisation=other,
        project=ProjectFactory.create(organisation=pending),
        published_project=PublishedProjectFactory.create(organisation=published),
        join_request=JoinRequest.objects.create(organisation=published, user=UserFactory.create()),
        report=OrganisationReport.objects.create(
            organisation=published, kind=ReportKind.ERROR, message="Adresse erronée"
        ),
    )


def _calls_world(member: User, pending: Organisation, published: Organisation) -> dict[str, Any]:
    call = make_call()
    reviewer = user_with_role(Role.REVIEWER)
    JuryMember.objects.create(call=call, user=reviewer)
    signatory = user_with_role(Role.COPILOT_SIGNATORY)
    call.copilots.order_by("order")[0].signatories.add(signatory)
    draft = make_application(call, status=ApplicationStatus.DRAFT, organisation=pending)
    submitted = make_application(call, organisation=published)
    auditioned = make_application(call, status=ApplicationStatus.DELIBERATED)
    refused = make_application(call, status=ApplicationStatus.NOT_SELECTED)
    review_round = call.rounds.get(number=1)
    panel = AuditionPanel.objects.create(call=call, name="Panel A")
    panel.members.add(reviewer)
    start = timezone.now() - dt.timedelta(days=1)
    slot = AuditionSlot.objects.create(
        panel=panel,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=45),
        location="Paris",
        application=auditioned,
    )
    blind = make_call(slug="aveugle", blind_review=True)
    blind_round = blind.rounds.get(number=1)
    JuryMember.objects.create(call=blind, user=reviewer)
    Assignment.objects.create(
        round=blind_round, application=make_application(blind), reviewer=reviewer
    )
    return {
        "call": call,
        "call_draft": draft,
        "call_submitted": submitted,
        "call_file": submitted.files.get(),
        "call_auditioned": auditioned,
        "slot": slot,
        "assignment": Assignment.objects.create(
            round=review_round, application=submitted, reviewer=reviewer
        ),
        "blind_round": blind_round,
        "conflict": ConflictFlag.objects.create(
            application=submitted, reviewer=reviewer, source=ConflictSource.DECLARED_LINK
        ),
        "reopen_request": ReopenRequest.objects.create(
            application=refused,
            from_state=ApplicationStatus.NOT_SELECTED,
            to_state=ApplicationStatus.IN_REVIEW,
            reason="Erreur de saisie",
        ),
        "reviewer": reviewer,
        "signatory": signatory,
        "import_run": ImportRun.objects.create(
            kind=ImportKind.RNA, file_name="rna.csv", file_sha256="0" * 64, file_size=10
        ),
    }


def make_persona(persona: str) -> User | None:
    if persona == "anonyme":
        return None
    if persona == "superutilisateur":
        return superuser()
    if persona == "sans_role":
        return UserFactory.create()
    return user_with_role(Role(persona))


# --- URL walking ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Route:
    name: str | None  # qualified, "namespace:name"
    namespace: str
    path: str
    params: tuple[str, ...]


def walk(resolver: URLResolver, namespace: str = "", prefix: str = "") -> Iterator[Route]:
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from walk(pattern, inner, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            name = None
            if pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            params = tuple(pattern.pattern.regex.groupindex)
            yield Route(name, namespace, prefix + str(pattern.pattern), params)


def all_routes() -> list[Route]:
    return list(walk(get_resolver()))


def rule_for(route: Route) -> str | None:
    if route.name in ACCESS:
        return ACCESS[route.name]
    top = route.namespace.split(":")[0]
    if top in WILDCARD_NAMESPACES:
        return ACCESS[f"{top}:*"]
    return None


def url_for(route: Route, world: World) -> str:
    assert route.name is not None
    kwargs = {}
    for param in route.params:
        value = URL_KWARGS.get(route.name, {}).get(param, SAMPLE_KWARGS.get(param))
        if value is None:
            pytest.fail(
                f"No sample value for <{param}> of {route.name}: add it to SAMPLE_KWARGS or URL_KWARGS."
            )
        kwargs[param] = value(world) if callable(value) else value
    return reverse(route.name, kwargs=kwargs)


# --- Expected outcomes ------------------------------------------------------------------------
def login_redirect(response: Any, url: str) -> str | None:
    if response.status_code != 302:
        return f"expected a redirect to login, got {response.status_code}"
    location = response["Location"]
    if not location.startswith(f"{LOGIN_PATH}?next="):
        return f"expected a redirect to login, got one to {location}"
    return None


def status(response: Any, *expected: int) -> str | None:
    if response.status_code not in expected:
        return f"expected {' or '.join(map(str, expected))}, got {response.status_code}"
    return None


def check(rule: str, persona: str, url: str, client: Client) -> str | None:
    response = client.get(url)
    anonymous = persona == "anonyme"
    if rule == PUBLIC:
        return status(response, 200)
    if rule == NOT_FOUND:
        return status(response, 404)
    if rule == GUEST:
        if anonymous:
            return status(response, 200)
        if response.status_code != 302 or response["Location"] != PROFILE_PATH:
            return f"expected a redirect to the profile, got {response.status_code}"
        return None
    if rule == AUTHENTICATED:
        return login_redirect(response, url) if anonymous else status(response, 200)
    if rule == AUTHENTICATED_STEP:
        if anonymous:
            return login_redirect(response, url)
        if response.status_code != 302 or response["Location"].startswith(LOGIN_PATH):
            return f"expected a redirect to the next step, got {response.status_code}"
        return None
    if rule == LOGOUT:
        if anonymous:
            return status(response, 302)
        problem = status(response, 200)
        if problem is None and "_auth_user_id" not in client.session:
            return "a GET logged the user out"
        return problem
    if rule == FLOW_STEP:
        return status(response, 302)
    if rule == MEMBER_OR_STAFF:
        if anonymous:
            return login_redirect(response, url)
        allowed = persona == "membre_structure" or persona in STAFF_HISTORY_PERSONAS
        return status(response, 200 if allowed else 403)
    if rule == POST_ONLY:
        return login_redirect(response, url) if anonymous else status(response, 405)
    if rule == MEMBER:
        if anonymous:
            return login_redirect(response, url)
        return status(response, 200 if persona == "membre_structure" else 403)
    if rule == STAFF_POST_ONLY:
        if anonymous:
            return login_redirect(response, url)
        return status(response, 405 if persona in STAFF_HISTORY_PERSONAS else 403)
    if rule == REVIEWER:
        if anonymous:
            return login_redirect(response, url)
        return status(response, 200 if persona in REVIEWER_PERSONAS else 403)
    if rule == REVIEWER_OWN:
        if anonymous:
            return login_redirect(response, url)
        if persona == "jury_affecte":
            return status(response, 200)
        return status(response, 404 if persona in REVIEWER_PERSONAS else 403)
    if rule in (SIGNATORY, STAFF_OR_SIGNATORY):
        if anonymous:
            return login_redirect(response, url)
        allowed = persona == "signataire_appel" or (
            rule == STAFF_OR_SIGNATORY and persona in STAFF_HISTORY_PERSONAS
        )
        return status(response, 200 if allowed else 403)
    if rule in (STAFF_HISTORY, STAFF):
        if anonymous:
            return login_redirect(response, url)
        return status(response, 200 if persona in STAFF_HISTORY_PERSONAS else 403)
    if rule == ADMIN:
        return check_admin(persona, response, client)
    return f"unknown rule {rule!r}"


def check_admin(persona: str, response: Any, client: Client) -> str | None:
    if persona in ADMIN_PERSONAS:
        # Staff with every permission: any page, a redirect inside the admin (missing object),
        # 404 (no such object, "view on site" of a model without page), 405 (logout by GET).
        if response.status_code >= 500 or (
            response.status_code == 302 and response["Location"].startswith(LOGIN_PATH)
        ):
            return f"administrator refused: {response.status_code}"
        return None
    # Everyone else ends on allauth's login (anonymous) or a 403 (signed in), never a page.
    for _hop in range(3):
        if response.status_code != 302 or response["Location"].startswith(LOGIN_PATH):
            break
        response = client.get(response["Location"])
    if persona == "anonyme":
        return login_redirect(response, "")
    return status(response, 403)


# --- Tests ------------------------------------------------------------------------------------
def test_every_url_name_is_declared():
    routes = all_routes()
    undeclared = sorted(
        route.name or f"(unnamed) {route.path}" for route in routes if rule_for(route) is None
    )
    assert undeclared == [], (
        f"Declare these URLs in tests/test_access_matrix.py ACCESS: {undeclared}"
    )
    names = {route.name for route in routes}
    namespaces = {route.namespace.split(":")[0] for route in routes}
    stale = sorted(
        key
        for key in ACCESS
        if key not in names and not (key.endswith(":*") and key[:-2] in namespaces)
    )
    assert stale == [], f"ACCESS declares URLs that no longer exist: {stale}"
    assert set(ACCESS.values()) <= {
        PUBLIC, GUEST, AUTHENTICATED, AUTHENTICATED_STEP, LOGOUT, FLOW_STEP, STAFF_HISTORY, ADMIN,
        NOT_FOUND, STAFF, MEMBER, POST_ONLY, MEMBER_OR_STAFF, REVIEWER, REVIEWER_OWN, SIGNATORY,
        STAFF_OR_SIGNATORY, STAFF_POST_ONLY,
    }  # fmt: skip


def routes_to_visit() -> list[Route]:
    return [
        route for route in all_routes() if route.name is not None and rule_for(route) is not None
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("persona", PERSONAS)
# django-dsfr's DsfrConfig has URLFields; their admin form warns about Django 6's https default.
@pytest.mark.filterwarnings(
    "ignore:The default scheme will be changed from 'http' to 'https':"
    "django.utils.deprecation.RemovedInDjango60Warning"
)
def test_access_matrix(persona: str, world: World) -> None:
    named = {
        "membre_structure": world.member,
        "jury_affecte": world.reviewer,
        "signataire_appel": world.signatory,
    }
    user = named[persona] if persona in named else make_persona(persona)
    problems = []
    for route in routes_to_visit():
        client = Client()
        if user is not None:
            client.force_login(user)
        url = url_for(route, world)
        rule = rule_for(route)
        assert rule is not None
        problem = check(rule, persona, url, client)
        if problem:
            problems.append(f"{route.name} ({url}) [{rule}]: {problem}")
    assert problems == [], f"{persona}:\n" + "\n".join(problems)


@pytest.mark.django_db
def test_matrix_catches_a_page_that_is_not_theirs(world: World) -> None:
    """The checker itself can fail: a staff-only page served to a plain user is reported."""
    client = Client()
    client.force_login(user_with_role(Role.PROJECT_HOLDER))
    assert check(STAFF_HISTORY, Role.PROJECT_HOLDER.value, "/comptes/profil/", client) == (
        "expected 403, got 200"
    )
    assert check(AUTHENTICATED, "anonyme", "/", Client()) == "expected a redirect to login, got 200"
