"""Who may do what: the one module holding the platform's access checks.

Views, API views, templates and services ask these functions instead of testing groups or flags
themselves, so that a rule changes in one place. Roles are Django groups (accounts.roles);
administrators hold every role. The role × action matrix these checks implement is
docs/permissions.md, and tests/test_access_matrix.py checks every URL against it.

Later issues add their object-level checks here (``can_edit_project(user, project)``…), each
taking the user first and returning a bool, never raising.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

from frenchimpact.accounts.roles import Role, user_has_role

__all__ = [
    "RoleRequiredMixin",
    "can_apply_for_label",
    "can_apply_to_call",
    "can_decide_join_request",
    "can_decide_label",
    "can_edit_organisation",
    "can_edit_project",
    "can_manage_calls",
    "can_manage_offers",
    "can_moderate",
    "can_review",
    "can_review_assignment",
    "can_view_audit_history",
    "can_view_call_application",
    "can_view_label_application",
    "check_required",
    "has_any_role",
    "is_administrator",
    "is_call_signatory",
    "is_organisation_admin",
    "is_organisation_member",
    "is_programme_staff",
    "role_required",
]

ViewFunc = TypeVar("ViewFunc", bound=Callable[..., HttpResponseBase])


def is_administrator(user: Any) -> bool:
    """Superusers and members of the administrator group (active accounts only)."""
    return user_has_role(user, Role.ADMINISTRATOR)


def is_programme_staff(user: Any) -> bool:
    """The accelerator team and co-pilots' staff; administrators count as programme staff."""
    return user_has_role(user, Role.PROGRAMME_STAFF)


def has_any_role(user: Any, *roles: Role) -> bool:
    """True when the user holds at least one of ``roles`` (administrators hold them all)."""
    return any(user_has_role(user, role) for role in roles)


def can_view_audit_history(user: Any) -> bool:
    """The per-object audit history is for programme staff and administrators."""
    return is_programme_staff(user) or is_administrator(user)


def can_moderate(user: Any) -> bool:
    """Moderation (queue, approvals, reports, claims) is for programme staff and administrators."""
    return is_programme_staff(user) or is_administrator(user)


def organisation_member_role(user: Any, organisation: Any) -> str | None:
    """The user's role in the organisation ("admin", "editeur") or None.

    Reads ``organisation.memberships`` when it was prefetched (no query per row on lists);
    otherwise one query.
    """
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return None
    if organisation is None or organisation.pk is None:
        return None
    if "memberships" in getattr(organisation, "_prefetched_objects_cache", {}):
        for membership in organisation.memberships.all():
            if membership.user_id == user.pk:
                return str(membership.role)
        return None
    from frenchimpact.organisations.models import Membership

    role = (
        Membership.objects.filter(organisation_id=organisation.pk, user_id=user.pk)
        .values_list("role", flat=True)
        .first()
    )
    return str(role) if role is not None else None


def is_organisation_member(user: Any, organisation: Any) -> bool:
    """Any member of the organisation (admin or editor)."""
    return organisation_member_role(user, organisation) is not None


def is_organisation_admin(user: Any, organisation: Any) -> bool:
    """An admin member of the organisation: manages members and decides join requests."""
    from frenchimpact.organisations.enums import MemberRole

    return organisation_member_role(user, organisation) == MemberRole.ADMIN


def can_edit_organisation(user: Any, organisation: Any) -> bool:
    """Members (admins and editors) edit their organisation's record and create its projects.

    Programme staff do not edit records here: they moderate (and administrators have the
    Django admin)."""
    return is_organisation_member(user, organisation)


def can_edit_project(user: Any, project: Any) -> bool:
    """Members of the organisation carrying the project."""
    return can_edit_organisation(user, project.organisation)


def can_manage_offers(user: Any, organisation: Any) -> bool:
    """Members of a support structure or committed company manage its support profile, its
    service offers and the requests they receive (the organisation's kind is the service's
    business rule, not an access rule)."""
    return is_organisation_member(user, organisation)


def can_apply_for_label(user: Any, organisation: Any) -> bool:
    """Members of an organisation apply for the label on its behalf (drafts, submissions,
    answers to change requests, withdrawal)."""
    return is_organisation_member(user, organisation)


def can_decide_label(user: Any) -> bool:
    """Programme staff instruct label applications, record committee decisions and suspend,
    reinstate or revoke labels."""
    return can_moderate(user)


def can_view_label_application(user: Any, application: Any) -> bool:
    """An application and its attachments: the applicant's members and programme staff."""
    return can_decide_label(user) or can_apply_for_label(user, application.organisation)


def can_manage_calls(user: Any) -> bool:
    """Programme staff run calls for projects: configuration, admissibility, assignments,
    consolidation, auditions, deliberation, publication and exports."""
    return is_programme_staff(user) or is_administrator(user)


def can_apply_to_call(user: Any, organisation: Any) -> bool:
    """Members of an organisation apply to a call on its behalf (drafts, files, submission,
    answers to correction requests, withdrawal)."""
    return is_organisation_member(user, organisation)


def can_view_call_application(user: Any, application: Any) -> bool:
    """A whole application (answers, files, receipt): its organisation's members and programme
    staff. Reviewers see only what ``can_review_assignment`` lets through, anonymised if the
    call is blind."""
    return can_manage_calls(user) or can_apply_to_call(user, application.organisation)


def can_review(user: Any) -> bool:
    """Reviewers and jury members (the role); each file still needs an assignment."""
    return user_has_role(user, Role.REVIEWER)


def can_review_assignment(user: Any, assignment: Any) -> bool:
    """An assignment is seen and scored only by its own reviewer."""
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and assignment.reviewer_id == user.pk
        and can_review(user)
    )


def is_call_signatory(user: Any, call: Any) -> bool:
    """A signatory designated by one of the call's co-pilots (signs off the decisions and
    agrees to reopening a final one)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if not user_has_role(user, Role.COPILOT_SIGNATORY):
        return False
    return bool(call.copilots.filter(signatories=user).exists())


def can_decide_join_request(user: Any, join_request: Any, *, has_admin: bool) -> bool:
    """An admin member decides; when the organisation has no admin (an unclaimed imported
    record), programme staff decide instead. ``has_admin`` comes from the caller (one query)."""
    if has_admin:
        return is_organisation_admin(user, join_request.organisation)
    return can_moderate(user)


def _check_roles(request: HttpRequest, roles: tuple[Role, ...]) -> HttpResponseBase | None:
    """A redirect to the login page for anonymous users; PermissionDenied (403) for the others."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not has_any_role(request.user, *roles):
        raise PermissionDenied
    return None


def role_required(*roles: Role) -> Callable[[ViewFunc], ViewFunc]:
    """Decorate a function view: anonymous users go to the login page, users holding none
    of ``roles`` get a 403."""
    if not roles:
        raise ValueError("role_required() needs at least one role.")

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            denied = _check_roles(request, roles)
            if denied is not None:
                return denied
            return view(request, *args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def check_required(check: Callable[[Any], bool]) -> Callable[[ViewFunc], ViewFunc]:
    """Decorate a function view with an object-free check of this module: anonymous users
    go to the login page, users failing ``check(user)`` get a 403."""

    def decorator(view: ViewFunc) -> ViewFunc:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


class RoleRequiredMixin:
    """Class-based view counterpart of ``role_required``: set ``required_roles``."""

    required_roles: tuple[Role, ...] = ()

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not self.required_roles:
            raise ValueError(f"{type(self).__name__}.required_roles is empty.")
        denied = _check_roles(request, self.required_roles)
        if denied is not None:
            return denied
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
