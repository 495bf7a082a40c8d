"""The account lifecycle: requested -> vetting -> awaiting enrolment -> active ->
suspended / expired / closed. Every decision records who made it and when, and
writes its audit event in the same transaction.

Callers check that the administrator may manage the user (accounts.access);
these functions check that the transition itself is allowed.
"""

import datetime
import re
import unicodedata
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.access import access_problem, grantable_roles
from accounts.models import (
    AccountStatus,
    ActivationCode,
    Organisation,
    User,
    Vetting,
    hash_code,
)
from accounts.roles import Role
from audit.models import Action, Outcome
from audit.services import audit_event_record


class LifecycleError(Exception):
    """A transition that is not allowed now; the message is for the administrator."""


# What each decision is called when an administrator tries it on their own account.
OWN_ACCOUNT_WORDS = {
    Action.VETTING_RECORD: "record vetting evidence for",
    Action.ACCOUNT_AUTHORISE: "authorise",
    Action.ACTIVATION_ISSUE: "issue an activation code for",
    Action.ACCOUNT_REACTIVATE: "reactivate",
    Action.ACCOUNT_SUSPEND: "suspend",
    Action.ACCOUNT_CLOSE: "close",
    Action.ROLES_CHANGE: "change the roles of",
}


def own_account_refuse(
    *,
    request: HttpRequest | None,
    admin: User,
    user: User,
    action: str,
    details: dict[str, Any] | None = None,
) -> None:
    """Separation of duties: nobody vets, authorises or issues codes for their own account.

    Whatever their roles (the service operator and a superuser included), a second
    person does it. Does nothing when ``admin`` and ``user`` are different people;
    otherwise writes a denied audit event that survives the rollback of the request
    (like every denial) and raises LifecycleError with words for the administrator.
    Call it before any write.
    """
    if admin.pk != user.pk:
        return
    _audit_denial(
        action,
        request=request,
        admin=admin,
        user=user,
        reason="separation of duties: own account",
        details=details,
    )
    raise LifecycleError(
        f"You cannot {OWN_ACCOUNT_WORDS[action]} your own account. "
        f"Another administrator or the service operator must do it."
    )


def _audit_denial(
    action: str,
    *,
    request: HttpRequest | None,
    admin: User,
    user: User,
    reason: str,
    details: dict[str, Any] | None = None,
) -> None:
    audit_event_record(
        action=action,
        request=request,
        actor=admin,
        outcome=Outcome.DENIED,
        object_type="user",
        object_id=str(user.public_id),
        reason=reason,
        details={
            "username": user.username,
            "path": request.path if request is not None else "",
            **(details or {}),
        },
        durable=True,
    )


_SELF_WORDS = frozenset({"me", "myself", "self", "yourself", "themselves", "himself", "herself"})


def _words(text: str) -> set[str]:
    """Lower-case, letters-only words with accents removed ("Zoë O'Neill": zoe, o, neill)."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return set(re.findall(r"[a-z]+", plain.casefold()))


def manager_is_the_user(manager_name: str, user: User) -> bool:
    """Whether the line manager named is the user themselves.

    "Myself" (or "me", "self"...), the user's sign-in name or email address, or a name
    holding both of the user's given and family names ("Dr Nia Roberts (head)" for Nia
    Roberts) all count as the user.
    """
    words = _words(manager_name)
    if words & _SELF_WORDS:
        return True
    own = _words(user.first_name) | _words(user.last_name)
    if _words(user.first_name) and _words(user.last_name) and own <= words:
        return True
    ids = {value.casefold() for value in (user.username, user.email) if value}
    return bool(ids & set(re.split(r"[\s,;:()<>\[\]]+", manager_name.casefold())))


def _audit(
    action: str,
    *,
    actor: User | None,
    request: HttpRequest | None,
    user: User,
    reason: str = "",
    details: dict[str, Any] | None = None,
) -> None:
    audit_event_record(
        action=action,
        request=request,
        actor=actor,
        object_type="user",
        object_id=str(user.public_id),
        reason=reason,
        details={"username": user.username, **(details or {})},
    )


def status_set(user: User, status: str, *, by: User | None, reason: str = "") -> None:
    user.status = status
    user.status_reason = reason
    user.status_changed_at = timezone.now()
    user.status_changed_by = by
    user.save(update_fields=["status", "status_reason", "status_changed_at", "status_changed_by"])


def user_sessions_end(user: User) -> None:
    """Every session of the user fails its auth-hash check at its next request."""
    User.objects.filter(pk=user.pk).update(session_epoch=F("session_epoch") + 1)
    user.refresh_from_db(fields=["session_epoch"])


@transaction.atomic
def account_request(
    *,
    request: HttpRequest | None,
    requested_by: User,
    organisation: Organisation,
    first_name: str,
    last_name: str,
    email: str,
    job_title: str,
    phone: str = "",
    manager_name: str = "",
) -> User:
    """Ask for an account for a colleague. The new user cannot sign in until vetted."""
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise LifecycleError("An account with this email address already exists.")
    user = User(
        username=email,
        email=email,
        first_name=first_name,
        last_name=last_name,
        organisation=organisation,
        job_title=job_title,
        phone=phone,
        status=AccountStatus.REQUESTED,
        requested_by=requested_by,
        requested_at=timezone.now(),
    )
    user.set_unusable_password()
    user.save()
    Vetting.objects.create(user=user, manager_name=manager_name)
    _audit(Action.ACCOUNT_REQUEST, actor=requested_by, request=request, user=user)
    return user


def _start_vetting(user: User, admin: User) -> None:
    if user.status == AccountStatus.REQUESTED:
        status_set(user, AccountStatus.VETTING, by=admin)
    elif user.status == AccountStatus.CLOSED:
        raise LifecycleError("This account is closed.")


def _vetting_item_record(
    *,
    request: HttpRequest | None,
    admin: User,
    user: User,
    item: str,
    prefix: str,
    values: dict[str, Any],
) -> Vetting:
    """Record one vetting item with who recorded it and when, and audit it."""
    own_account_refuse(
        request=request,
        admin=admin,
        user=user,
        action=Action.VETTING_RECORD,
        details={"item": item},
    )
    _start_vetting(user, admin)
    vetting, _ = Vetting.objects.select_for_update().get_or_create(user=user)
    for name, value in values.items():
        setattr(vetting, name, value)
    setattr(vetting, f"{prefix}_recorded_by", admin)
    setattr(vetting, f"{prefix}_recorded_at", timezone.now())
    vetting.warned_for = None  # a renewed item deserves a fresh warning before it expires
    vetting.save()
    details = {
        "item": item,
        **{k: v.isoformat() if isinstance(v, datetime.date) else v for k, v in values.items()},
    }
    _audit(Action.VETTING_RECORD, actor=admin, request=request, user=user, details=details)
    return vetting


@transaction.atomic
def vetting_record_dbs(
    *,
    request: HttpRequest | None,
    admin: User,
    user: User,
    certificate_number: str,
    issue_date: datetime.date,
) -> Vetting:
    """Record an enhanced DBS certificate. Renewal falls due after DBS_VALID_YEARS."""
    return _vetting_item_record(
        request=request,
        admin=admin,
        user=user,
        item="dbs",
        prefix="dbs",
        values={"dbs_certificate_number": certificate_number, "dbs_issue_date": issue_date},
    )


@transaction.atomic
def vetting_record_authorisation(
    *,
    request: HttpRequest | None,
    admin: User,
    user: User,
    manager_name: str,
    authorised_on: datetime.date,
) -> Vetting:
    """Record the line manager's authorisation (renewed every AUTHORISATION_VALID_YEARS).

    The manager must be someone other than the user (``manager_is_the_user``).
    """
    own_account_refuse(
        request=request,
        admin=admin,
        user=user,
        action=Action.VETTING_RECORD,
        details={"item": "authorisation"},
    )
    if manager_is_the_user(manager_name, user):
        _audit_denial(
            Action.VETTING_RECORD,
            request=request,
            admin=admin,
            user=user,
            reason="separation of duties: the manager named is the user",
            details={"item": "authorisation", "manager_name": manager_name},
        )
        raise LifecycleError(
            f"The line manager who authorises {user.get_full_name() or user.username} must be "
            f"someone else: enter the name of the manager who authorised them."
        )
    return _vetting_item_record(
        request=request,
        admin=admin,
        user=user,
        item="authorisation",
        prefix="manager",
        values={"manager_name": manager_name, "manager_authorised_on": authorised_on},
    )


@transaction.atomic
def vetting_record_training(
    *, request: HttpRequest | None, admin: User, user: User, completed_on: datetime.date
) -> Vetting:
    """Record completed training (refreshed every TRAINING_VALID_YEARS)."""
    return _vetting_item_record(
        request=request,
        admin=admin,
        user=user,
        item="training",
        prefix="training",
        values={"training_completed_on": completed_on},
    )


def _issue_activation_code(user: User, admin: User) -> str:
    ActivationCode.objects.filter(user=user, used_at__isnull=True).update(expires_at=timezone.now())
    code = ActivationCode.new_code()
    ActivationCode.objects.create(
        user=user,
        code_hash=hash_code(code),
        issued_by=admin,
        expires_at=timezone.now() + datetime.timedelta(hours=settings.ACTIVATION_CODE_HOURS),
    )
    return code


def _password_link(request: HttpRequest | None, user: User) -> str:
    path = reverse(
        "accounts:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return request.build_absolute_uri(path) if request is not None else path


@transaction.atomic
def account_authorise(*, request: HttpRequest | None, admin: User, user: User) -> str:
    """Approve a vetted account: the user may now set a password and enrol a second factor.

    Returns the one-time activation code, which the administrator gives the user
    by a separate channel (in person or by phone). It is shown once and stored hashed.
    """
    own_account_refuse(request=request, admin=admin, user=user, action=Action.ACCOUNT_AUTHORISE)
    if user.status not in (AccountStatus.REQUESTED, AccountStatus.VETTING):
        raise LifecycleError("Only a requested account in vetting can be authorised.")
    if not user.role_names():
        raise LifecycleError("Give the user at least one role before authorising.")
    problem = _vetting_problem(user)
    if problem:
        raise LifecycleError(problem)
    status_set(user, AccountStatus.AWAITING_ENROLMENT, by=admin)
    code = _issue_activation_code(user, admin)
    _audit(Action.ACCOUNT_AUTHORISE, actor=admin, request=request, user=user)
    link = _password_link(request, user)
    transaction.on_commit(
        lambda: send_mail(
            subject="Your Child Index account is ready",
            message=(
                f"Your Child Index account has been approved.\n\n"
                f"1. Set your password: {link}\n"
                f"2. Sign in with your email address ({user.username}) and that password.\n"
                f"3. Enter the activation code your administrator gives you, and set up "
                f"your authenticator app.\n\n"
                f"The activation code is never sent by email."
            ),
            from_email=None,
            recipient_list=[user.email],
        )
    )
    return code


def _vetting_problem(user: User) -> str:
    vetting = Vetting.objects.filter(user=user).first()
    if vetting is None or not vetting.complete:
        return "Record the DBS check, the manager's authorisation and the training first."
    # Evidence a user recorded for themselves (before separation of duties was enforced,
    # or by any other route) does not count: someone else must record it again.
    for recorded_by, what in [
        (vetting.dbs_recorded_by_id, "DBS check"),
        (vetting.manager_recorded_by_id, "manager's authorisation"),
        (vetting.training_recorded_by_id, "training"),
    ]:
        if recorded_by == user.pk:
            return f"The {what} was recorded by the user themselves: record it again."
    if manager_is_the_user(vetting.manager_name, user):
        return "The manager's authorisation names the user themselves: record the real manager's."
    today = datetime.date.today()
    for due, what in [
        (vetting.dbs_renewal_due, "The DBS check"),
        (vetting.authorisation_renewal_due, "The manager's authorisation"),
        (vetting.training_renewal_due, "The training"),
    ]:
        if due is not None and due <= today:
            return f"{what} expired on {due:%-d %B %Y}: record a current one first."
    return ""


@transaction.atomic
def activation_code_issue(*, request: HttpRequest | None, admin: User, user: User) -> str:
    """A new one-time code for (re-)enrolling a second factor; earlier unused codes stop working.

    Never for the administrator's own account: a second person resets a second factor.
    """
    own_account_refuse(request=request, admin=admin, user=user, action=Action.ACTIVATION_ISSUE)
    if user.status not in (AccountStatus.AWAITING_ENROLMENT, AccountStatus.ACTIVE):
        raise LifecycleError("Activation codes are for authorised accounts only.")
    code = _issue_activation_code(user, admin)
    _audit(Action.ACTIVATION_ISSUE, actor=admin, request=request, user=user)
    return code


@transaction.atomic
def account_suspend(*, request: HttpRequest | None, admin: User, user: User, reason: str) -> None:
    """Stop the user's access at once (their sessions end at their next request)."""
    own_account_refuse(request=request, admin=admin, user=user, action=Action.ACCOUNT_SUSPEND)
    if user.status in (AccountStatus.SUSPENDED, AccountStatus.CLOSED):
        raise LifecycleError("This account is already suspended or closed.")
    status_set(user, AccountStatus.SUSPENDED, by=admin, reason=reason)
    user_sessions_end(user)
    _audit(Action.ACCOUNT_SUSPEND, actor=admin, request=request, user=user, reason=reason)


@transaction.atomic
def account_reactivate(*, request: HttpRequest | None, admin: User, user: User) -> None:
    """Restore a suspended or expired account once every vetting item is in date."""
    own_account_refuse(request=request, admin=admin, user=user, action=Action.ACCOUNT_REACTIVATE)
    if user.status not in (AccountStatus.SUSPENDED, AccountStatus.EXPIRED):
        raise LifecycleError("Only a suspended or expired account can be reactivated.")
    problem = _vetting_problem(user)
    if problem:
        raise LifecycleError(problem)
    has_device = user.totpdevice_set.filter(confirmed=True).exists()
    status_set(
        user, AccountStatus.ACTIVE if has_device else AccountStatus.AWAITING_ENROLMENT, by=admin
    )
    _audit(Action.ACCOUNT_REACTIVATE, actor=admin, request=request, user=user)


@transaction.atomic
def account_close(*, request: HttpRequest | None, admin: User, user: User, reason: str) -> None:
    """Close an account for good: no password, no sessions. The audit trail keeps it."""
    own_account_refuse(request=request, admin=admin, user=user, action=Action.ACCOUNT_CLOSE)
    if user.status == AccountStatus.CLOSED:
        raise LifecycleError("This account is already closed.")
    status_set(user, AccountStatus.CLOSED, by=admin, reason=reason)
    user.is_active = False
    user.set_unusable_password()
    user.save(update_fields=["is_active", "password"])
    user_sessions_end(user)
    _audit(Action.ACCOUNT_CLOSE, actor=admin, request=request, user=user, reason=reason)


@transaction.atomic
def roles_set(*, request: HttpRequest | None, admin: User, user: User, roles: set[Role]) -> None:
    """Give the user exactly ``roles`` among those the administrator may grant.

    Roles the administrator may not grant are left as they are. Removing a role
    ends the user's sessions, so it takes effect at once.
    """
    own_account_refuse(request=request, admin=admin, user=user, action=Action.ROLES_CHANGE)
    allowed = grantable_roles(admin, user)
    if not allowed:
        raise LifecycleError("You cannot change this user's roles.")
    if not roles <= allowed:
        raise LifecycleError("You cannot give those roles.")
    before = set(user.role_names())
    keep = {name for name in before if name not in {role.value for role in allowed}}
    after = keep | {role.value for role in roles}
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    user.groups.set(Group.objects.filter(name__in=after))
    user._role_names = None
    if before - after:
        user_sessions_end(user)
    _audit(
        Action.ROLES_CHANGE,
        actor=admin,
        request=request,
        user=user,
        details={"added": sorted(after - before), "removed": sorted(before - after)},
    )


@transaction.atomic
def account_expire(*, user: User, reason: str) -> None:
    """Mark an account whose access has lapsed (run by ``expire_access``)."""
    status_set(user, AccountStatus.EXPIRED, by=None, reason=reason)
    user_sessions_end(user)
    _audit(Action.ACCOUNT_EXPIRE, actor=None, request=None, user=user, reason=reason)


def lapsed_reason(user: User, today: datetime.date) -> str:
    """The words of the access problem, for the expiry command and its audit event."""
    problem = access_problem(user, today)
    return f"{problem.title}. {problem.detail}".strip() if problem else ""
