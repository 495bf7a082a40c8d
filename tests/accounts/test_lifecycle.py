"""An account goes from requested to active through vetting, and stops when it should."""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.lifecycle import (
    LifecycleError,
    account_authorise,
    account_reactivate,
    account_request,
    account_suspend,
    roles_set,
    vetting_record_authorisation,
    vetting_record_dbs,
    vetting_record_training,
)
from accounts.models import AccountStatus, User
from accounts.roles import Role
from audit.models import Action, AuditEvent
from tests.factories import make_user, make_vetting, signed_in_client

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def requested(admin: User) -> User:
    return account_request(
        request=None,
        requested_by=admin,
        organisation=admin.organisation,
        first_name="Nia",
        last_name="Roberts",
        email="Nia.Roberts@school.example",
        job_title="Learning mentor",
        manager_name="Head Teacher",
    )


def vetted(admin: User, user: User) -> None:
    vetting_record_dbs(
        request=None,
        admin=admin,
        user=user,
        certificate_number="001122334455",
        issue_date=TODAY - datetime.timedelta(days=10),
    )
    vetting_record_authorisation(
        request=None, admin=admin, user=user, manager_name="Head Teacher", authorised_on=TODAY
    )
    vetting_record_training(request=None, admin=admin, user=user, completed_on=TODAY)


def test_a_requested_account_cannot_sign_in_and_moves_to_vetting_when_evidence_is_recorded(
    admin_of_a,
):
    user = requested(admin_of_a)
    assert user.status == AccountStatus.REQUESTED
    assert user.username == "nia.roberts@school.example"
    assert not user.has_usable_password()
    vetting_record_dbs(
        request=None,
        admin=admin_of_a,
        user=user,
        certificate_number="001122334455",
        issue_date=TODAY,
    )
    user.refresh_from_db()
    assert user.status == AccountStatus.VETTING
    assert user.vetting.dbs_recorded_by == admin_of_a
    assert user.vetting.dbs_renewal_due == TODAY.replace(year=TODAY.year + 3)
    actions = list(
        AuditEvent.objects.filter(object_id=str(user.public_id)).values_list("action", flat=True)
    )
    assert actions == [Action.ACCOUNT_REQUEST, Action.VETTING_RECORD]


def test_authorising_needs_complete_vetting_and_a_role(admin_of_a):
    user = requested(admin_of_a)
    with pytest.raises(LifecycleError, match="Give the user at least one role"):
        account_authorise(request=None, admin=admin_of_a, user=user)
    roles_set(request=None, admin=admin_of_a, user=user, roles={Role.PRACTITIONER})
    with pytest.raises(LifecycleError, match="Record the DBS check"):
        account_authorise(request=None, admin=admin_of_a, user=user)
    vetted(admin_of_a, user)
    code = account_authorise(request=None, admin=admin_of_a, user=user)
    user.refresh_from_db()
    assert user.status == AccountStatus.AWAITING_ENROLMENT
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    assert code not in str(list(user.activation_codes.values()))
    assert AuditEvent.objects.filter(
        action=Action.ACCOUNT_AUTHORISE, actor_id=admin_of_a.id
    ).exists()


def test_authorising_emails_a_set_password_link_but_never_the_activation_code(
    admin_of_a, django_capture_on_commit_callbacks
):
    user = requested(admin_of_a)
    roles_set(request=None, admin=admin_of_a, user=user, roles={Role.PRACTITIONER})
    vetted(admin_of_a, user)
    with django_capture_on_commit_callbacks(execute=True):
        code = account_authorise(request=None, admin=admin_of_a, user=user)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nia.roberts@school.example"]
    assert "/account/password-reset/" in mail.outbox[0].body
    assert code not in mail.outbox[0].body


def test_an_expired_dbs_check_cannot_be_used_to_authorise(admin_of_a):
    user = requested(admin_of_a)
    roles_set(request=None, admin=admin_of_a, user=user, roles={Role.PRACTITIONER})
    vetted(admin_of_a, user)
    vetting_record_dbs(
        request=None,
        admin=admin_of_a,
        user=user,
        certificate_number="001122334455",
        issue_date=TODAY.replace(year=TODAY.year - 4),
    )
    with pytest.raises(LifecycleError, match="The DBS check expired"):
        account_authorise(request=None, admin=admin_of_a, user=user)


def test_a_user_whose_dbs_renewal_passes_is_refused_on_their_next_request_with_the_reason(
    admin_of_a,
):
    user = make_user("casey", organisation=admin_of_a.organisation)
    admin_of_a.email = "admin@org-a.example"
    admin_of_a.save()
    vetting = make_vetting(
        user, dbs_issue_date=TODAY.replace(year=TODAY.year - 3) + datetime.timedelta(days=1)
    )
    client = signed_in_client(user)
    assert client.get(reverse("records:search")).status_code == 200

    with time_machine.travel(
        datetime.datetime.combine(vetting.dbs_renewal_due, datetime.time(9)), tick=False
    ):
        client.force_login(user)  # the session would have timed out in a real day; keep it alive
        session = client.session
        from django_otp import DEVICE_ID_SESSION_KEY

        from accounts.middleware import SESSION_STARTED_KEY

        session[SESSION_STARTED_KEY] = datetime.datetime.now().timestamp()
        session[DEVICE_ID_SESSION_KEY] = user.totpdevice_set.first().persistent_id
        session.save()
        response = client.get(reverse("records:search"))

    page = response.content.decode()
    assert response.status_code == 403
    assert "Your access has expired" in page
    assert "Your DBS check needed renewing by" in page
    assert "admin@org-a.example" in page
    assert (
        AuditEvent.objects.using("audit")
        .filter(action=Action.ACCESS_LAPSED, actor_id=user.id)
        .exists()
    )


def test_expire_access_expires_lapsed_accounts_and_warns_once_thirty_days_ahead(
    admin_of_a, django_capture_on_commit_callbacks
):
    admin_of_a.email = "admin@org-a.example"
    admin_of_a.save()
    lapsed = make_user("lapsed", organisation=admin_of_a.organisation)
    make_vetting(lapsed, training_completed_on=TODAY.replace(year=TODAY.year - 3))
    soon = make_user("soon", organisation=admin_of_a.organisation)
    soon.email = "soon@org-a.example"
    soon.save()
    make_vetting(
        soon, dbs_issue_date=TODAY.replace(year=TODAY.year - 3) + datetime.timedelta(days=20)
    )
    fine = make_user("fine", organisation=admin_of_a.organisation)

    with django_capture_on_commit_callbacks(execute=True):
        call_command("expire_access")
        call_command("expire_access")

    lapsed.refresh_from_db()
    assert lapsed.status == AccountStatus.EXPIRED
    assert "training" in lapsed.status_reason
    fine.refresh_from_db()
    assert fine.status == AccountStatus.ACTIVE
    assert len(mail.outbox) == 1
    assert set(mail.outbox[0].to) == {"soon@org-a.example", "admin@org-a.example"}
    assert AuditEvent.objects.filter(action=Action.ACCOUNT_EXPIRE).count() == 1
    assert AuditEvent.objects.filter(action=Action.EXPIRY_WARNING).count() == 1


def test_expire_access_dry_run_changes_nothing(admin_of_a):
    lapsed = make_user("lapsed", organisation=admin_of_a.organisation)
    make_vetting(lapsed, training_completed_on=TODAY.replace(year=TODAY.year - 3))
    call_command("expire_access", "--dry-run")
    lapsed.refresh_from_db()
    assert lapsed.status == AccountStatus.ACTIVE


def test_reactivation_needs_renewed_evidence(admin_of_a):
    user = make_user("casey", organisation=admin_of_a.organisation)
    make_vetting(user, dbs_issue_date=TODAY.replace(year=TODAY.year - 4))
    call_command("expire_access")
    user.refresh_from_db()
    with pytest.raises(LifecycleError, match="DBS check expired"):
        account_reactivate(request=None, admin=admin_of_a, user=user)
    vetting_record_dbs(
        request=None,
        admin=admin_of_a,
        user=user,
        certificate_number="009988776655",
        issue_date=TODAY,
    )
    account_reactivate(request=None, admin=admin_of_a, user=user)
    user.refresh_from_db()
    assert user.status == AccountStatus.ACTIVE
    assert signed_in_client(user).get(reverse("records:search")).status_code == 200


def test_suspension_ends_the_users_sessions_at_once(admin_of_a):
    user = make_user("casey", organisation=admin_of_a.organisation)
    client = signed_in_client(user)
    assert client.get(reverse("records:search")).status_code == 200
    account_suspend(request=None, admin=admin_of_a, user=user, reason="Under investigation")
    response = client.get(reverse("records:search"))
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("accounts:login"))
    assert AuditEvent.objects.get(action=Action.ACCOUNT_SUSPEND).reason == "Under investigation"


def test_a_suspended_user_who_signs_in_again_sees_why(admin_of_a):
    user = make_user("casey", organisation=admin_of_a.organisation)
    account_suspend(request=None, admin=admin_of_a, user=user, reason="Under investigation")
    user.refresh_from_db()
    response = signed_in_client(user).get(reverse("records:search"))
    assert response.status_code == 403
    assert "Your account is suspended" in response.content.decode()
    assert "Under investigation" in response.content.decode()


def test_removing_a_role_ends_the_users_sessions(admin_of_a):
    user = make_user(
        "casey", organisation=admin_of_a.organisation, roles=(Role.PRACTITIONER, Role.OVERRIDE)
    )
    client = signed_in_client(user)
    roles_set(request=None, admin=admin_of_a, user=user, roles={Role.PRACTITIONER})
    assert client.get(reverse("records:search")).status_code == 302
    event = AuditEvent.objects.get(action=Action.ROLES_CHANGE)
    assert event.details["removed"] == ["cp_override"]


def test_a_new_user_must_accept_the_current_agreement_first():
    user = make_user("casey")
    user.vetting.agreement_version = "old"
    user.vetting.save()
    client = signed_in_client(user)
    response = client.get(reverse("records:search"))
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("accounts:agreement"))
    refused = client.post(reverse("accounts:agreement"), {})
    assert "You must accept the agreement" in refused.content.decode()
    client.post(reverse("accounts:agreement"), {"accept": "on"})
    assert client.get(reverse("records:search")).status_code == 200
    assert AuditEvent.objects.filter(action=Action.AGREEMENT_ACCEPT, actor_id=user.id).exists()


def test_idle_sessions_end_after_fifteen_minutes():
    user = make_user("casey")
    client = signed_in_client(user)
    assert client.get(reverse("records:search")).status_code == 200
    with time_machine.travel(
        datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(minutes=16)
    ):
        response = client.get(reverse("records:search"))
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("accounts:login"))


def test_an_active_session_survives_within_the_idle_limit():
    client = signed_in_client(make_user("casey"))
    with time_machine.travel(
        datetime.datetime.now(tz=datetime.UTC) + datetime.timedelta(minutes=14)
    ):
        assert client.get(reverse("records:search")).status_code == 200


def test_password_only_login_page_reaches_no_lapsed_information():
    """An expired user's password alone says nothing about their account."""
    user = make_user("casey")
    make_vetting(user, dbs_issue_date=TODAY.replace(year=TODAY.year - 4))
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": "casey", "password": "a-long-test-passphrase-42"}
    )
    assert response.headers["Location"].startswith(reverse("accounts:verify"))
