"""What a user may see of children: the one visibility policy.

Every surface (record page, search results and counts, notifications, exports,
reports and the API) asks this module; docs/privacy.md lists each surface and its
rule. Nothing is hidden only in a template. A child a user may not see looks exactly
like one that does not exist.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet

from accounts.models import User
from accounts.roles import Role
from records.models import Child

# Integration clients search as an ordinary practitioner of their organisation would.
SEARCH_ROLES = (Role.PRACTITIONER, Role.INDEX_TEAM, Role.INTEGRATION)


def may_search(user: User) -> bool:
    """Searching and opening records is for practitioners and the index team."""
    return any(user.has_role(role) for role in SEARCH_ROLES)


def children_visible_to(user: User) -> QuerySet[Child]:
    """The children this user may find at all."""
    if not may_search(user):
        return Child.objects.none()
    children = Child.objects.filter(merged_into__isnull=True)
    if user.has_role(Role.INDEX_TEAM):
        # Data managers still see archived records for a year.
        cutoff = datetime.date.today() - datetime.timedelta(
            days=settings.RETENTION_ARCHIVE_VISIBLE_DAYS
        )
        return children.filter(Q(archived_on__isnull=True) | Q(archived_on__gt=cutoff))
    return children.filter(archived_on__isnull=True)


def may_identify_for_audit(user: User) -> bool:
    """Auditors may identify a child (names and date of birth only) to review its access."""
    return user.has_role(Role.AUDITOR)


def children_identifiable_for_audit(user: User) -> QuerySet[Child]:
    if not may_identify_for_audit(user):
        return Child.objects.none()
    return Child.objects.filter(merged_into__isnull=True)


def may_search_hidden_fields(user: User) -> bool:
    """Whether a search by address or postcode may find shielded children."""
    return user.has_role(Role.INDEX_TEAM)


def may_see_sensitive_details(user: User) -> bool:
    """Whether the user may see which sensitive service is involved and how to reach it."""
    return user.has_role(Role.INDEX_TEAM) or user.has_role(Role.SENSITIVE_SERVICES)


@dataclass(frozen=True)
class ChildAccess:
    """The decision for one user and one child, passed to every part of the record page.

    ``sees_location``: address, school, GP, practitioners and contacts (all hidden for a
    shielded child unless index team or a break-glass view). ``sees_sensitive_details``:
    which sensitive service is involved and how to reach it. ``identifier_issuers``: the
    organisations whose identifiers the user may see (None: all of them).
    """

    child: Child
    sees_location: bool
    sees_sensitive_details: bool
    identifier_issuers: frozenset[int] | None
    broke_glass: bool = False
    may_shield: bool = False
    may_break_glass: bool = False


def child_access(user: User, child: Child, *, broke_glass: bool = False) -> ChildAccess:
    """Full view, or for a shielded child (outside the index team) the minimal view.

    ``broke_glass`` is true only for the one view a child-protection override holder
    opened by breaking the glass (records.services.break_glass_grant).
    """
    index_team = user.has_role(Role.INDEX_TEAM)
    broke_glass = broke_glass and may_break_glass(user, child)
    if index_team:
        issuers = None
    elif user.organisation_id is not None:
        issuers = frozenset({user.organisation_id})
    else:
        issuers = frozenset()
    return ChildAccess(
        child=child,
        sees_location=(not child.is_shielded) or index_team or broke_glass,
        sees_sensitive_details=may_see_sensitive_details(user),
        identifier_issuers=issuers,
        broke_glass=broke_glass,
        may_shield=may_shield(user),
        may_break_glass=may_break_glass(user, child) and not broke_glass,
    )


def may_be_told_who_is_involved(access: ChildAccess) -> bool:
    """Whether a text for this user may say who works with the child, the CAF or the lead
    professional: a notification, a lead-professional notice, the list of them.

    Only if the user's own record view shows those (so never, outside the index team, for
    a shielded child), and never on the strength of a one-view break-glass. Following a
    child needs the same, because a follower is told who starts and stops. Texts never
    name a sensitive service at all (they outlive the reader's role and the young
    person's consent): they say that a restricted service is involved.
    """
    return access.sees_location and not access.broke_glass


def caller_access(child: Child) -> ChildAccess:
    """What a caller without access (an ordinary practitioner) may be told in a mediated lookup."""
    return ChildAccess(
        child=child,
        sees_location=not child.is_shielded,
        sees_sensitive_details=False,
        identifier_issuers=frozenset(),
    )


def may_mediate(user: User) -> bool:
    """Mediated lookups are done by the index team."""
    return user.has_role(Role.INDEX_TEAM)


def may_shield(user: User) -> bool:
    """Shielding and unshielding, and the review list, are for the index team."""
    return user.has_role(Role.INDEX_TEAM)


def may_break_glass(user: User, child: Child) -> bool:
    """A child-protection override holder may break the glass on a shielded record."""
    return child.is_shielded and user.has_role(Role.OVERRIDE) and not user.has_role(Role.INDEX_TEAM)


def visible_identifiers(access: ChildAccess) -> list:
    """Other agencies' identifiers the user may see: their own organisation's (index team: all)."""
    identifiers = access.child.identifiers.select_related("issued_by").order_by("kind", "id")
    if access.identifier_issuers is None:
        return list(identifiers)
    return list(identifiers.filter(issued_by_id__in=access.identifier_issuers))
