"""Management information: each figure against a hand-built borough; small numbers suppressed."""

import datetime

import pytest
from django.urls import reverse

from accounts.models import add_years
from accounts.roles import Role
from involvements.models import ServiceType
from reports.figures import figures
from tests.factories import make_child, make_involvement, make_service, make_user, signed_in_client

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


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


def test_outside_the_index_team_small_numbers_are_suppressed_and_shielded_children_not_counted(
    borough,
):
    tables = figures(date_from=TODAY - datetime.timedelta(days=30), date_to=TODAY)
    areas = table(tables, "Children by postcode district")
    assert areas["SE6"] == [6]
    assert areas["SE4"] == ["fewer than 5"]
    ages = table(tables, "Children on the index by age")
    assert ages["5 to 10"] == [6]  # the shielded child is left out
    assert ages["0 to 4"] == ["fewer than 5"]


def test_the_dashboard_is_for_administrators_and_the_index_team_and_downloads_safely(borough):
    assert signed_in_client(make_user()).get(reverse("reports:dashboard")).status_code == 403
    admin = signed_in_client(make_user(roles=(Role.ORG_ADMIN,)))
    page = admin.get(reverse("reports:dashboard")).content.decode()
    assert "Children by postcode district" in page and "fewer than 5" in page
    assert "Seven" not in page
    csv_body = admin.get(reverse("reports:dashboard"), {"format": "csv"}).content.decode()
    assert "Children on the index by age" in csv_body
    filtered = admin.get(reverse("reports:dashboard"), {"district": "se6"}).content.decode()
    assert "SE13" not in filtered
