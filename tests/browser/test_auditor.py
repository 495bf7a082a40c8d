"""On the demo borough: an auditor finds who viewed Carol's record last week and exports it.

The demo's audit history (seed_demo) holds views of Carol 20, 6 and 4 days ago; the
auditor's own searches and today's events must not be in last week's export.
"""

import csv
import datetime
import io

import pytest
from playwright.sync_api import Page, expect

from audit.models import Action, AuditEvent
from records.models import Child
from tests.browser.journey import check_page, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def fill_date(page: Page, legend: str, day: datetime.date) -> None:
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def test_an_auditor_finds_who_viewed_a_child_last_week_and_exports_it(
    live_server, page: Page, demo_borough, shots
):
    carol = Child.objects.get(given_name="Carol", family_name="Whitfield")
    today = datetime.date.today()
    week_start, week_end = today - datetime.timedelta(days=7), today - datetime.timedelta(days=1)

    sign_in(page, live_server.url, "auditor")
    page.get_by_role("link", name="Audit").click()
    check_page(page)
    page.get_by_role("button", name="Find events").click()  # nothing chosen: every event
    check_page(page)
    page.get_by_role("link", name="Find a child to review").click()
    check_page(page)
    page.get_by_label("Given name").fill("Carol")
    page.get_by_label("Family name").fill("Whitfield")
    page.get_by_label("Day").fill(str(carol.date_of_birth.day))
    page.get_by_label("Month").fill(str(carol.date_of_birth.month))
    page.get_by_label("Year").fill(str(carol.date_of_birth.year))
    page.get_by_role("button", name="Search").click()
    check_page(page)
    shots.take(page, "find a child to review")
    page.get_by_test_id("results").get_by_role("link", name="Carol Whitfield").click()

    expect(page.get_by_role("heading", name="Who has accessed this child")).to_be_visible()
    views = page.get_by_test_id("views")
    for username in ("senco", "mentor", "override"):
        expect(views.get_by_role("link", name=username)).to_be_visible()
    check_page(page)
    shots.take(page, "who has accessed Carol")

    page.get_by_role("link", name="Find this child's events by date or action").click()
    expect(page.get_by_label("Child reference")).to_have_value(str(carol.public_id))
    fill_date(page, "From", week_start + datetime.timedelta(days=40))
    fill_date(page, "To", week_end)
    page.get_by_role("button", name="Find events").click()
    expect(page).to_have_title("Error: Audit events – Child Index")
    check_page(page)
    shots.take(page, "audit events, with errors")

    fill_date(page, "From", week_start)
    page.get_by_label("Action").select_option(label="Viewed a child's record")
    page.get_by_role("button", name="Find events").click()
    events = page.get_by_test_id("events")
    expect(events.locator("tbody tr")).to_have_count(2)
    expect(events).to_contain_text("mentor")
    expect(events).to_contain_text("override")
    expect(events).not_to_contain_text("senco")
    check_page(page)
    shots.take(page, "last week's views of Carol")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download these events (CSV)").click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text())))
    assert sorted(row["actor_username"] for row in rows) == ["mentor", "override"]
    assert {row["action"] for row in rows} == {Action.RECORD_VIEW}
    assert {row["object_id"] for row in rows} == {str(carol.public_id)}
    exported = AuditEvent.objects.filter(action=Action.EXPORT, actor_username="auditor").get()
    assert exported.details["criteria"]["child"] == str(carol.public_id)
    assert exported.details["criteria"]["date_from"] == week_start.isoformat()
