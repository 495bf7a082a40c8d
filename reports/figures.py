"""Management information: numbers only, never names, and no figure that points to a child.

Every figure is computed here from the database; the dashboard and its CSV show the
same tables. The index team sees exact figures. Everyone else gets counts of children
under statistical disclosure control (``disclosure_control``), in the way NHS Digital
publishes: shielded children are not counted at all; every count from 0 to 4 is hidden
(primary suppression); in every row and every column with a hidden cell, the smallest
other counts are hidden too until at least two are hidden and they add up to 5 or more
(secondary suppression), so no total minus the visible cells recovers a hidden one; and
every count still shown is rounded to the nearest 5, so subtracting one query's figures
from another's (a district from the whole borough) recovers nothing exact either.
Involvements with sensitive services (sexual health, mental health, substance misuse)
are counted only for users who may see sensitive services (records.access).
"""

import datetime
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth

from accounts.models import AccountStatus, User, Vetting
from audit.models import Action, AuditEvent
from caf.models import CafVersion, LeadProfessional
from involvements.models import SENSITIVE_SERVICE_TYPES, Involvement, ServiceType
from lookups.models import MediatedLookup, Status
from records.models import Address, AddressStatus, Child

SUPPRESS_BELOW = 5
ROUND_TO = 5
# What a hidden count shows, as the Government Statistical Service's symbols have it
# ("[c]", confidential): the same for a small count and for one hidden to protect it,
# so nobody can tell which is which.
HIDDEN = "[c]"
AGE_BANDS = [
    (0, 4, "0 to 4"),
    (5, 10, "5 to 10"),
    (11, 15, "11 to 15"),
    (16, 17, "16 to 17"),
    (18, 25, "18 to 25"),
]


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list[object]]
    about_children: bool = True
    # Whether the counts of a column (and of a row) are parts of one whole, whose total
    # someone might know: secondary suppression protects them. False only for a table of
    # separate measures (Coordination), where no total exists to subtract from.
    parts_of_a_whole: bool = True


def _age(born: datetime.date, today: datetime.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


Cell = tuple[int, int]


def _hidden_cells(counts: dict[Cell, int], *, parts_of_a_whole: bool = True) -> set[Cell]:
    """The cells to hide: every count below SUPPRESS_BELOW (0 included), then, in each row
    and column of two or more counts, the smallest visible ones until the hidden cells of
    that row or column are at least two and add up to at least SUPPRESS_BELOW. Someone who
    knows a row's or column's exact total can then only tell that its hidden cells add up
    to 5 or more: each could still be anything from 0 to 4."""
    hidden = {cell for cell, value in counts.items() if value < SUPPRESS_BELOW}
    if not parts_of_a_whole:
        return hidden
    lines: dict[tuple[str, int], list[Cell]] = {}
    for row, column in sorted(counts):
        lines.setdefault(("row", row), []).append((row, column))
        lines.setdefault(("column", column), []).append((row, column))
    groups = [cells for cells in lines.values() if len(cells) > 1]
    changed = True
    while changed:
        changed = False
        for cells in groups:
            while True:
                hid = [cell for cell in cells if cell in hidden]
                visible = [cell for cell in cells if cell not in hidden]
                protected = len(hid) >= 2 and sum(counts[c] for c in hid) >= SUPPRESS_BELOW
                if not hid or protected or not visible:
                    break
                hidden.add(min(visible, key=lambda cell: (counts[cell], cell)))
                changed = True
    return hidden


def _rounded(value: int) -> int:
    """To the nearest ROUND_TO, halves up (7 -> 5, 8 -> 10)."""
    return (value + ROUND_TO // 2) // ROUND_TO * ROUND_TO


def disclosure_control(tables: list[Table]) -> list[Table]:
    """Hide and round the counts of children in each table (see the module's docstring);
    tables not about children (lookups, users, activity) are left as they are."""
    for table in tables:
        if not table.about_children:
            continue
        counts = {
            (r, c): value
            for r, row in enumerate(table.rows)
            for c, value in enumerate(row)
            if c and isinstance(value, int)
        }
        hidden = _hidden_cells(counts, parts_of_a_whole=table.parts_of_a_whole)
        for (r, c), value in counts.items():
            table.rows[r][c] = HIDDEN if (r, c) in hidden else _rounded(value)
    return tables


def figures(
    *,
    date_from: datetime.date,
    date_to: datetime.date,
    district: str = "",
    full_detail: bool = False,
    sensitive_services: bool = False,
    today: datetime.date | None = None,
) -> list[Table]:
    """The tables. ``full_detail`` (the index team): exact, shielded children and sensitive
    services included. Otherwise under disclosure control, with involvements of sensitive
    services counted only when ``sensitive_services`` (records.access.may_see_sensitive_details).
    """
    today = today or datetime.date.today()
    live = Child.objects.filter(merged_into__isnull=True, archived_on__isnull=True)
    if not full_detail:
        live = live.filter(is_shielded=False)
    if district:
        live = live.filter(
            addresses__postcode_district=district,
            addresses__status__in=[AddressStatus.CURRENT, AddressStatus.LAST_KNOWN],
        )
    children = list(live.values_list("pk", "date_of_birth"))
    ids = [pk for pk, _ in children]

    bands = Counter()
    for _, born in children:
        age = _age(born, today)
        for low, high, label in AGE_BANDS:
            if low <= age <= high:
                bands[label] += 1
    by_area = (
        Address.objects.filter(
            child_id__in=ids, status__in=[AddressStatus.CURRENT, AddressStatus.LAST_KNOWN]
        )
        .values("postcode_district")
        .annotate(n=Count("child", distinct=True))
        .order_by("postcode_district")
    )
    current = Involvement.objects.current(today).filter(child_id__in=ids)
    if not (full_detail or sensitive_services):
        current = current.filter(is_sensitive=False).exclude(
            service__service_type__in=SENSITIVE_SERVICE_TYPES
        )
    by_type = dict(current.values_list("service__service_type").annotate(n=Count("id")))
    agencies = dict(
        current.values_list("child_id").annotate(n=Count("service__organisation", distinct=True))
    )
    many = {child for child, n in agencies.items() if n > 2}
    with_lead = set(
        LeadProfessional.objects.filter(child_id__in=many, ended_on__isnull=True).values_list(
            "child_id", flat=True
        )
    )
    types_by_child: dict[int, set[str]] = {}
    for child_id, kind in current.values_list("child_id", "service__service_type"):
        types_by_child.setdefault(child_id, set()).add(kind)
    school_age = [pk for pk, born in children if 5 <= _age(born, today) <= 16]
    no_school = sum(
        1 for pk in school_age if ServiceType.SCHOOL not in types_by_child.get(pk, set())
    )
    no_gp = sum(1 for pk in ids if ServiceType.GP not in types_by_child.get(pk, set()))

    in_range = Q(recorded_at__date__gte=date_from, recorded_at__date__lte=date_to)
    caf_months = (
        CafVersion.objects.filter(in_range, child_id__in=ids)
        .annotate(month=TruncMonth("recorded_at"))
        .values_list("month", "status")
        .annotate(n=Count("id"))
        .order_by("month")
    )
    caf_rows: dict[str, dict[str, int]] = {}
    for month, status, n in caf_months:
        caf_rows.setdefault(f"{month:%Y-%m}", {})[status] = n

    lookups = (
        MediatedLookup.objects.filter(
            created_at__date__gte=date_from, created_at__date__lte=date_to
        )
        .annotate(month=TruncMonth("created_at"))
        .values_list("month", "outcome")
        .annotate(n=Count("id"))
        .order_by("month")
    )
    closed = MediatedLookup.objects.filter(
        status=Status.CLOSED, created_at__date__gte=date_from, created_at__date__lte=date_to
    )
    turnaround = [lookup.time_to_outcome.total_seconds() / 3600 for lookup in closed]

    soon = today + datetime.timedelta(days=30)
    expiring = [
        v
        for v in Vetting.objects.filter(user__status=AccountStatus.ACTIVE)
        if (due := v.earliest_expiry()) and today < due <= soon
    ]
    activity = (
        AuditEvent.objects.filter(
            action__in=[Action.SEARCH, Action.RECORD_VIEW],
            occurred_at__date__gte=date_from,
            occurred_at__date__lte=date_to,
        )
        .annotate(month=TruncMonth("occurred_at"))
        .values_list("month", "action")
        .annotate(n=Count("id"))
        .order_by("month")
    )
    activity_rows: dict[str, dict[str, int]] = {}
    for month, action, n in activity:
        activity_rows.setdefault(f"{month:%Y-%m}", {})[action] = n

    tables = [
        Table(
            "Children on the index by age",
            ["Age", "Children"],
            [[label, bands[label]] for *_, label in AGE_BANDS],
        ),
        Table(
            "Children by postcode district",
            ["District", "Children"],
            [[r["postcode_district"] or "No known address", r["n"]] for r in by_area],
        ),
        Table(
            "Current involvements by type of service",
            ["Service type", "Involvements"],
            [[ServiceType(k).label, v] for k, v in sorted(by_type.items())],
        ),
        Table(
            "Coordination",
            ["Measure", "Children"],
            [
                ["More than two agencies involved", len(many)],
                ["... of whom with a lead professional", len(with_lead)],
                ["Compulsory school age with no school recorded", no_school],
                ["No GP recorded", no_gp],
            ],
            parts_of_a_whole=False,
        ),
        Table(
            "CAF versions recorded by month",
            ["Month", "In progress", "Completed", "Closed"],
            [
                [month, v.get("in_progress", 0), v.get("completed", 0), v.get("closed", 0)]
                for month, v in caf_rows.items()
            ],
        ),
        Table(
            "Mediated lookups by month and outcome",
            ["Month", "Outcome", "Lookups"],
            [[f"{month:%Y-%m}", outcome or "open", n] for month, outcome, n in lookups],
            about_children=False,
        ),
        Table(
            "Mediated lookup turnaround",
            ["Measure", "Hours"],
            [
                [
                    "Average time to outcome",
                    round(sum(turnaround) / len(turnaround), 1) if turnaround else 0,
                ]
            ],
            about_children=False,
        ),
        Table(
            "Users",
            ["Measure", "Users"],
            [
                *[
                    [AccountStatus(s).label, n]
                    for s, n in User.objects.values_list("status")
                    .annotate(n=Count("id"))
                    .order_by("status")
                ],
                ["Vetting expiring in the next 30 days", len(expiring)],
            ],
            about_children=False,
        ),
        Table(
            "Searches and record views by month",
            ["Month", "Searches", "Record views"],
            [
                [month, v.get(Action.SEARCH, 0), v.get(Action.RECORD_VIEW, 0)]
                for month, v in activity_rows.items()
            ],
            about_children=False,
        ),
    ]
    return tables if full_detail else disclosure_control(tables)
