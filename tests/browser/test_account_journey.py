"""An administrator vets and authorises a requested account; the user enrols TOTP and signs in."""

import base64
import datetime
import re

import pytest
from django.core import mail
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from accounts.lifecycle import account_request
from accounts.models import AccountStatus, User
from accounts.roles import Role
from tests.browser.test_find_a_child import assert_no_axe_violations, current_code
from tests.factories import PASSWORD, make_organisation, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page: Page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/account/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Continue").click()


def fill_date(page: Page, prefix: str, day: datetime.date) -> None:
    page.locator(f"#id_{prefix}_0").fill(str(day.day))
    page.locator(f"#id_{prefix}_1").fill(str(day.month))
    page.locator(f"#id_{prefix}_2").fill(str(day.year))


def code_from_secret(secret: str) -> str:
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{TOTP(key).token():06d}"


def test_an_administrator_takes_a_requested_account_to_active_and_the_user_signs_in(
    live_server, page: Page
):
    school = make_organisation("SCH-A", "Hillside Primary School")
    admin = make_user("admin", organisation=school, roles=(Role.ORG_ADMIN,))
    account_request(
        request=None,
        requested_by=admin,
        organisation=school,
        first_name="Nia",
        last_name="Roberts",
        email="nia@hillside.example",
        job_title="Learning mentor",
        manager_name="Head Teacher",
    )
    today = datetime.date.today()

    sign_in(page, live_server.url, "admin", PASSWORD)
    page.get_by_label("Code from your authenticator app").fill(current_code(admin))
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("link", name="Users").click()
    page.get_by_role("link", name="Accounts waiting for you").click()
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Nia Roberts").click()
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Record DBS check").click()
    page.get_by_label("DBS certificate number").fill("001234567890")
    fill_date(page, "issue_date", today - datetime.timedelta(days=3))
    assert_no_axe_violations(page)
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
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Save roles").click()
    expect(page.get_by_test_id("roles")).to_contain_text("Practitioner")

    page.get_by_role("link", name="Authorise account").click()
    page.get_by_role("button", name="Authorise account").click()
    activation_code = page.get_by_test_id("activation-code").inner_text()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", activation_code)
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Sign out").click()

    link = re.search(r"http://\S+/account/password-reset/\S+/", mail.outbox[-1].body).group(0)
    page.goto(link)
    page.get_by_label("New password", exact=True).fill("three blue kettles singing")
    page.get_by_label("New password confirmation").fill("three blue kettles singing")
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_role("heading", name="Your password is set")).to_be_visible()

    sign_in(page, live_server.url, "nia@hillside.example", "three blue kettles singing")
    page.get_by_role("link", name="Set up your authenticator").click()
    page.get_by_label("Activation code").fill(activation_code)
    page.get_by_role("button", name="Continue").click()
    assert_no_axe_violations(page)
    page.get_by_text("I cannot scan the QR code").click()
    secret = page.get_by_test_id("totp-secret").inner_text()
    page.get_by_label("Code from your authenticator app").fill(code_from_secret(secret))
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", name="Your authenticator is set up")).to_be_visible()
    expect(page.get_by_test_id("backup-codes").locator("li")).to_have_count(10)
    page.get_by_role("link", name="Continue").click()
    expect(page.get_by_role("heading", name="End-user agreement")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_label("I have read and accept the end-user agreement").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Find a child")).to_be_visible()

    nia = User.objects.get(username="nia@hillside.example")
    assert nia.status == AccountStatus.ACTIVE
    assert nia.vetting.agreement_current
