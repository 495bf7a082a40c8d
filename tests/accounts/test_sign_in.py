"""Signing in takes a password and then a one-time code; every step is audited."""

import time

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.middleware import SESSION_STARTED_KEY
from audit.models import Action, AuditEvent
from tests.factories import PASSWORD, make_user, signed_in_client

pytestmark = pytest.mark.django_db


def code_for(user, offset_steps: int = 0) -> str:
    device = TOTPDevice.objects.get(user=user)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset_steps * device.step
    return f"{totp.token():06d}"


def sign_in(client: Client, username: str, password: str = PASSWORD):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


def test_a_correct_password_leads_to_the_code_step_with_a_new_session_key():
    user = make_user("casey")
    client = Client()
    client.get(reverse("accounts:login"))
    before = client.cookies.get("sessionid")
    response = sign_in(client, "casey")
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("accounts:verify"))
    assert client.cookies["sessionid"].value != (before.value if before else None)
    assert AuditEvent.objects.filter(action=Action.LOGIN_SUCCESS, actor_id=user.id).count() == 1


def test_unknown_user_wrong_password_and_inactive_account_look_the_same_and_are_audited():
    make_user("casey")
    inactive = make_user("gone")
    inactive.is_active = False
    inactive.save()
    pages = []
    for username, password in [
        ("nobody", PASSWORD),
        ("casey", "wrong-password-123"),
        ("gone", PASSWORD),
    ]:
        response = sign_in(Client(), username, password)
        assert response.status_code == 200
        pages.append(response.content.decode().split('name="csrfmiddlewaretoken"')[0])
        assert "Enter a correct username and password" in response.content.decode()
    failures = AuditEvent.objects.filter(action=Action.LOGIN_FAILURE).order_by("id")
    assert [event.actor_username for event in failures] == ["nobody", "casey", "gone"]
    assert all(event.actor_id is None for event in failures)


def test_the_code_completes_sign_in_rotates_the_session_and_opens_the_service():
    user = make_user("casey")
    client = Client()
    sign_in(client, "casey")
    password_session = client.cookies["sessionid"].value
    response = client.post(reverse("accounts:verify"), {"token": code_for(user)})
    assert response.status_code == 302
    assert client.cookies["sessionid"].value != password_session
    assert client.get(reverse("records:search")).status_code == 200
    assert AuditEvent.objects.filter(action=Action.OTP_SUCCESS, actor_id=user.id).exists()


def test_a_used_code_cannot_be_replayed():
    user = make_user("casey")
    code = code_for(user)
    first = Client()
    sign_in(first, "casey")
    assert first.post(reverse("accounts:verify"), {"token": code}).status_code == 302
    second = Client()
    sign_in(second, "casey")
    response = second.post(reverse("accounts:verify"), {"token": code})
    assert response.status_code == 200
    assert "The code is not valid" in response.content.decode()
    assert AuditEvent.objects.filter(action=Action.OTP_FAILURE, actor_id=user.id).count() == 1
    assert second.get(reverse("records:search")).status_code == 302


def test_a_wrong_code_is_refused_and_audited():
    user = make_user("casey")
    client = Client()
    sign_in(client, "casey")
    response = client.post(reverse("accounts:verify"), {"token": code_for(user, offset_steps=10)})
    assert "The code is not valid" in response.content.decode()
    assert AuditEvent.objects.filter(action=Action.OTP_FAILURE).count() == 1


def test_a_malformed_code_gets_a_clear_message():
    make_user("casey")
    client = Client()
    sign_in(client, "casey")
    response = client.post(reverse("accounts:verify"), {"token": "12ab"})
    assert "The code must be 6 digits" in response.content.decode()


def test_a_user_without_an_authenticator_is_told_to_ask_for_an_activation_code():
    make_user("casey", with_device=False)
    client = Client()
    sign_in(client, "casey")
    response = client.get(reverse("accounts:verify"))
    assert "activation code" in response.content.decode()
    assert client.get(reverse("records:search")).status_code == 302


def test_sign_in_returns_to_a_local_page_only():
    user = make_user("casey")
    client = Client()
    client.post(
        reverse("accounts:login"),
        {"username": "casey", "password": PASSWORD, "next": "https://evil.example/"},
    )
    response = client.post(
        reverse("accounts:verify"), {"token": code_for(user), "next": "https://evil.example/"}
    )
    assert response.headers["Location"] == reverse("records:search")


def test_sign_out_needs_a_post_and_ends_the_server_side_session():
    user = make_user("casey")
    client = signed_in_client(user)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert client.get(reverse("records:search")).status_code == 302
    assert AuditEvent.objects.filter(action=Action.LOGOUT, actor_id=user.id).exists()


def test_a_session_older_than_the_absolute_limit_is_ended(settings):
    client = signed_in_client(make_user())
    session = client.session
    session[SESSION_STARTED_KEY] = time.time() - settings.SESSION_ABSOLUTE_SECONDS - 1
    session.save()
    response = client.get(reverse("records:search"))
    assert response.status_code == 302
    assert "expired=1" in response.headers["Location"]
    assert client.get(reverse("records:search")).status_code == 302


def test_session_cookies_are_http_only_and_strict(settings):
    assert settings.SESSION_COOKIE_HTTPONLY
    assert settings.SESSION_COOKIE_SAMESITE == "Strict"
    assert settings.SESSION_COOKIE_AGE == 15 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST
