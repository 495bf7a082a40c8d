"""Signing in and out. Each step writes its audit event."""

import time

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.signals import user_login_failed
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.models import Device

from accounts.lockout import ip_locked_out
from accounts.middleware import SESSION_STARTED_KEY
from accounts.models import User, Vetting
from audit.models import Action, Outcome
from audit.services import audit_event_record


def user_sign_in(*, request: HttpRequest, username: str, password: str) -> User | None:
    """Check a password and start a password-only session (a new session key).

    Unknown user, wrong password, inactive account and a lock (the username at this
    IP, or the IP itself: accounts.lockout) all return ``None`` and are audited the
    same way, so the caller cannot tell them apart.
    """
    ip_locked = ip_locked_out(request)
    user = None if ip_locked else authenticate(request, username=username, password=password)
    if user is None:
        locked = ip_locked or bool(getattr(request, "axes_locked_out", False))
        if locked:
            # The same Argon2 work as a wrong password, so a lock does not answer faster.
            User().set_password(password)
        audit_event_record(
            action=Action.LOGIN_FAILURE,
            request=request,
            outcome=Outcome.FAILURE,
            actor_username=username,
            details={"locked": locked, **({"lock": "client IP"} if ip_locked else {})},
        )
        return None
    with transaction.atomic():
        login(request, user)
        request.session[SESSION_STARTED_KEY] = time.time()
        audit_event_record(action=Action.LOGIN_SUCCESS, request=request, actor=user)
    return user


def user_verify_second_factor(*, request: HttpRequest, token: str) -> bool:
    """Accept a one-time code from one of the user's devices; a used code cannot be replayed."""
    user = request.user
    credentials = {"username": user.get_username()}
    locked = AxesProxyHandler.is_locked(request, credentials) or ip_locked_out(request)
    device = None if locked else match_token(user, token)
    if device is None:
        audit_event_record(
            action=Action.OTP_FAILURE,
            request=request,
            outcome=Outcome.FAILURE,
            details={"locked": locked},
        )
        # Count the failure toward the same lockout as failed passwords.
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        return False
    with transaction.atomic():
        otp_login(request, device)
        second_factor_passed(request=request, device=device)
    return True


def second_factor_passed(*, request: HttpRequest, device: Device) -> None:
    """After any second factor: a new session key, and the event that records which device."""
    started = request.session.get(SESSION_STARTED_KEY)
    request.session.cycle_key()
    request.session[SESSION_STARTED_KEY] = started
    audit_event_record(
        action=Action.OTP_SUCCESS,
        request=request,
        details={"device": device.persistent_id},
    )


def user_sign_out(*, request: HttpRequest) -> None:
    """End the session on the server as well as in the browser."""
    if request.user.is_authenticated:
        audit_event_record(action=Action.LOGOUT, request=request)
    logout(request)


@transaction.atomic
def agreement_accept(*, request: HttpRequest) -> None:
    """Record that the user accepted the current end-user agreement."""
    vetting, _ = Vetting.objects.get_or_create(user=request.user)
    vetting.agreement_version = settings.USER_AGREEMENT_VERSION
    vetting.agreement_accepted_at = timezone.now()
    vetting.save(update_fields=["agreement_version", "agreement_accepted_at"])
    audit_event_record(
        action=Action.AGREEMENT_ACCEPT,
        request=request,
        details={"version": settings.USER_AGREEMENT_VERSION},
    )


def password_change_record(*, request: HttpRequest) -> None:
    audit_event_record(action=Action.PASSWORD_CHANGE, request=request)


def password_reset_request_record(*, request: HttpRequest, email: str) -> None:
    """Audit a reset request; the page says the same whether or not the address is known."""
    audit_event_record(
        action=Action.PASSWORD_RESET_REQUEST,
        request=request,
        actor_username=email[:150],
    )


def password_reset_record(*, request: HttpRequest, user: User) -> None:
    audit_event_record(action=Action.PASSWORD_RESET, request=request, actor=user)
