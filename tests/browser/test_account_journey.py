"""On the demo borough: an administrator requests a colleague's account, takes it through
vetting to active, and the new user sets a password, enrols an authenticator and signs in."""

import base64
import datetime
import re

import pytest
from django.core import mail
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from accounts.models import AccountStatus, User
from tests.browser.journey import check_page, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def fill_date(page: Page, prefix: str, day: datetime.date) -> None:
    page.locator(f"#id_{prefix}_0").fill(str(day.day))
    page.locator(f"#id_{prefix}_1").fill(str(day.month))
    page.locator(f"#id_{prefix}_2").fill(str(day.year))


def code_from_secret(secret: str) -> str:
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{TOTP(key).token():06d}"


def test_an_administrator_takes_a_requested_account_to_active_and_the_user_signs_in(
    live_server, page: Page, demo_borough, shots
):
    today = datetime.date.today()
    sign_in(page, live_server.url, "orgadmin")
    page.get_by_role("link", name="Users").click()
    check_page(page)
    shots.take(page, "users")
    page.get_by_role("link", name="Request an account").click()
    check_page(page)
    page.get_by_label("First name").fill("Nia")
    page.get_by_label("Last name").fill("Roberts")
    page.get_by_label("Work email address").fill("nia@hillside.example")
    page.get_by_label("Job title").fill("Learning mentor")
    page.get_by_label("Line manager's name").fill("Head Teacher")
    page.get_by_role("button", name="Send request").click()
    check_page(page)

    page.get_by_role("link", name="Users").click()
    page.get_by_role("link", name="Accounts waiting for you").click()
    check_page(page)
    shots.take(page, "accounts waiting")
    page.get_by_role("link", name="Nia Roberts").click()
    check_page(page)
    shots.take(page, "a requested account")

    page.get_by_role("link", name="Record DBS check").click()
    check_page(page)
    page.get_by_role("button", name="Save").click()
    check_page(page)  # the error summary links to the certificate box and the day box
    shots.take(page, "DBS check, with errors")
    page.get_by_label("DBS certificate number").fill("001234567890")
    fill_date(page, "issue_date", today - datetime.timedelta(days=3))
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("vetting")).to_contain_text("Certificate 001234567890")

    page.get_by_role("link", name="Record manager's authorisation").click()
    page.get_by_label("Line manager's name").fill("Head Teacher")
    fill_date(page, "authorised_on", today)
    page.get_by_role("button", name="Save").click()

    page.get_by_role("link", name="Record training").click()
    fill_date(page, "completed_on", today)
    page.get_by_role("button", name="Save").click()

    page.get_by_role("link", name="Change roles").click()
    page.get_by_label("Practitioner", exact=True).check()
    check_page(page)
    page.get_by_role("button", name="Save roles").click()
    expect(page.get_by_test_id("roles")).to_contain_text("Practitioner")
    check_page(page)
    shots.take(page, "vetted, with a role")

    page.get_by_role("link", name="Authorise account").click()
    check_page(page)
    page.get_by_role("button", name="Authorise account").click()
    activation_code = page.get_by_test_id("activation-code").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", activation_code)
    check_page(page)
    shots.take(page, "the activation code")
    page.get_by_role("button", name="Sign out").click()

    link = re.search(r"http://\S+/account/password-reset/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    check_page(page)
    page.get_by_label("New password", exact=True).fill("three blue kettles singing")
    page.get_by_label("New password confirmation").fill("three blue kettles singing")
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("heading", name="Your password is set")).to_be_visible()
    check_page(page)

    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("Username").fill("nia@hillside.example")
    page.get_by_label("Password").fill("three blue kettles singing")
    page.get_by_role("button", name="Continue").click()
    check_page(page)
    page.get_by_role("link", name="Set up your authenticator").click()
    check_page(page)
    page.get_by_label("Activation code").fill(activation_code)
    page.get_by_role("button", name="Continue").click()
    check_page(page)
    page.get_by_text("I cannot scan the QR code").click()
    secret = page.get_by_test_id("totp-secret").inner_text()
    shots.take(page, "set up the authenticator")
    page.get_by_label("Code from your authenticator app").fill(code_from_secret(secret))
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", name="Your authenticator is set up")).to_be_visible()
    expect(page.get_by_test_id("backup-codes").locator("li")).to_have_count(10)
    check_page(page)
    page.get_by_role("link", name="Continue").click()
    expect(page.get_by_role("heading", name="End-user agreement")).to_be_visible()
    check_page(page)
    page.get_by_label("I have read and accept the end-user agreement").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Find a child")).to_be_visible()
    check_page(page)
    shots.take(page, "signed in")

    nia = User.objects.get(username="nia@hillside.example")
    assert nia.status == AccountStatus.ACTIVE
    assert nia.vetting.agreement_current
    assert nia.organisation.code == "SCH-HILLSIDE"
