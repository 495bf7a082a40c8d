"""How often each user may search (django-ratelimit, counted in the shared cache).

Counts live in Redis, so every gunicorn worker and every server sees one count per
user. Web searches and searches during a mediated lookup share the user's allowance
(``SEARCH_RATE_LIMIT``); an integration client, which is a user of its own, has the
API's allowance: its own rate if one is set on the client, else ``API_SEARCH_RATE_LIMIT``
(feeds/clients.py), for its searches and the same again for its updates. A refused
request is audited as a denial.
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
API_UPDATE = "api.update"
RATE_PATTERN = r"^[1-9][0-9]*/[0-9]*[smhd]$"
_PERIOD_WORDS = {"s": "second", "m": "minute", "h": "hour", "d": "day"}


@dataclass(frozen=True)
class SearchRefused:
    """A search over the limit: how long until the user may search again."""

    retry_after: int
    rate: str
    noun: str = "search"

    @property
    def limit_words(self) -> str:
        return rate_words(self.rate, noun=self.noun)


def search_allowance_use(
    *, request: HttpRequest, group: str = WEB_SEARCH, rate: str | None = None
) -> SearchRefused | None:
    """Count one search by ``request.user``; ``None`` if it may go ahead.

    ``rate`` is the allowance (``count/period``); by default the setting for ``group``.
    Over the limit, the refusal is audited (committed on its own, like every denial)
    and the caller answers 429 with ``Retry-After``. A cache that cannot be reached
    raises: the request fails closed (503), never searching uncounted.
    """
    if rate is None:
        rate = settings.API_SEARCH_RATE_LIMIT if group == API_SEARCH else settings.SEARCH_RATE_LIMIT
    return _allowance_use(request, group, rate, "search", Action.SEARCH_RATE_LIMITED)


def api_update_allowance_use(*, request: HttpRequest, rate: str) -> SearchRefused | None:
    """Count one API update (an involvement or CAF report) by ``request.user`` against
    ``rate``, counted apart from its searches; as ``search_allowance_use`` otherwise."""
    return _allowance_use(request, API_UPDATE, rate, "update", Action.ACCESS_DENIED)


def _allowance_use(
    request: HttpRequest, group: str, rate: str, noun: str, action: str
) -> SearchRefused | None:
    usage = get_usage(request, group=group, key="user", rate=rate, increment=True)
    if usage is None or not usage["should_limit"]:
        return None
    # The count resets one second after the window's last whole second.
    refused = SearchRefused(retry_after=max(1, usage["time_left"] + 1), rate=rate, noun=noun)
    audit_denial_record(
        request=request,
        action=action,
        reason=f"too many {_plural(noun)}",
        details={"limit": rate, "retry_after": refused.retry_after},
    )
    return refused


def _plural(noun: str) -> str:
    return noun + ("es" if noun.endswith(("ch", "sh", "s")) else "s")


def rate_words(rate: str, *, noun: str = "search") -> str:
    """ "60/m" -> "60 searches a minute"; "100/5m" -> "100 searches in 5 minutes"."""
    count, multiple, unit = re.match(r"^(\d+)/(\d*)([smhd])$", rate).groups()
    noun = noun if count == "1" else _plural(noun)
    period = _PERIOD_WORDS[unit]
    if multiple and multiple != "1":
        return f"{count} {noun} in {multiple} {period}s"
    return f"{count} {noun} a{'n' if period == 'hour' else ''} {period}"


def seconds_words(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} second{'' if seconds == 1 else 's'}"
    minutes = -(-seconds // 60)
    return f"{minutes} minutes"
