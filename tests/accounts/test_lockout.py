"""Five failed passwords or codes lock the username at that client IP for 15 minutes; fifty
failures from one IP, whatever the usernames, lock the IP. A lock looks like a wrong password."""

import datetime
import time

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import Action, AuditEvent
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def attempt(username: str, password: str, ip: str = "198.51.100.1"):
    return Client(REMOTE_ADDR=ip).post(
        reverse("accounts:login"), {"username": username, "password": password}
    )


def totp_now(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time()
    return f"{totp.token():06d}"


def body(response) -> str:
    page = response.content.decode()
    return page.split('name="csrfmiddlewaretoken"')[0] + page.split("</form>")[-1]


def test_five_wrong_passwords_lock_the_account_and_the_lock_looks_like_a_wrong_password():
    make_user("casey")
    for _ in range(5):
        wrong = attempt("casey", "wrong-password-xyz")
    locked = attempt("casey", PASSWORD)
    unknown = attempt("nobody-by-that-name", PASSWORD)
    assert locked.status_code == wrong.status_code == unknown.status_code == 200
    assert body(locked) == body(wrong) == body(unknown)
    assert "Enter a correct username and password" in locked.content.decode()
    assert "locked" not in locked.content.decode().lower()
    last = AuditEvent.objects.filter(action=Action.LOGIN_FAILURE, actor_username="casey").last()
    assert last.details["locked"] is True


def test_the_lock_is_on_the_username_at_that_ip_only():
    make_user("casey")
    for _ in range(5):
        attempt("casey", "wrong-password-xyz", ip="198.51.100.1")
    assert attempt("casey", PASSWORD, ip="198.51.100.1").status_code == 200
    assert attempt("casey", PASSWORD, ip="203.0.113.50").status_code == 302


def test_the_lock_lifts_after_fifteen_minutes():
    make_user("casey")
    for _ in range(5):
        attempt("casey", "wrong-password-xyz")
    with time_machine.travel(
        datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(minutes=16)
    ):
        response = attempt("casey", PASSWORD)
    assert response.status_code == 302


def test_four_failures_do_not_lock():
    make_user("casey")
    for _ in range(4):
        attempt("casey", "wrong-password-xyz")
    assert attempt("casey", PASSWORD).status_code == 302


def test_one_persons_failures_behind_a_shared_ip_do_not_lock_a_colleague_out_there():
    make_user("casey")
    make_user("robin")
    for _ in range(6):
        attempt("casey", "wrong-password-xyz", ip="192.0.2.66")
    for number in range(10):
        attempt(f"guess{number}", "whatever-password", ip="192.0.2.66")
    assert attempt("casey", PASSWORD, ip="192.0.2.66").status_code == 200  # casey is locked there
    assert attempt("robin", PASSWORD, ip="192.0.2.66").status_code == 302  # robin is not


def test_the_per_ip_ceiling_locks_the_ip_for_every_username(settings):
    settings.LOCKOUT_IP_FAILURES = 12
    make_user("robin")
    for number in range(12):
        attempt(f"guess{number}", "whatever-password", ip="192.0.2.66")
    locked = attempt("robin", PASSWORD, ip="192.0.2.66")
    wrong = attempt("robin", "wrong-password-xyz", ip="192.0.2.67")
    assert locked.status_code == 200
    assert body(locked) == body(wrong)
    event = AuditEvent.objects.filter(action=Action.LOGIN_FAILURE, actor_username="robin").first()
    assert event.details == {"locked": True, "lock": "client IP"}
    assert attempt("robin", PASSWORD, ip="192.0.2.67").status_code == 302
    with time_machine.travel(
        datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(minutes=16)
    ):
        assert attempt("robin", PASSWORD, ip="192.0.2.66").status_code == 302


def test_the_per_ip_ceiling_stops_second_factor_guesses_too(settings):
    settings.LOCKOUT_IP_FAILURES = 8
    user = make_user("casey")
    device = TOTPDevice.objects.get(user=user)
    client = Client(REMOTE_ADDR="192.0.2.70")
    client.post(reverse("accounts:login"), {"username": "casey", "password": PASSWORD})
    for number in range(8):
        attempt(f"guess{number}", "whatever-password", ip="192.0.2.70")
    response = client.post(reverse("accounts:verify"), {"token": totp_now(device)})
    assert "The code is not valid" in response.content.decode()


def test_wrong_codes_count_toward_the_same_lock():
    user = make_user("casey")
    device = TOTPDevice.objects.get(user=user)
    client = Client(REMOTE_ADDR="198.51.100.9")
    client.post(reverse("accounts:login"), {"username": "casey", "password": PASSWORD})
    for _ in range(5):
        client.post(reverse("accounts:verify"), {"token": "000000"})
    response = client.post(reverse("accounts:verify"), {"token": totp_now(device)})
    assert "The code is not valid" in response.content.decode()
    assert attempt("casey", PASSWORD, ip="198.51.100.9").status_code == 200
    assert AuditEvent.objects.filter(action=Action.OTP_FAILURE).count() == 6


def test_the_client_ip_comes_from_the_trusted_proxy_header_when_configured(settings):
    settings.CLIENT_IP_HEADER = "HTTP_X_FORWARDED_FOR"
    make_user("casey")
    for number in range(5):
        Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"192.0.2.{number}").post(
            reverse("accounts:login"), {"username": f"guess{number}", "password": "nope-nope-nope"}
        )
    # Five different clients behind the same proxy: nobody else is locked out.
    response = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.200").post(
        reverse("accounts:login"), {"username": "casey", "password": PASSWORD}
    )
    assert response.status_code == 302
