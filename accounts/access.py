"""Account rules: whether a user may use the service now, and whom an administrator manages.

Every check of these rules goes through this module: the middleware on each
request, the administrator pages, and the daily ``expire_access`` command.
"""

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet

from accounts.models import AccountStatus, User
from accounts.roles import Role

# Roles an organisation administrator may give to their own organisation's users.
# The index team, auditors and integration clients are service-wide roles: only the
# service operator (global administrator) grants them.
ORGANISATION_GRANTABLE = frozenset(
    {Role.PRACTITIONER, Role.SENSITIVE_SERVICES, Role.OVERRIDE, Role.ORG_ADMIN}
)


@dataclass(frozen=True)
class AccessProblem:
    """Why a signed-in user may not use the service, in words for that user."""

    title: str
    detail: str


def access_problem(user: User, today: datetime.date | None = None) -> AccessProblem | None:
    """None when every condition of access holds today; otherwise the first that does not."""
    today = today or datetime.date.today()
    status = user.status
    if status == AccountStatus.SUSPENDED:
        return AccessProblem("Your account is suspended", user.status_reason or "")
    if status == AccountStatus.CLOSED:
        return AccessProblem("Your account is closed", user.status_reason or "")
    if status in (AccountStatus.REQUESTED, AccountStatus.VETTING):
        return AccessProblem(
            "Your account has not been approved yet",
            "Your administrator is still recording your checks and authorisation.",
        )
    vetting = getattr(user, "vetting", None)
    if vetting is None or not vetting.complete:
        return AccessProblem(
            "Your vetting record is incomplete",
            "Your administrator needs to record your DBS check, your manager's "
            "authorisation and your training.",
        )
    checks = [
        (vetting.dbs_renewal_due, "Your DBS check needed renewing by"),
        (vetting.authorisation_renewal_due, "Your manager's authorisation needed renewing by"),
        (vetting.training_renewal_due, "Your training needed refreshing by"),
    ]
    for due, words in checks:
        if due is not None and due <= today:
            return AccessProblem("Your access has expired", f"{words} {due:%-d %B %Y}.")
    if status == AccountStatus.EXPIRED:
        return AccessProblem(
            "Your access has expired", "Your administrator needs to reactivate your account."
        )
    return None


def needs_agreement(user: User) -> bool:
    vetting = getattr(user, "vetting", None)
    return vetting is None or not vetting.agreement_current


def is_administrator(user: User) -> bool:
    return user.has_role(Role.ORG_ADMIN) or user.has_role(Role.GLOBAL_ADMIN)


def manageable_users(admin: User) -> QuerySet[User]:
    """The users this administrator may manage: their organisation's (all, for operators)."""
    if admin.has_role(Role.GLOBAL_ADMIN):
        return User.objects.all()
    if admin.has_role(Role.ORG_ADMIN) and admin.organisation_id is not None:
        return User.objects.filter(organisation_id=admin.organisation_id)
    return User.objects.none()


def grantable_roles(admin: User, target: User) -> frozenset[Role]:
    """Roles ``admin`` may give to or take from ``target``. Never their own."""
    if admin.pk == target.pk:
        return frozenset()
    if admin.has_role(Role.GLOBAL_ADMIN):
        return frozenset(Role)
    if admin.has_role(Role.ORG_ADMIN) and admin.organisation_id == target.organisation_id:
        return ORGANISATION_GRANTABLE
    return frozenset()


def administrators_to_contact(user: User) -> list[User]:
    """Whom a user should contact about their access: their organisation's administrators."""
    if user.organisation_id is None:
        return []
    return list(
        User.objects.filter(
            organisation_id=user.organisation_id,
            groups__name=Role.ORG_ADMIN.value,
            status=AccountStatus.ACTIVE,
        ).exclude(pk=user.pk)[:3]
    )
