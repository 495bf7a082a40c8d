"""Every page needs a signed-in user who has completed the second factor.

This is enforced here, for every URL, rather than by decorating views: a new
view is protected without anyone remembering to protect it. The allowlist is
short and reviewed; tests/accounts/test_url_access.py walks every URL pattern
and fails on any pattern it does not know.
"""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode
from django_otp import DEVICE_ID_SESSION_KEY

from accounts.access import (
    AccessProblem,
    access_problem,
    administrators_to_contact,
    needs_agreement,
)
from audit.models import Action
from audit.services import audit_denial_record

# View names reachable without a complete sign-in.
PUBLIC_VIEWS = frozenset(
    {
        "accounts:login",
        "accounts:password_reset",
        "accounts:password_reset_done",
        "accounts:password_reset_confirm",
        "accounts:password_reset_complete",
        "health:live",
        "health:ready",
        "health:live_alias",
        "health:ready_alias",
    }
)
# The API: token-authenticated by djangorestframework on every request, never a session.
API_VIEWS = frozenset({"api:children_search", "api:involvement", "api:caf", "api:schema"})
# View names reachable with a password but before the second factor.
PASSWORD_ONLY_VIEWS = frozenset(
    {
        "accounts:verify",
        "accounts:verify_backup",
        "accounts:logout",
        "accounts:enrol",
        # Security-key ceremonies: registration is gated by an activation code
        # (accounts.webauthn), authentication is the second factor itself.
        "otp_webauthn:credential-registration-begin",
        "otp_webauthn:credential-registration-complete",
        "otp_webauthn:credential-authentication-begin",
        "otp_webauthn:credential-authentication-complete",
        "otp_webauthn:js-i18n-catalog",
    }
)
# View names a verified user may reach while their access has lapsed or they
# still have to accept the current user agreement.
LAPSED_VIEWS = frozenset({"accounts:logout", "accounts:agreement"})
SESSION_STARTED_KEY = "auth_started_at"


def _view_name(request: HttpRequest) -> str | None:
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return None


class RequireSecondFactorMiddleware:
    """Refuse anonymous and password-only sessions everywhere except the allowlist.

    Also ends a session that has outlived the absolute timeout, whatever its activity.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        view_name = _view_name(request)
        if view_name in PUBLIC_VIEWS:
            return self.get_response(request)
        if view_name in API_VIEWS:
            # Case management systems authenticate each request with their token (feeds.api).
            return self.get_response(request)

        user = request.user
        if user.is_authenticated:
            started = request.session.get(SESSION_STARTED_KEY, 0)
            if time.time() - started > settings.SESSION_ABSOLUTE_SECONDS:
                logout(request)
                return redirect(_login_url(request, expired=True))
        if not user.is_authenticated:
            return redirect(_login_url(request))
        if view_name in PASSWORD_ONLY_VIEWS:
            return self.get_response(request)
        if not user.is_verified():
            if request.session.get(DEVICE_ID_SESSION_KEY):
                # The device this session was verified with has been removed.
                logout(request)
                return redirect(_login_url(request))
            return redirect(f"{reverse('accounts:verify')}?{urlencode({'next': _next(request)})}")
        if view_name in LAPSED_VIEWS:
            return self.get_response(request)
        problem = access_problem(user)
        if problem is not None:
            return _access_stopped(request, problem)
        if needs_agreement(user):
            return redirect(
                f"{reverse('accounts:agreement')}?{urlencode({'next': _next(request)})}"
            )
        return self.get_response(request)


def _access_stopped(request: HttpRequest, problem: AccessProblem) -> HttpResponse:
    """The page a user sees, on any URL, once their access has lapsed; audited."""
    audit_denial_record(request=request, action=Action.ACCESS_LAPSED, reason=problem.title)
    context = {"problem": problem, "contacts": administrators_to_contact(request.user)}
    return render(request, "accounts/access_stopped.html", context, status=403)


def _next(request: HttpRequest) -> str:
    # Only a GET can be replayed after sign-in; a POST target would lose its body.
    return (
        request.get_full_path() if request.method == "GET" else reverse(settings.LOGIN_REDIRECT_URL)
    )


def _login_url(request: HttpRequest, expired: bool = False) -> str:
    params = {"next": _next(request)}
    if expired:
        params["expired"] = "1"
    return f"{reverse('accounts:login')}?{urlencode(params)}"


class NoStoreMiddleware:
    """Authenticated pages must not be kept by browsers or proxies.

    Every response but static files gets ``no-store``: pages, redirects, refusals, error
    pages and the API alike. It sits outside the session and sign-in middleware, so the
    responses they make on their own are covered too (settings.MIDDLEWARE).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(settings.STATIC_URL):
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response
