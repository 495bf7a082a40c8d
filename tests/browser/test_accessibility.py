"""Keyboard-only use of the search and the record page, error and empty states, printing.

Every page reached is checked by ``check_page`` (axe at WCAG 2.2 AA, title, one h1,
landmarks, error-summary links).
"""

import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.browser.journey import check_page, open_record, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

BAD_PAGE = """<!DOCTYPE html><html><head><title>Broken</title></head>
<body><img src="x.png"><input type="text"><h1>One</h1><h1>Two</h1></body></html>"""


def test_the_checks_fail_on_a_page_with_accessibility_faults(page: Page):
    page.set_content(BAD_PAGE)
    with pytest.raises(AssertionError) as failure:
        check_page(page)
    assert "image-alt" in str(failure.value) and "label" in str(failure.value)


def focused(page: Page) -> dict:
    return page.evaluate(
        """() => { const el = document.activeElement; const box = el.getBoundingClientRect();
        return {id: el.id, tag: el.tagName, text: (el.innerText || el.value || "").trim(),
                href: el.getAttribute("href") || "", top: box.top, left: box.left}; }"""
    )


def tab_until(page: Page, matches, limit: int = 60) -> dict:
    """Press Tab until the focused element matches; fail if it never does."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        element = focused(page)
        if matches(element):
            return element
    raise AssertionError(f"never reached by Tab (last: {element})")


def test_the_search_and_the_record_page_work_with_the_keyboard_alone(
    live_server, page: Page, demo_borough, shots
):
    sign_in(page, live_server.url, "senco")
    page.goto(f"{live_server.url}/")

    # The first Tab reaches the skip link, which moves focus to the main content.
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "Skip to main content"
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main-content"

    # Focus follows the visual order of the search form.
    order = []
    while True:
        page.keyboard.press("Tab")
        element = focused(page)
        order.append(element)
        if element["text"] == "Search" or len(order) > 20:
            break
    fields = [element["id"] or element["text"] for element in order if element["tag"] != "A"]
    assert fields == [
        "id_given_name",
        "id_family_name",
        "id_dob_day",
        "id_dob_month",
        "id_dob_year",
        "Search by age range or postcode",
        "Search",
    ]
    positions = [(round(e["top"]), e["left"]) for e in order if e["tag"] != "A"]
    rows = [top for top, _ in positions]
    assert rows == sorted(rows), "focus jumps up the page"

    # A failed search puts focus on the error summary; its link takes focus to the field.
    page.keyboard.press("Enter")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(page).to_have_title("Error: Find a child – Child Index")
    check_page(page)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#id_family_name")).to_be_focused()

    page.keyboard.type("Whitfeild")
    page.keyboard.press("Shift+Tab")
    expect(page.locator("#id_given_name")).to_be_focused()
    page.keyboard.type("Carol")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("results")).to_be_visible()

    tab_until(page, lambda e: e["text"] == "Carol Whitfield")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Why do you need to see this record?")).to_be_visible()
    tab_until(page, lambda e: e["id"] == "id_reason_0")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Coordinating support with other practitioners")).to_be_checked()
    tab_until(page, lambda e: e["text"] == "Open the record")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Carol Whitfield", level=1)).to_be_visible()

    # Every contact on the record page can be reached; the way back keeps the search.
    tab_until(page, lambda e: e["href"].startswith("tel:"))
    tab_until(page, lambda e: e["href"].startswith("mailto:"))
    page.goto(page.url)  # start again from the top of the record page
    tab_until(page, lambda e: e["text"] == "Back to your search")
    page.keyboard.press("Enter")
    expect(page.get_by_label("Given name")).to_have_value("Carol")
    expect(page.get_by_label("Family name")).to_have_value("Whitfeild")
    check_page(page)
    shots.take(page, "back to the search, criteria kept")


def test_error_and_empty_states_are_accessible_and_say_what_to_do(
    live_server, page: Page, demo_borough, shots
):
    sign_in(page, live_server.url, "senco")

    # No results: the criteria stay in the form, and the page says what to try next.
    page.get_by_label("Given name").fill("Zebedee")
    page.get_by_label("Family name").fill("Quartermaine")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="No children match your search")).to_be_visible()
    no_results = page.get_by_test_id("no-results")
    expect(no_results).to_contain_text("check the spelling")
    expect(no_results).to_contain_text("try fewer details")
    expect(no_results).to_contain_text("date of birth")
    expect(no_results.get_by_role("link", name="ask the index team")).to_be_visible()
    expect(page.get_by_label("Family name")).to_have_value("Quartermaine")
    check_page(page)
    shots.take(page, "no results")

    # Too broad, and an impossible date: each error links to its field.
    page.get_by_label("Family name").fill("")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter more details")
    page.get_by_label("Given name").fill("")
    check_page(page)
    page.get_by_label("Family name").fill("Whitfield")
    page.get_by_label("Day").fill("31")
    page.get_by_label("Month").fill("2")
    page.get_by_label("Year").fill("2016")
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("real date")
    check_page(page)
    shots.take(page, "search errors")

    # Age and postcode: the details open by themselves when they hold criteria.
    page.get_by_label("Day").fill("")
    page.get_by_label("Month").fill("")
    page.get_by_label("Year").fill("")
    page.get_by_text("Search by age range or postcode").click()
    page.get_by_label("Postcode or postcode district").fill("SE6")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_label("Postcode or postcode district")).to_be_visible()
    expect(page.get_by_label("Postcode or postcode district")).to_have_value("SE6")
    check_page(page)

    # The reason page without a reason.
    page.get_by_test_id("results").get_by_role("link", name="Carol Whitfield").click()
    page.get_by_role("button", name="Open the record").click()
    expect(page).to_have_title("Error: Why do you need to see this record? – Child Index")
    check_page(page)
    page.locator(".govuk-error-summary a").first.click()
    expect(page.locator("#id_reason_0")).to_be_focused()

    page.get_by_role("link", name="Notifications").click()
    check_page(page)
    page.get_by_role("link", name="Services").click()
    check_page(page)
    page.get_by_role("link", name="Little Acorns Day Nursery").click()
    expect(page.get_by_test_id("entry").locator("a[href='tel:+442079460107']")).to_be_visible()
    check_page(page)
    page.goto(f"{live_server.url}/children/{uuid.uuid4()}/")
    expect(page).to_have_title("Page not found – Child Index")
    check_page(page)


def test_the_record_page_prints_without_the_navigation(
    live_server, page: Page, demo_borough, shots
):
    sign_in(page, live_server.url, "mentor")
    page.get_by_label("Given name").fill("Carol")
    page.get_by_label("Family name").fill("Whitfield")
    page.get_by_role("button", name="Search").click()
    open_record(page, "Carol Whitfield", "Coordinating support with other practitioners")

    page.emulate_media(media="print")
    for chrome in (
        "header.govuk-template__header",
        "footer.govuk-footer",
        ".govuk-skip-link",
        ".govuk-phase-banner",
    ):
        expect(page.locator(chrome)).to_be_hidden()
    expect(page.get_by_role("button", name="Follow this child")).to_be_hidden()
    expect(page.get_by_role("link", name="I am now working with this child")).to_be_hidden()
    expect(page.get_by_role("link", name="Back to your search")).to_be_hidden()
    expect(page.get_by_role("heading", name="Carol Whitfield", level=1)).to_be_visible()
    expect(page.get_by_test_id("current-involvements")).to_be_visible()
    shots.take(page, "Carol's record as printed")
    page.emulate_media(media="screen")
    expect(page.locator("header.govuk-template__header")).to_be_visible()
