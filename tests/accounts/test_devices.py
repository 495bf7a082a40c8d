"""Second factors: enrolment needs an activation code; backup codes are hashed and single use."""

import datetime
import re
import time

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.lifecycle import activation_code_issue
from accounts.models import AccountStatus, BackupCode
from audit.models import Action, AuditEvent
from tests.factories import PASSWORD, make_user, signed_in_client

pytestmark = pytest.mark.django_db


def totp_code(device: TOTPDevice, offset_steps: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset_steps * device.step
    return f"{totp.token():06d}"


def password_session(username: str) -> Client:
    client = Client()
    client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})
    return client


def enrol(client: Client, code: str) -> list[str]:
    """Enter the activation code, then confirm the new authenticator; returns backup codes."""
    response = client.post(reverse("accounts:enrol"), {"code": code})
    assert response.status_code == 302, response.content.decode()[:2000]
    client.get(reverse("accounts:enrol"))
    device = TOTPDevice.objects.get(confirmed=False)
    response = client.post(
        reverse("accounts:enrol"), {"name": "Work phone", "token": totp_code(device)}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Your authenticator is set up" in page
    return re.findall(r"<li><code>([^<]+)</code></li>", page)


@pytest.fixture
def newcomer(admin_of_a):
    return make_user(
        "newcomer",
        organisation=admin_of_a.organisation,
        with_device=False,
        status=AccountStatus.AWAITING_ENROLMENT,
    )


def test_a_new_user_enrols_with_the_activation_code_and_becomes_active(admin_of_a, newcomer):
    code = activation_code_issue(request=None, admin=admin_of_a, user=newcomer)
    client = password_session("newcomer")
    assert "Set up your authenticator" in client.get(reverse("accounts:verify")).content.decode()

    backup_codes = enrol(client, code)

    newcomer.refresh_from_db()
    assert newcomer.status == AccountStatus.ACTIVE
    assert TOTPDevice.objects.get(user=newcomer).confirmed
    assert len(backup_codes) == 10
    assert client.get(reverse("records:search")).status_code == 200
    assert AuditEvent.objects.filter(
        action=Action.DEVICE_ENROL, actor_id=newcomer.id, outcome="success"
    ).exists()


def test_a_stolen_password_alone_cannot_enrol_a_device(newcomer):
    client = password_session("newcomer")
    response = client.post(reverse("accounts:enrol"), {"code": "AAAA-BBBB-CCCC"})
    assert "The activation code is not valid" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=newcomer).exists()
    assert client.get(reverse("records:search")).status_code == 302


def test_an_activation_code_works_once(admin_of_a, newcomer):
    code = activation_code_issue(request=None, admin=admin_of_a, user=newcomer)
    enrol(password_session("newcomer"), code)
    again = password_session("newcomer")
    response = again.post(reverse("accounts:enrol"), {"code": code})
    assert "The activation code is not valid" in response.content.decode()


def test_an_activation_code_expires_and_a_new_one_replaces_the_old(admin_of_a, newcomer):
    old = activation_code_issue(request=None, admin=admin_of_a, user=newcomer)
    new = activation_code_issue(request=None, admin=admin_of_a, user=newcomer)
    client = password_session("newcomer")
    assert "not valid" in client.post(reverse("accounts:enrol"), {"code": old}).content.decode()
    with time_machine.travel(datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(hours=73)):
        late = password_session("newcomer")
        assert "not valid" in late.post(reverse("accounts:enrol"), {"code": new}).content.decode()


def test_a_wrong_code_from_the_new_app_does_not_confirm_it(admin_of_a, newcomer):
    code = activation_code_issue(request=None, admin=admin_of_a, user=newcomer)
    client = password_session("newcomer")
    client.post(reverse("accounts:enrol"), {"code": code})
    client.get(reverse("accounts:enrol"))
    device = TOTPDevice.objects.get(user=newcomer)
    response = client.post(reverse("accounts:enrol"), {"token": totp_code(device, offset_steps=20)})
    assert "The code is not valid" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed


def test_backup_codes_are_stored_hashed_and_work_once(admin_of_a, newcomer):
    codes = enrol(
        password_session("newcomer"),
        activation_code_issue(request=None, admin=admin_of_a, user=newcomer),
    )
    stored = list(BackupCode.objects.values_list("code_hash", flat=True))
    assert not any(code in stored or code.replace("-", "") in stored for code in codes)

    first = password_session("newcomer")
    response = first.post(reverse("accounts:verify_backup"), {"code": codes[0]})
    assert response.status_code == 302
    assert first.get(reverse("records:search")).status_code == 200

    second = password_session("newcomer")
    response = second.post(reverse("accounts:verify_backup"), {"code": codes[0]})
    assert "not valid or has been used" in response.content.decode()
    assert second.get(reverse("records:search")).status_code == 302


def test_new_backup_codes_replace_the_old_ones():
    user = make_user("casey")
    client = signed_in_client(user)
    first = client.post(reverse("accounts:backup_codes")).content.decode()
    second = client.post(reverse("accounts:backup_codes")).content.decode()
    old_code = first.split("<li><code>")[1].split("</code>")[0]
    assert old_code not in second
    assert BackupCode.objects.count() == 10
    assert (
        "You have 10 unused backup codes"
        in client.get(reverse("accounts:security")).content.decode()
    )


def test_removing_a_device_ends_the_sessions_that_used_it():
    user = make_user("casey")
    spare = TOTPDevice.objects.create(user=user, name="Spare phone", confirmed=True)
    main = TOTPDevice.objects.get(user=user, name="Test authenticator")
    on_main = signed_in_client(user)  # verified with the first device
    from django_otp import DEVICE_ID_SESSION_KEY

    on_spare = signed_in_client(user)
    session = on_spare.session
    session[DEVICE_ID_SESSION_KEY] = spare.persistent_id
    session.save()

    response = on_spare.post(reverse("accounts:device_remove", args=["app", main.pk]))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=main.pk).exists()
    assert on_spare.get(reverse("records:search")).status_code == 200
    ended = on_main.get(reverse("records:search"))
    assert ended.status_code == 302 and ended.headers["Location"].startswith(
        reverse("accounts:login")
    )
    assert AuditEvent.objects.filter(action=Action.DEVICE_REMOVE).exists()


def test_the_only_authenticator_cannot_be_removed():
    user = make_user("casey")
    device = TOTPDevice.objects.get(user=user)
    response = signed_in_client(user).post(
        reverse("accounts:device_remove", args=["app", device.pk])
    )
    assert "You cannot remove your only authenticator" in response.content.decode()
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_another_users_device_cannot_be_removed():
    owner = make_user("owner")
    device = TOTPDevice.objects.get(user=owner)
    response = signed_in_client(make_user("other")).post(
        reverse("accounts:device_remove", args=["app", device.pk])
    )
    assert response.status_code == 404
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_re_enrolment_ends_the_users_other_sessions(admin_of_a):
    user = make_user("casey", organisation=admin_of_a.organisation)
    elsewhere = signed_in_client(user)
    code = activation_code_issue(request=None, admin=admin_of_a, user=user)
    here = password_session("casey")
    here.post(reverse("accounts:enrol"), {"code": code})
    here.get(reverse("accounts:enrol"))
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    here.post(reverse("accounts:enrol"), {"token": totp_code(device)})
    assert here.get(reverse("records:search")).status_code == 200
    assert elsewhere.get(reverse("records:search")).status_code == 302


OLD_KEY = "old-secret-key-" + "o" * 50
NEW_KEY = "new-secret-key-" + "n" * 50


def test_backup_and_activation_codes_survive_a_secret_key_rotation_with_the_old_key_as_fallback(
    settings, admin_of_a, newcomer
):
    settings.SECRET_KEY = OLD_KEY
    codes = enrol(
        password_session("newcomer"),
        activation_code_issue(request=None, admin=admin_of_a, user=newcomer),
    )
    spare_activation = activation_code_issue(request=None, admin=admin_of_a, user=newcomer)

    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = NEW_KEY, [OLD_KEY]
    client = password_session("newcomer")
    assert client.post(reverse("accounts:verify_backup"), {"code": codes[0]}).status_code == 302
    assert client.get(reverse("records:search")).status_code == 200
    response = password_session("newcomer").post(
        reverse("accounts:enrol"), {"code": spare_activation}
    )
    assert response.status_code == 302

    # Once the old key is dropped, codes hashed with it no longer work.
    settings.SECRET_KEY_FALLBACKS = []
    refused = password_session("newcomer")
    response = refused.post(reverse("accounts:verify_backup"), {"code": codes[1]})
    assert "not valid or has been used" in response.content.decode()
    assert refused.get(reverse("records:search")).status_code == 302
