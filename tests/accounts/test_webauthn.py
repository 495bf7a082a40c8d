"""Security keys: enrolment needs an activation code, then the key works as a second factor."""

import json
from base64 import urlsafe_b64decode, urlsafe_b64encode

import pytest
from django.test import Client
from django.urls import reverse
from django_otp_webauthn.models import WebAuthnCredential
from soft_webauthn import SoftWebauthnDevice

from accounts.lifecycle import activation_code_issue
from accounts.models import AccountStatus
from audit.models import Action, AuditEvent
from tests.factories import PASSWORD, make_user, signed_in_client

pytestmark = pytest.mark.django_db
ORIGIN = "http://localhost:8000"


def b64u_decode(text: str) -> bytes:
    return urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64u_encode(data: bytes) -> str:
    return urlsafe_b64encode(data).decode("ascii").rstrip("=")


def post_json(client: Client, name: str, data: dict | None = None):
    body = json.dumps(data) if data is not None else ""
    return client.post(reverse(name), body, content_type="application/json")


def register(client: Client, key: SoftWebauthnDevice):
    begin = post_json(client, "otp_webauthn:credential-registration-begin")
    if begin.status_code != 200:
        return begin
    options = begin.json()
    public_key = dict(
        options,
        challenge=b64u_decode(options["challenge"]),
        user=dict(options["user"], id=b64u_decode(options["user"]["id"])),
    )
    created = key.create({"publicKey": public_key}, ORIGIN)
    raw_id = b64u_encode(created["rawId"])
    return post_json(
        client,
        "otp_webauthn:credential-registration-complete",
        {
            "id": raw_id,
            "rawId": raw_id,
            "type": created["type"],
            "response": {
                "clientDataJSON": b64u_encode(created["response"]["clientDataJSON"]),
                "attestationObject": b64u_encode(created["response"]["attestationObject"]),
                "transports": ["usb"],
            },
            "clientExtensionResults": {"credProps": {"rk": False}},
        },
    )


def authenticate(client: Client, key: SoftWebauthnDevice):
    begin = post_json(client, "otp_webauthn:credential-authentication-begin")
    assert begin.status_code == 200, begin.content
    options = begin.json()
    assertion = key.get(
        {"publicKey": dict(options, challenge=b64u_decode(options["challenge"]))}, ORIGIN
    )
    raw_id = b64u_encode(assertion["rawId"])
    fields = ("authenticatorData", "clientDataJSON", "signature", "userHandle")
    return post_json(
        client,
        "otp_webauthn:credential-authentication-complete",
        {
            "id": raw_id,
            "rawId": raw_id,
            "type": assertion["type"],
            "response": {field: b64u_encode(assertion["response"][field]) for field in fields},
            "clientExtensionResults": {},
        },
    )


def password_session(username: str) -> Client:
    client = Client()
    client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
    return client


@pytest.fixture
def newcomer(admin_of_a):
    return make_user(
        "newcomer",
        organisation=admin_of_a.organisation,
        with_device=False,
        status=AccountStatus.AWAITING_ENROLMENT,
    )


def test_a_security_key_cannot_be_registered_without_an_activation_code(newcomer):
    client = password_session("newcomer")
    response = register(client, SoftWebauthnDevice())
    assert response.status_code == 403
    assert response.json()["code"] == "activation_required"
    assert not WebAuthnCredential.objects.exists()


def test_a_verified_user_still_needs_an_activation_code_to_add_a_key():
    client = signed_in_client(make_user("casey"))
    assert register(client, SoftWebauthnDevice()).status_code == 403


def test_a_new_user_enrols_a_security_key_with_the_code_and_then_signs_in_with_it(
    admin_of_a, newcomer
):
    code = activation_code_issue(request=None, admin=admin_of_a, user=newcomer)
    client = password_session("newcomer")
    client.post(reverse("accounts:enrol"), {"code": code})
    key = SoftWebauthnDevice()

    response = register(client, key)

    assert response.status_code == 200, response.content
    newcomer.refresh_from_db()
    assert newcomer.status == AccountStatus.ACTIVE
    assert client.get(reverse("records:search")).status_code == 200
    assert AuditEvent.objects.filter(action=Action.DEVICE_ENROL, details__kind="webauthn").exists()

    later = password_session("newcomer")
    assert later.get(reverse("records:search")).status_code == 302
    page = later.get(reverse("accounts:verify")).content.decode()
    assert "Use security key" in page
    before = later.session.session_key
    response = authenticate(later, key)
    assert response.status_code == 200, response.content
    assert later.session.session_key != before
    assert later.get(reverse("records:search")).status_code == 200
    assert AuditEvent.objects.filter(action=Action.OTP_SUCCESS, actor_id=newcomer.id).exists()


def test_the_activation_code_is_spent_by_a_security_key(admin_of_a, newcomer):
    code = activation_code_issue(request=None, admin=admin_of_a, user=newcomer)
    client = password_session("newcomer")
    client.post(reverse("accounts:enrol"), {"code": code})
    assert register(client, SoftWebauthnDevice()).status_code == 200
    assert register(client, SoftWebauthnDevice()).status_code == 403
    again = password_session("newcomer")
    assert "not valid" in again.post(reverse("accounts:enrol"), {"code": code}).content.decode()


def test_passwordless_sign_in_is_off():
    response = post_json(Client(), "otp_webauthn:credential-authentication-begin")
    assert response.status_code in (302, 403)
