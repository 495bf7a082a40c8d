"""Management information: each figure against a hand-built borough; small numbers suppressed."""

import datetime
import math

import pytest
from django.urls import reverse

import reports.figures as reports_figures
from accounts.models import add_years
from accounts.roles import Role
from caf.services import caf_record
from involvements.models import ServiceType
from reports.figures import SUPPRESS_BELOW, figures
from tests.factories import make_child, make_involvement, make_service, make_user, signed_in_client

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()
HIDDEN = "[c]"


def table(tables, title):
    return {row[0]: row[1:] for row in next(t for t in tables if t.title == title).rows}


@pytest.fixture
def borough():
    school = make_service(ServiceType.SCHOOL)
    gp = make_service(ServiceType.GP)
    for n in range(6):
        child = make_child(f"Kid{n}", "Seven", add_years(TODAY, -7), postcode="SE6 4RU")
        make_involvement(child, school)
        if n < 4:
            make_involvement(child, gp)
    baby = make_child("Baby", "One", add_years(TODAY, -1), postcode="SE4 1NX")
    make_involvement(baby, gp)
    hidden = make_child("Hid", "Den", add_years(TODAY, -7), postcode="SE4 1NX", shielded=True)
    many = make_child("Many", "Agencies", add_years(TODAY, -12), postcode="SE13 5AB")
    for kind in (ServiceType.SCHOOL, ServiceType.GP, ServiceType.SOCIAL_CARE):
        make_involvement(many, make_service(kind))
    return hidden


def test_the_index_team_sees_exact_figures(borough):
    tables = figures(date_from=TODAY - datetime.timedelta(days=30), date_to=TODAY, full_detail=True)
    ages = table(tables, "Children on the index by age")
    assert ages["0 to 4"] == [1] and ages["5 to 10"] == [7] and ages["11 to 15"] == [1]
    areas = table(tables, "Children by postcode district")
    assert areas["SE6"] == [6] and areas["SE4"] == [2]
    coordination = table(tables, "Coordination")
    assert coordination["More than two agencies involved"] == [1]
    assert coordination["... of whom with a lead professional"] == [0]
    assert coordination["Compulsory school age with no school recorded"] == [
        1
    ]  # the shielded child
    assert coordination["No GP recorded"] == [3]


def test_outside_the_index_team_small_numbers_are_hidden_and_shielded_children_not_counted(
    borough,
):
    tables = figures(date_from=TODAY - datetime.timedelta(days=30), date_to=TODAY)
    areas = table(tables, "Children by postcode district")
    # SE13 and SE4 hold one child each: hidden, and so SE6 too, or the total would betray them.
    assert areas == {"SE6": [HIDDEN], "SE4": [HIDDEN], "SE13": [HIDDEN]}
    ages = table(tables, "Children on the index by age")
    assert set(map(tuple, ages.values())) == {(HIDDEN,)}


def test_the_dashboard_is_for_administrators_and_the_index_team_and_downloads_safely(borough):
    assert signed_in_client(make_user()).get(reverse("reports:dashboard")).status_code == 403
    admin = signed_in_client(make_user(roles=(Role.ORG_ADMIN,)))
    page = admin.get(reverse("reports:dashboard")).content.decode()
    assert "Children by postcode district" in page and "[c]" in page
    assert "rounded to the nearest 5" in page
    assert "Seven" not in page
    csv_body = admin.get(reverse("reports:dashboard"), {"format": "csv"}).content.decode()
    assert "Children on the index by age" in csv_body and "[c]" in csv_body
    filtered = admin.get(reverse("reports:dashboard"), {"district": "se6"}).content.decode()
    assert "SE13" not in filtered


# A borough big enough for some figures to be shown: every child has exactly one address,
# so the districts add up to the borough exactly (the strongest position for an attacker).
# No child is shielded and no involvement sensitive, so the index team's exact figures are
# the true values behind what everyone else sees.
BOROUGH = [
    # (district, age, how many, with a school, with a GP, CAF versions)
    ("SE6", 7, 23, True, True, 0),
    ("SE6", 1, 1, False, True, 0),
    ("SE4", 1, 2, False, True, 0),
    ("SE4", 12, 3, True, False, 1),
    ("SE13", 12, 9, True, True, 0),
    ("SE8", 16, 14, False, True, 2),
]


@pytest.fixture
def open_borough():
    school, gp = make_service(ServiceType.SCHOOL), make_service(ServiceType.GP)
    social = make_service(ServiceType.SOCIAL_CARE)
    holder = make_user(roles=(Role.PRACTITIONER,))
    for district, age, count, at_school, registered, cafs in BOROUGH:
        for n in range(count):
            child = make_child(
                f"Kid{n}", f"Of{district}{age}", add_years(TODAY, -age), postcode=f"{district} 1AA"
            )
            if at_school:
                make_involvement(child, school)
            if registered:
                make_involvement(child, gp)
            if cafs:
                involvement = make_involvement(child, social)
            for version in range(cafs):
                caf_record(
                    request=None,
                    actor=holder,
                    child=child,
                    holder=involvement,
                    status="in_progress" if version == 0 else "completed",
                    started_on=TODAY,
                    completed_on=TODAY if version else None,
                )


# Tables of separate measures, not parts of a whole: no total exists to subtract from. A
# new one must be added here, on purpose, or the attack below treats it as parts of a whole.
SEPARATE_MEASURES = {"Coordination"}


def _lines(tables_shown, tables_true):
    """Every row and every column of two or more counts of children, as (shown, true) pairs."""
    for shown, true in zip(tables_shown, tables_true, strict=True):
        assert shown.title == true.title
        if not true.about_children:
            continue
        if getattr(true, "parts_of_a_whole", True) is False:
            assert true.title in SEPARATE_MEASURES
            continue
        cells = {
            (r, c): (shown.rows[r][c], value)
            for r, row in enumerate(true.rows)
            for c, value in enumerate(row)
            if c and isinstance(value, int)
        }
        rows = {r for r, _ in cells}
        columns = {c for _, c in cells}
        for line in [[k for k in cells if k[0] == r] for r in rows] + [
            [k for k in cells if k[1] == c] for c in columns
        ]:
            if len(line) > 1:
                yield shown.title, [cells[k] for k in line]


def _slack() -> int:
    """How far a shown count may be from the truth, by the published method (rounding)."""
    return getattr(reports_figures, "ROUND_TO", 1) // 2


def _interval_of_hidden(total: int, others: list[object]) -> tuple[float, float]:
    """What an attacker who knows the exact total learns of one hidden cell from the others."""
    slack = _slack()
    shown = [value for value in others if isinstance(value, int)]
    any_other_hidden = len(shown) < len(others)
    low = -math.inf if any_other_hidden else total - sum(v + slack for v in shown)
    high = total - sum(max(0, v - slack) for v in shown)
    return max(0, low), high


@pytest.mark.parametrize("district", ["", "SE6", "SE4", "SE8"])
def test_no_total_minus_the_visible_cells_recovers_a_hidden_count(open_borough, district):
    dates = {"date_from": TODAY - datetime.timedelta(days=30), "date_to": TODAY}
    truth = figures(**dates, district=district, full_detail=True)
    shown = figures(**dates, district=district)
    attacked = 0
    for title, line in _lines(shown, truth):
        total = sum(true for _, true in line)
        for index, (value, true) in enumerate(line):
            if isinstance(value, int):
                assert value >= SUPPRESS_BELOW, (title, line)  # no small count, not even 0
                continue
            others = [v for i, (v, _) in enumerate(line) if i != index]
            low, high = _interval_of_hidden(total, others)
            attacked += 1
            assert low <= true <= high
            # The attacker cannot even tell 0 from 4 (unless the total itself is below 4).
            floor = min(total, SUPPRESS_BELOW - 1)
            assert low == 0 and high >= floor, (title, line, true, low, high)
    assert attacked  # the borough is built so that there is something to attack


@pytest.mark.parametrize("district", ["", "SE6", "SE4", "SE8"])
def test_no_count_of_children_below_5_is_shown_not_even_0_and_the_rest_are_rounded(
    open_borough, district
):
    shown = figures(date_from=TODAY - datetime.timedelta(days=30), date_to=TODAY, district=district)
    numbers = [
        value
        for table in shown
        if table.about_children
        for row in table.rows
        for value in row[1:]
        if isinstance(value, int)
    ]
    assert numbers  # something is shown
    assert all(value >= SUPPRESS_BELOW and value % 5 == 0 for value in numbers), numbers


def test_subtracting_one_districts_figures_from_the_boroughs_recovers_no_hidden_count(
    open_borough,
):
    dates = {"date_from": TODAY - datetime.timedelta(days=30), "date_to": TODAY}
    districts = sorted({district for district, *_ in BOROUGH})
    borough = {t.title: t for t in figures(**dates)}
    each = {d: {t.title: t for t in figures(**dates, district=d)} for d in districts}
    truth = {
        d: {t.title: t for t in figures(**dates, district=d, full_detail=True)} for d in districts
    }
    slack = _slack()
    attacked = 0
    for title in ("Children on the index by age", "Current involvements by type of service"):
        whole = {row[0]: row[1] for row in borough[title].rows}
        for target in districts:
            for label, value in ((row[0], row[1]) for row in each[target][title].rows):
                others = [
                    {row[0]: row[1] for row in each[d][title].rows}.get(label, 0)
                    for d in districts
                    if d != target
                ]
                if isinstance(value, int) or not isinstance(whole.get(label), int):
                    continue
                if not all(isinstance(v, int) for v in others):
                    continue
                attacked += 1
                low = whole[label] - slack - sum(v + slack for v in others)
                high = whole[label] + slack - sum(max(0, v - slack) for v in others)
                true = {row[0]: row[1] for row in truth[target][title].rows}[label]
                assert max(0, low) <= true <= high
                assert high - max(0, low) >= SUPPRESS_BELOW - 1, (title, target, label, low, high)
    assert attacked


@pytest.fixture
def sensitive_borough():
    clinic = make_service(ServiceType.SEXUAL_HEALTH, name="Riverside Sexual Health Clinic")
    school = make_service(ServiceType.SCHOOL)
    for n in range(12):
        child = make_child(f"Teen{n}", "Sample", add_years(TODAY, -15), postcode="SE4 1NX")
        make_involvement(child, school)
        make_involvement(child, clinic)


def test_sensitive_service_figures_go_only_to_those_who_may_see_sensitive_services(
    sensitive_borough,
):
    url = reverse("reports:dashboard")
    plain_admin = signed_in_client(make_user(roles=(Role.ORG_ADMIN,)))
    for response in (
        plain_admin.get(url, {"district": "SE4"}),
        plain_admin.get(url, {"district": "SE4", "format": "csv"}),
        plain_admin.get(url),
    ):
        body = response.content.decode()
        assert "Current involvements by type of service" in body
        assert "Sexual health" not in body and "Riverside" not in body
    page = plain_admin.get(url).content.decode()
    assert "sexual health, mental health and substance misuse services are not counted" in page

    sensitive_admin = signed_in_client(make_user(roles=(Role.ORG_ADMIN, Role.SENSITIVE_SERVICES)))
    body = sensitive_admin.get(url, {"district": "SE4", "format": "csv"}).content.decode()
    assert "Sexual health,10" in body  # 12, rounded to the nearest 5
    tables = figures(date_from=TODAY, date_to=TODAY, sensitive_services=True)
    assert table(tables, "Current involvements by type of service")["Sexual health"] == [10]
    assert "Sexual health" not in str(figures(date_from=TODAY, date_to=TODAY))


@pytest.mark.parametrize(
    ("counts", "hidden"),
    [
        # One small cell: the next smallest goes too.
        ({(0, 1): 3, (1, 1): 40, (2, 1): 12}, {(0, 1), (2, 1)}),
        # Two zeros add up to nothing: a third cell is hidden so the hidden part is 5 or more.
        ({(0, 1): 0, (1, 1): 0, (2, 1): 9, (3, 1): 30}, {(0, 1), (1, 1), (2, 1)}),
        # Nothing small: nothing hidden.
        ({(0, 1): 5, (1, 1): 7}, set()),
        # A table of months by status: hiding in a column spreads along its rows too.
        (
            {(0, 1): 2, (0, 2): 20, (1, 1): 30, (1, 2): 25},
            {(0, 1), (0, 2), (1, 1), (1, 2)},
        ),
    ],
)
def test_secondary_suppression_hides_enough_in_every_row_and_column(counts, hidden):
    assert reports_figures._hidden_cells(counts) == hidden
