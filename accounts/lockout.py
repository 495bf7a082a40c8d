"""Lockout: when a sign-in is refused before the password is even checked, and what a
locked-out attempt sees (exactly what a failed one sees).

django-axes locks a username at one client IP after LOCKOUT_FAILURES failures
(AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]). On its own that would let
one client try a few passwords on every account, so a client IP with
LOCKOUT_IP_FAILURES failures (whatever the usernames) within LOCKOUT_MINUTES is
locked too: high enough that one person's mistakes behind a shared proxy do not
lock everyone else out, low enough to stop password spraying from that address.
"""

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from audit.services import client_ip


def ip_locked_out(request: HttpRequest) -> bool:
    """Whether the client IP has LOCKOUT_IP_FAILURES failed passwords or codes, for any
    usernames, within the cool-off (the failures django-axes recorded)."""
    address = client_ip(request)
    if not address:
        return False
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    failures = AccessAttempt.objects.filter(ip_address=address, attempt_time__gte=since).aggregate(
        total=Sum("failures_since_start")
    )["total"]
    return (failures or 0) >= settings.LOCKOUT_IP_FAILURES


def same_response_as_a_failed_sign_in(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """The sign-in view already answered "Enter a correct username and password": keep it.

    A locked account must look the same as an unknown user or a wrong password,
    so an attacker learns nothing from the lock.
    """
    if original_response is None:
        return HttpResponse("Enter a correct username and password", status=200)
    return original_response
