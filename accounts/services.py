"""Signing in and out. Each step writes its audit event."""

import time

from django.contrib.auth import authenticate, login, logout
from django.db import transaction
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp import match_token

from accounts.middleware import SESSION_STARTED_KEY
from accounts.models import User
from audit.models import Action, Outcome
from audit.services import audit_event_record


def user_sign_in(*, request: HttpRequest, username: str, password: str) -> User | None:
    """Check a password and start a password-only session (a new session key).

    Unknown user, wrong password and inactive account all return ``None`` and
    are audited the same way, so the caller cannot tell them apart.
    """
    user = authenticate(request, username=username, password=password)
    if user is None:
        audit_event_record(
            action=Action.LOGIN_FAILURE,
            request=request,
            outcome=Outcome.FAILURE,
            actor_username=username,
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
    device = match_token(user, token)
    if device is None:
        audit_event_record(action=Action.OTP_FAILURE, request=request, outcome=Outcome.FAILURE)
        return False
    with transaction.atomic():
        started = request.session.get(SESSION_STARTED_KEY)
        otp_login(request, device)
        request.session.cycle_key()
        request.session[SESSION_STARTED_KEY] = started
        audit_event_record(
            action=Action.OTP_SUCCESS,
            request=request,
            details={"device": device.persistent_id},
        )
    return True


def user_sign_out(*, request: HttpRequest) -> None:
    """End the session on the server as well as in the browser."""
    if request.user.is_authenticated:
        audit_event_record(action=Action.LOGOUT, request=request)
    logout(request)
