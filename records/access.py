"""What a user may see of children: the one visibility policy.

Every surface (record page, search results and counts, and later exports,
reports and the API) asks this module. Nothing is hidden only in a template.
A child a user may not see looks exactly like one that does not exist.
"""

from dataclasses import dataclass

from django.db.models import QuerySet

from accounts.models import User
from accounts.roles import Role
from records.models import Child

SEARCH_ROLES = (Role.PRACTITIONER, Role.INDEX_TEAM)


def may_search(user: User) -> bool:
    """Searching and opening records is for practitioners and the index team."""
    return any(user.has_role(role) for role in SEARCH_ROLES)


def children_visible_to(user: User) -> QuerySet[Child]:
    """The children this user may find at all."""
    if not may_search(user):
        return Child.objects.none()
    return Child.objects.all()


def may_identify_for_audit(user: User) -> bool:
    """Auditors may identify a child (names and date of birth only) to review its access."""
    return user.has_role(Role.AUDITOR)


def children_identifiable_for_audit(user: User) -> QuerySet[Child]:
    return Child.objects.all() if may_identify_for_audit(user) else Child.objects.none()


def may_search_hidden_fields(user: User) -> bool:
    """Whether a search by address or postcode may find shielded children."""
    return user.has_role(Role.INDEX_TEAM)


def may_see_sensitive_details(user: User) -> bool:
    """Whether the user may see which sensitive service is involved and how to reach it."""
    return user.has_role(Role.INDEX_TEAM) or user.has_role(Role.SENSITIVE_SERVICES)


@dataclass(frozen=True)
class ChildAccess:
    """The decision for one user and one child, passed to every part of the record page."""

    child: Child
    sees_location: bool
    sees_sensitive_details: bool


def child_access(user: User, child: Child) -> ChildAccess:
    """Full view, or for a shielded child (outside the index team) the minimal view."""
    return ChildAccess(
        child=child,
        sees_location=(not child.is_shielded) or user.has_role(Role.INDEX_TEAM),
        sees_sensitive_details=may_see_sensitive_details(user),
    )
