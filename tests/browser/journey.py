"""What every browser journey does on every page: check it, photograph it, sign in.

``check_page`` runs axe-core at WCAG 2.2 AA (plus axe's best practices) and checks what
axe does not: the page title's form, one h1, the landmarks, and that every link in an
error summary points at a field that exists.
"""

import re
from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from accounts.models import User
from demo.people import DEMO_PASSWORD

SERVICE_NAME = "Child Index"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
AXE_OPTIONS = {"resultTypes": ["violations"], "runOnly": {"type": "tag", "values": WCAG_22_AA}}
SCREENSHOTS = Path("test-results") / "journeys"

_axe = Axe()


def current_code(user: User) -> str:
    device = TOTPDevice.objects.get(user=user)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def check_page(page: Page) -> None:
    """Zero axe violations at WCAG 2.2 AA, and the structure every page must have."""
    results = _axe.run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"

    title = page.title()
    assert title.endswith(f" – {SERVICE_NAME}"), title
    assert title != f"{SERVICE_NAME} – {SERVICE_NAME}", "the page has no title of its own"
    summary = page.locator(".govuk-error-summary")
    assert title.startswith("Error: ") == (summary.count() > 0), title
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("main#main-content")).to_have_count(1)
    expect(page.locator("header.govuk-template__header")).to_have_count(1)
    expect(page.locator("footer.govuk-footer")).to_have_count(1)
    for href in summary.locator("a").evaluate_all("links => links.map(a => a.hash)"):
        target = href.removeprefix("#")
        assert page.locator(f"[id='{target}']").count() == 1, f"error link to missing #{target}"
        if target != "main-content":
            tag = page.locator(f"[id='{target}']").evaluate("el => el.tagName")
            assert tag in ("INPUT", "SELECT", "TEXTAREA"), f"#{target} is a {tag}, not a field"


class Shots:
    """Screenshots of a journey's key pages, numbered in order, in test-results/journeys/."""

    def __init__(self, name: str) -> None:
        self.directory = SCREENSHOTS / name
        self.count = 0

    def take(self, page: Page, what: str) -> None:
        self.count += 1
        self.directory.mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^a-z0-9]+", "-", what.lower()).strip("-")
        page.screenshot(path=self.directory / f"{self.count:02d}-{slug}.png", full_page=True)


def sign_in(page: Page, base_url: str, username: str) -> User:
    """Sign in as a demo user with the demo password and their authenticator's code."""
    user = User.objects.get(username=username)
    page.goto(f"{base_url}/account/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Code from your authenticator app").fill(current_code(user))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_test_id("signed-in-as")).to_be_visible()
    return user


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_label("Username")).to_be_visible()


def open_record(page: Page, name: str, reason: str) -> None:
    """From search results: open a child's record, giving the reason."""
    page.get_by_test_id("results").get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", name="Why do you need to see this record?")).to_be_visible()
    check_page(page)
    page.get_by_label(reason).check()
    page.get_by_role("button", name="Open the record").click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
