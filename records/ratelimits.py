"""How often each user may search (django-ratelimit, counted in the shared cache).

Counts live in Redis, so every gunicorn worker and every server sees one count per
user. Web searches and searches during a mediated lookup share the user's allowance
(``SEARCH_RATE_LIMIT``); an integration client, which is a user of its own, has the
API's allowance (``API_SEARCH_RATE_LIMIT``). A refused search is audited as a denial.
"""

import re
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage

from audit.models import Action
from audit.services import audit_denial_record

WEB_SEARCH = "records.search"
API_SEARCH = "api.search"
_PERIOD_WORDS = {"s": "second", "m": "minute", "h": "hour", "d": "day"}


@dataclass(frozen=True)
class SearchRefused:
    """A search over the limit: how long until the user may search again."""

    retry_after: int
    rate: str

    @property
    def limit_words(self) -> str:
        return rate_words(self.rate)


def search_allowance_use(*, request: HttpRequest, group: str = WEB_SEARCH) -> SearchRefused | None:
    """Count one search by ``request.user``; ``None`` if it may go ahead.

    Over the limit, the refusal is audited (committed on its own, like every denial)
    and the caller answers 429 with ``Retry-After``. A cache that cannot be reached
    raises: the request fails closed (503), never searching uncounted.
    """
    rate = settings.API_SEARCH_RATE_LIMIT if group == API_SEARCH else settings.SEARCH_RATE_LIMIT
    usage = get_usage(request, group=group, key="user", rate=rate, increment=True)
    if usage is None or not usage["should_limit"]:
        return None
    # The count resets one second after the window's last whole second.
    refused = SearchRefused(retry_after=max(1, usage["time_left"] + 1), rate=rate)
    audit_denial_record(
        request=request,
        action=Action.SEARCH_RATE_LIMITED,
        reason="too many searches",
        details={"limit": rate, "retry_after": refused.retry_after},
    )
    return refused


def rate_words(rate: str) -> str:
    """ "60/m" -> "60 searches a minute"; "100/5m" -> "100 searches in 5 minutes"."""
    count, multiple, unit = re.match(r"^(\d+)/(\d*)([smhd])$", rate).groups()
    noun = "search" if count == "1" else "searches"
    period = _PERIOD_WORDS[unit]
    if multiple and multiple != "1":
        return f"{count} {noun} in {multiple} {period}s"
    return f"{count} {noun} a{'n' if period == 'hour' else ''} {period}"


def seconds_words(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} second{'' if seconds == 1 else 's'}"
    minutes = -(-seconds // 60)
    return f"{minutes} minutes"
