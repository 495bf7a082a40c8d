"""Separation of duties: nobody vets, authorises or issues an activation code for their own
account, whatever their roles; a second person does it. Every refusal is audited and the
event survives the rollback of the refused action."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.lifecycle import (
    LifecycleError,
    account_authorise,
    account_reactivate,
    activation_code_issue,
    vetting_record_authorisation,
    vetting_record_dbs,
    vetting_record_training,
)
from accounts.models import AccountStatus, ActivationCode, User, Vetting, hash_code
from accounts.roles import Role
from audit.models import Action, AuditEvent, Outcome
from tests.factories import PASSWORD, make_user, signed_in_client

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def denials(user: User, action: str) -> list[AuditEvent]:
    # Denials are written on their own connection, committed whatever the request does.
    return list(
        AuditEvent.objects.using("audit").filter(
            action=action, outcome=Outcome.DENIED, object_id=str(user.public_id)
        )
    )


@pytest.fixture(params=["organisation administrator", "service operator", "superuser"])
def administrator(request, organisation_a) -> User:
    """Someone who may manage accounts, in each of the ways one can be an administrator."""
    roles = {
        "organisation administrator": (Role.ORG_ADMIN,),
        "service operator": (Role.GLOBAL_ADMIN,),
        "superuser": (Role.GLOBAL_ADMIN, Role.ORG_ADMIN, Role.INDEX_TEAM),
    }[request.param]
    admin = make_user(f"admin-{request.param[:5]}", roles=roles, organisation=organisation_a)
    admin.first_name, admin.last_name = "Nia", "Roberts"
    admin.is_staff = admin.is_superuser = request.param == "superuser"
    admin.save()
    return admin


@pytest.fixture
def second_admin(organisation_a) -> User:
    return make_user("second-admin", roles=(Role.ORG_ADMIN,), organisation=organisation_a)


def test_nobody_records_vetting_evidence_for_their_own_account(administrator):
    before = Vetting.objects.get(user=administrator)
    attempts = [
        (
            "dbs",
            lambda: vetting_record_dbs(
                request=None,
                admin=administrator,
                user=administrator,
                certificate_number="999999999999",
                issue_date=TODAY,
            ),
        ),
        (
            "authorisation",
            lambda: vetting_record_authorisation(
                request=None,
                admin=administrator,
                user=administrator,
                manager_name="Someone Senior",
                authorised_on=TODAY,
            ),
        ),
        (
            "training",
            lambda: vetting_record_training(
                request=None, admin=administrator, user=administrator, completed_on=TODAY
            ),
        ),
    ]
    for _item, attempt in attempts:
        with pytest.raises(LifecycleError, match="your own account"):
            attempt()

    after = Vetting.objects.get(user=administrator)
    assert after.dbs_certificate_number == before.dbs_certificate_number == "001234567890"
    assert after.manager_name == "A Manager"
    assert after.training_completed_on == before.training_completed_on
    assert (after.dbs_recorded_by, after.manager_recorded_by, after.training_recorded_by) == (
        None,
        None,
        None,
    )
    refused = denials(administrator, Action.VETTING_RECORD)
    assert [event.details["item"] for event in refused] == ["dbs", "authorisation", "training"]
    assert {event.reason for event in refused} == {"separation of duties: own account"}
    assert {event.actor_id for event in refused} == {administrator.pk}
    assert not AuditEvent.objects.filter(action=Action.VETTING_RECORD).exists()


def test_nobody_authorises_their_own_account(administrator):
    administrator.status = AccountStatus.VETTING
    administrator.save()

    with pytest.raises(LifecycleError, match="cannot authorise your own account"):
        account_authorise(request=None, admin=administrator, user=administrator)

    administrator.refresh_from_db()
    assert administrator.status == AccountStatus.VETTING
    assert not ActivationCode.objects.filter(user=administrator).exists()
    assert len(denials(administrator, Action.ACCOUNT_AUTHORISE)) == 1


def test_nobody_issues_an_activation_code_for_their_own_account(administrator):
    with pytest.raises(LifecycleError, match="cannot issue an activation code for your own"):
        activation_code_issue(request=None, admin=administrator, user=administrator)

    assert not ActivationCode.objects.filter(user=administrator).exists()
    (event,) = denials(administrator, Action.ACTIVATION_ISSUE)
    assert event.actor_username == administrator.username


def test_nobody_reactivates_their_own_account(administrator):
    administrator.status = AccountStatus.EXPIRED
    administrator.save()
    with pytest.raises(LifecycleError, match="your own account"):
        account_reactivate(request=None, admin=administrator, user=administrator)
    administrator.refresh_from_db()
    assert administrator.status == AccountStatus.EXPIRED
    assert len(denials(administrator, Action.ACCOUNT_REACTIVATE)) == 1


def test_a_second_administrator_does_it_instead(administrator, second_admin):
    code = activation_code_issue(request=None, admin=second_admin, user=administrator)
    vetting_record_training(
        request=None, admin=second_admin, user=administrator, completed_on=TODAY
    )

    assert ActivationCode.objects.get(user=administrator).issued_by == second_admin
    assert len(code) == 14
    assert Vetting.objects.get(user=administrator).training_recorded_by == second_admin
    assert not denials(administrator, Action.ACTIVATION_ISSUE)


@pytest.mark.parametrize(
    "manager_name",
    [
        "myself",
        "Me",
        "  NIA   roberts ",
        "Roberts, Nia",
        "Dr Nïa Roberts (Head of Year)",
        "nia.roberts@org-a.example",
    ],
)
def test_the_manager_named_for_authorisation_cannot_be_the_user(
    second_admin, organisation_a, manager_name
):
    user = make_user("nia.roberts@org-a.example", organisation=organisation_a, vetted=False)
    user.first_name, user.last_name, user.email = "Nia", "Roberts", "nia.roberts@org-a.example"
    user.save()

    with pytest.raises(LifecycleError, match="must be someone else"):
        vetting_record_authorisation(
            request=None,
            admin=second_admin,
            user=user,
            manager_name=manager_name,
            authorised_on=TODAY,
        )

    assert not Vetting.objects.filter(user=user).exists()
    (event,) = denials(user, Action.VETTING_RECORD)
    assert event.reason == "separation of duties: the manager named is the user"
    assert event.actor_id == second_admin.pk


@pytest.mark.parametrize("manager_name", ["Head Teacher", "Nia's head of year", "Sam Roberts"])
def test_a_manager_who_only_shares_part_of_the_users_name_is_accepted(
    second_admin, organisation_a, manager_name
):
    user = make_user("nia", organisation=organisation_a, vetted=False)
    user.first_name, user.last_name = "Nia", "Roberts"
    user.save()
    vetting = vetting_record_authorisation(
        request=None, admin=second_admin, user=user, manager_name=manager_name, authorised_on=TODAY
    )
    assert vetting.manager_name == manager_name


def test_evidence_a_user_recorded_for_themselves_does_not_count_towards_authorising(
    second_admin, organisation_a
):
    # As an administrator could before separation of duties was enforced.
    user = make_user("legacy", organisation=organisation_a, status=AccountStatus.VETTING)
    Vetting.objects.filter(user=user).update(dbs_recorded_by=user)

    with pytest.raises(LifecycleError, match="DBS check was recorded by the user themselves"):
        account_authorise(request=None, admin=second_admin, user=user)
    user.refresh_from_db()
    assert user.status == AccountStatus.VETTING


def test_an_activation_code_the_user_issued_themselves_enrols_nothing(organisation_a):
    user = make_user("self-issuer", organisation=organisation_a, roles=(Role.ORG_ADMIN,))
    ActivationCode.objects.create(
        user=user,
        code_hash=hash_code("SELF-ISSU-ED00"),
        issued_by=user,
        expires_at=timezone.now() + datetime.timedelta(hours=1),
    )
    client = Client()
    client.post(reverse("accounts:login"), {"username": user.username, "password": PASSWORD})

    page = client.post(reverse("accounts:enrol"), {"code": "SELF-ISSU-ED00"}).content.decode()

    assert "You cannot use an activation code you issued yourself" in page
    assert "govuk-error-summary" in page
    assert TOTPDevice.objects.filter(user=user).count() == 1  # only the one it had
    event = AuditEvent.objects.using("audit").get(action=Action.DEVICE_ENROL, actor_id=user.pk)
    assert event.outcome == Outcome.DENIED


OWN_ACCOUNT_PAGES = [
    ("accounts:admin_vetting", {"item": "dbs"}, "GET", Action.VETTING_RECORD),
    ("accounts:admin_vetting", {"item": "authorisation"}, "POST", Action.VETTING_RECORD),
    ("accounts:admin_authorise", {}, "POST", Action.ACCOUNT_AUTHORISE),
    ("accounts:admin_activation", {}, "POST", Action.ACTIVATION_ISSUE),
    ("accounts:admin_reactivate", {}, "POST", Action.ACCOUNT_REACTIVATE),
    ("accounts:admin_suspend", {}, "POST", Action.ACCOUNT_SUSPEND),
    ("accounts:admin_roles", {}, "POST", Action.ROLES_CHANGE),
]


@pytest.mark.parametrize(("name", "extra", "method", "action"), OWN_ACCOUNT_PAGES)
def test_the_pages_refuse_an_administrators_own_account_with_a_clear_error(
    administrator, name, extra, method, action
):
    client = signed_in_client(administrator)
    url = reverse(name, kwargs={"public_id": administrator.public_id, **extra})
    data = {
        "certificate_number": "999999999999",
        "manager_name": "Someone Senior",
        "authorised_on_0": TODAY.day,
        "authorised_on_1": TODAY.month,
        "authorised_on_2": TODAY.year,
        "reason": "testing",
        "roles": ["index_team", "auditor"],
    }
    response = client.post(url, data) if method == "POST" else client.get(url)

    assert response.status_code == 403
    page = response.content.decode()
    assert "govuk-error-summary" in page
    assert "You cannot do this for your own account" in page
    assert "Another administrator or the service operator must do it" in page
    assert "<form" not in page.split('id="own-account"')[1]
    administrator.refresh_from_db()
    administrator._role_names = None
    assert administrator.status == AccountStatus.ACTIVE
    assert "auditor" not in administrator.role_names()
    assert not ActivationCode.objects.filter(user=administrator).exists()
    assert Vetting.objects.get(user=administrator).dbs_certificate_number == "001234567890"
    (event,) = denials(administrator, action)
    assert event.details["path"] == url
    assert event.request_id == response.headers["X-Request-ID"]


def test_an_administrators_own_page_offers_no_vetting_or_account_actions(administrator):
    page = signed_in_client(administrator).get(
        reverse("accounts:admin_user", kwargs={"public_id": administrator.public_id})
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "This is your own account" in html
    assert reverse("accounts:admin_vetting", args=[administrator.public_id, "dbs"]) not in html
    for name in ("admin_authorise", "admin_activation", "admin_suspend", "admin_roles"):
        assert reverse(f"accounts:{name}", args=[administrator.public_id]) not in html


@pytest.fixture
def superuser(organisation_a) -> User:
    user = make_user("root", roles=(Role.ORG_ADMIN,), organisation=organisation_a)
    user.is_staff = user.is_superuser = True
    user.save()
    return user


def test_the_django_admin_does_not_let_anyone_change_what_their_own_account_may_do(superuser):
    client = signed_in_client(superuser)
    url = reverse("admin:accounts_user_change", args=[superuser.pk])
    form = client.get(url).content.decode()
    assert 'name="groups"' not in form and 'name="is_superuser"' not in form

    index_team, _ = Group.objects.get_or_create(name=Role.INDEX_TEAM.value)
    client.post(
        url,
        {
            "username": superuser.username,
            "first_name": "Root",
            "last_name": "User",
            "email": "",
            "groups": [index_team.pk],
            "is_active": "on",
            "organisation": superuser.organisation_id,
            "date_joined_0": "2026-01-01",
            "date_joined_1": "09:00:00",
        },
    )
    superuser.refresh_from_db()
    superuser._role_names = None
    assert superuser.first_name == "Root"  # the form was saved...
    assert superuser.role_names() == {Role.ORG_ADMIN.value}  # ...but not the roles


def test_the_django_admin_does_not_enrol_or_edit_second_factors(superuser):
    client = signed_in_client(superuser)
    device = TOTPDevice.objects.get(user=superuser)
    assert client.get(reverse("admin:otp_totp_totpdevice_add")).status_code == 403
    change = client.post(
        reverse("admin:otp_totp_totpdevice_change", args=[device.pk]),
        {"user": superuser.pk, "name": "Mine now", "key": "00" * 20, "confirmed": "on"},
    )
    assert change.status_code == 403
    listing = client.get(reverse("admin:otp_totp_totpdevice_changelist")).content.decode()
    assert device.key not in listing
    device.refresh_from_db()
    assert device.name == "Test authenticator"


def test_the_django_admin_still_lets_a_superuser_manage_someone_elses_roles(
    superuser, organisation_a
):
    other = make_user("other", organisation=organisation_a)
    form = signed_in_client(superuser).get(reverse("admin:accounts_user_change", args=[other.pk]))
    assert 'name="groups"' in form.content.decode()
