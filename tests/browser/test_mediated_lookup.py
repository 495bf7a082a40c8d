"""The seed's adult mental-health worker case: who else works with a one-year-old?"""

import datetime

import pytest
from playwright.sync_api import Page, expect

from accounts.roles import Role
from involvements.models import ServiceType
from lookups.models import Disclosure
from tests.browser.test_find_a_child import assert_no_axe_violations, current_code
from tests.factories import PASSWORD, make_child, make_involvement, make_service, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_index_team_answers_a_caller_and_records_exactly_what_was_shared(
    live_server, page: Page
):
    officer = make_user("officer", roles=(Role.PRACTITIONER, Role.INDEX_TEAM))
    born = datetime.date.today() - datetime.timedelta(days=400)
    baby = make_child("Alfie", "Brennan", born)
    make_involvement(
        baby,
        make_service(ServiceType.HEALTH_VISITING, name="Health Visiting Team"),
        practitioner_name="Hana Visitor",
        phone="07700 900100",
        role="Health visitor",
    )
    make_involvement(
        baby,
        make_service(ServiceType.VOLUNTARY, name="Little Acorns Nursery"),
        practitioner_name="Nia Nursery",
        phone="07700 900200",
        role="Key worker",
    )

    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("Username").fill("officer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Code from your authenticator app").fill(current_code(officer))
    page.get_by_role("button", name="Continue").click()

    page.get_by_role("link", name="Lookups").click()
    page.get_by_role("link", name="Open a lookup for a caller").click()
    assert_no_axe_violations(page)
    page.get_by_label("Caller's name").fill("Jo Adult")
    page.get_by_label("Caller's role").fill("Adult mental-health worker")
    page.get_by_label("Caller's organisation").fill("Adult Mental Health Trust")
    page.get_by_label("Caller's phone").fill("020 7946 0999")
    page.get_by_label("Called back on a known switchboard number").check()
    page.get_by_label("Why does the caller need to know?").fill(
        "Her client has a one-year-old; she needs to know who else supports the family"
    )
    page.get_by_label("Which child are they asking about?").fill("Alfie Brennan, about one")
    page.get_by_label("Consent obtained from the child or family").check()
    page.get_by_label("Consent: who gave it and when").fill("Mother agreed on the phone today")
    page.get_by_label("Routine").check()
    page.get_by_role("button", name="Open lookup and search").click()

    expect(page.get_by_test_id("acting-for")).to_contain_text("Jo Adult")
    page.get_by_label("Family name").fill("Brennan")
    page.get_by_label("Year").fill(str(born.year))
    page.get_by_role("button", name="Search").click()
    page.get_by_test_id("results").get_by_role("link", name="Alfie Brennan").click()
    page.get_by_label("Coordinating support with other practitioners").check()
    page.get_by_role("button", name="Open the record").click()
    expect(page.get_by_test_id("current-involvements")).to_contain_text("Hana Visitor")

    page.get_by_role("link", name="Record the outcome").click()
    page.get_by_role("link", name="Alfie Brennan").click()
    page.get_by_label("Contacts disclosed to the caller").check()
    page.get_by_label("Health Visiting Team: Hana Visitor").check()
    page.get_by_label("Little Acorns Nursery: Nia Nursery").check()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Close the lookup").click()

    expect(page.get_by_role("heading", name="Mediated lookup summary")).to_be_visible()
    expect(page.get_by_test_id("disclosures")).to_contain_text("07700 900100")
    expect(page.get_by_test_id("disclosures")).to_contain_text("07700 900200")
    assert_no_axe_violations(page)
    assert Disclosure.objects.count() == 2
