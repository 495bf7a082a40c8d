"""Misuse reports: users whose activity stands out, each finding explained in plain words.

Rules are facts about the audit trail, never scores. Apps that know more (for
example which children share a user's surname) register their own rules here.
"""

import datetime
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Count
from django.utils import timezone

from audit.models import Action, AuditEvent

WORKING_HOURS = (7, 19)  # 07:00 to 19:00 local time, Monday to Friday
LOCAL = ZoneInfo("Europe/London")
MANY_VIEWS_MINIMUM = 20
MANY_VIEWS_FACTOR = 3
BROWSING_SEARCHES = 15


@dataclass(frozen=True)
class Finding:
    rule: str
    actor_id: int | None
    username: str
    explanation: str
    event_ids: tuple[int, ...]


@dataclass(frozen=True)
class Window:
    start: datetime.datetime
    end: datetime.datetime


Rule = Callable[[Window], Iterable[Finding]]
_RULES: dict[str, tuple[str, Rule]] = {}


def register_rule(name: str, description: str, rule: Rule) -> None:
    """Add a rule; ``description`` says in plain words what it looks for."""
    _RULES[name] = (description, rule)


def rule_descriptions() -> dict[str, str]:
    return {name: description for name, (description, _) in _RULES.items()}


def findings(days: int = 1, now: datetime.datetime | None = None) -> list[Finding]:
    end = now or timezone.now()
    window = Window(start=end - datetime.timedelta(days=days), end=end)
    found: list[Finding] = []
    for _, rule in _RULES.values():
        found.extend(rule(window))
    return sorted(found, key=lambda f: (f.username, f.rule))


def _in(window: Window):
    return AuditEvent.objects.filter(occurred_at__gte=window.start, occurred_at__lt=window.end)


def many_views(window: Window) -> Iterable[Finding]:
    views = _in(window).filter(action=Action.RECORD_VIEW, actor_id__isnull=False)
    counts = dict(
        views.values_list("actor_id").annotate(n=Count("id")).values_list("actor_id", "n")
    )
    if not counts:
        return []
    days = max((window.end - window.start).days, 1)
    history_start = window.start - datetime.timedelta(days=30)
    history = dict(
        AuditEvent.objects.filter(
            action=Action.RECORD_VIEW,
            actor_id__in=counts,
            occurred_at__gte=history_start,
            occurred_at__lt=window.start,
        )
        .values_list("actor_id")
        .annotate(n=Count("id"))
        .values_list("actor_id", "n")
    )
    roles = dict(views.values_list("actor_id", "actor_roles").distinct())
    by_role: dict[str, list[int]] = defaultdict(list)
    for actor, count in counts.items():
        by_role[roles.get(actor, "")].append(count)
    results = []
    for actor, count in counts.items():
        own_daily = history.get(actor, 0) / 30 * days
        role_norm = statistics.median(by_role[roles.get(actor, "")])
        threshold = max(MANY_VIEWS_MINIMUM, MANY_VIEWS_FACTOR * own_daily)
        if len(by_role[roles.get(actor, "")]) > 2:
            threshold = max(threshold, MANY_VIEWS_FACTOR * role_norm)
        if count > threshold:
            ids = tuple(views.filter(actor_id=actor).values_list("id", flat=True)[:200])
            username = views.filter(actor_id=actor).values_list("actor_username", flat=True)[0]
            results.append(
                Finding(
                    "many_views",
                    actor,
                    username,
                    f"Opened {count} records, more than {int(threshold)}: three times their own "
                    f"usual number ({own_daily:.1f} over 30 days) and the usual number for their "
                    f"role ({role_norm:.0f}), and never fewer than {MANY_VIEWS_MINIMUM}.",
                    ids,
                )
            )
    return results


def out_of_hours(window: Window) -> Iterable[Finding]:
    events = (
        _in(window)
        .filter(action__in=[Action.SEARCH, Action.RECORD_VIEW], actor_id__isnull=False)
        .values_list("id", "actor_id", "actor_username", "occurred_at")
    )
    flagged: dict[int, list[int]] = defaultdict(list)
    names: dict[int, str] = {}
    for event_id, actor, username, when in events:
        local = when.astimezone(LOCAL)
        if local.weekday() >= 5 or not (WORKING_HOURS[0] <= local.hour < WORKING_HOURS[1]):
            flagged[actor].append(event_id)
            names[actor] = username
    return [
        Finding(
            "out_of_hours",
            actor,
            names[actor],
            f"{len(ids)} searches or record views outside working hours (before "
            f"{WORKING_HOURS[0]:02d}:00, after {WORKING_HOURS[1]:02d}:00, or at the weekend).",
            tuple(ids),
        )
        for actor, ids in flagged.items()
    ]


def browsing(window: Window) -> Iterable[Finding]:
    events = (
        _in(window)
        .filter(action__in=[Action.SEARCH, Action.RECORD_VIEW], actor_id__isnull=False)
        .values_list("id", "actor_id", "actor_username", "action")
    )
    searches: dict[int, list[int]] = defaultdict(list)
    views: Counter[int] = Counter()
    names: dict[int, str] = {}
    for event_id, actor, username, action in events:
        names[actor] = username
        if action == Action.SEARCH:
            searches[actor].append(event_id)
        else:
            views[actor] += 1
    return [
        Finding(
            "browsing",
            actor,
            names[actor],
            f"{len(ids)} searches without opening a single record: looking around rather "
            f"than looking for a child they work with.",
            tuple(ids),
        )
        for actor, ids in searches.items()
        if len(ids) >= BROWSING_SEARCHES and views[actor] == 0
    ]


def break_glass(window: Window) -> Iterable[Finding]:
    events = _in(window).filter(action=Action.BREAK_GLASS)
    by_actor: dict[int, list[int]] = defaultdict(list)
    names: dict[int, str] = {}
    for event_id, actor, username in events.values_list("id", "actor_id", "actor_username"):
        by_actor[actor].append(event_id)
        names[actor] = username
    return [
        Finding(
            "break_glass",
            actor,
            names[actor],
            f"Broke the glass on a shielded record {len(ids)} time(s): every use is reviewed.",
            tuple(ids),
        )
        for actor, ids in by_actor.items()
    ]


register_rule(
    "many_views",
    "Many more record views than the user's own usual number and their role's usual number.",
    many_views,
)
register_rule(
    "out_of_hours",
    "Searches or record views outside 07:00-19:00 on weekdays.",
    out_of_hours,
)
register_rule("browsing", "Many searches and no record opened (browsing the index).", browsing)
register_rule("break_glass", "Any use of the child-protection override.", break_glass)
