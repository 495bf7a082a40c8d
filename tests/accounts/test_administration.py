"""Administrator pages: the permission ladder for every page, and what administrators may not do."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AccountStatus, User
from accounts.roles import Role
from audit.models import Action, AuditEvent
from tests.factories import make_organisation, make_user, make_vetting, signed_in_client

pytestmark = pytest.mark.django_db

# (url name, needs a user id, extra kwargs, methods that work)
ADMIN_PAGES = [
    ("accounts:admin_user", {}, "GET"),
    ("accounts:admin_vetting", {"item": "dbs"}, "GET"),
    ("accounts:admin_authorise", {}, "GET"),
    ("accounts:admin_suspend", {}, "GET"),
    ("accounts:admin_close", {}, "GET"),
    ("accounts:admin_roles", {}, "GET"),
    ("accounts:admin_activation", {}, "POST"),
    ("accounts:admin_reactivate", {}, "POST"),
]


def url(name: str, target: User, extra: dict) -> str:
    return reverse(name, kwargs={"public_id": target.public_id, **extra})


@pytest.fixture
def colleague(organisation_a):
    return make_user("colleague", organisation=organisation_a)


@pytest.fixture
def stranger():
    return make_user("stranger", organisation=make_organisation("ORG-B", "Organisation B"))


@pytest.mark.parametrize(("name", "extra", "method"), ADMIN_PAGES)
def test_an_administrator_reaches_their_own_organisations_users(
    admin_of_a, colleague, name, extra, method
):
    client = signed_in_client(admin_of_a)
    response = getattr(client, method.lower())(url(name, colleague, extra))
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert response.headers["Location"] == url("accounts:admin_user", colleague, {})


@pytest.mark.parametrize(("name", "extra", "method"), ADMIN_PAGES)
def test_another_organisations_user_looks_like_a_missing_page(
    admin_of_a, stranger, name, extra, method
):
    client = signed_in_client(admin_of_a)
    response = getattr(client, method.lower())(url(name, stranger, extra))
    assert response.status_code == 404
    assert "stranger" not in response.content.decode()
    assert (
        AuditEvent.objects.using("audit")
        .filter(action=Action.ACCESS_DENIED, actor_id=admin_of_a.id)
        .exists()
    )


@pytest.mark.parametrize(("name", "extra", "method"), ADMIN_PAGES)
def test_non_administrators_are_refused(practitioner, colleague, name, extra, method):
    response = getattr(signed_in_client(practitioner), method.lower())(url(name, colleague, extra))
    assert response.status_code == 403
    assert (
        AuditEvent.objects.using("audit")
        .filter(action=Action.ACCESS_DENIED, actor_id=practitioner.id)
        .exists()
    )


@pytest.mark.parametrize(("name", "extra", "method"), ADMIN_PAGES)
def test_anonymous_users_are_sent_to_sign_in(colleague, name, extra, method):
    response = getattr(Client(), method.lower())(url(name, colleague, extra))
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(("name", "extra", "method"), ADMIN_PAGES)
def test_wrong_methods_are_refused(admin_of_a, colleague, name, extra, method):
    response = signed_in_client(admin_of_a).put(url(name, colleague, extra))
    assert response.status_code == 405


def test_the_user_list_shows_only_the_administrators_organisation(admin_of_a, colleague, stranger):
    page = signed_in_client(admin_of_a).get(reverse("accounts:admin_users")).content.decode()
    assert "colleague" not in page or colleague.get_full_name() in page
    assert str(colleague.public_id) in page
    assert str(stranger.public_id) not in page


def test_the_user_list_filters_by_status_role_and_expiring_soon(admin_of_a, organisation_a):
    soon = make_user("soon", organisation=organisation_a, roles=(Role.OVERRIDE,))
    today = datetime.date.today()
    make_vetting(
        soon, dbs_issue_date=today.replace(year=today.year - 3) + datetime.timedelta(days=10)
    )
    later = make_user("later", organisation=organisation_a)
    suspended = make_user("gone", organisation=organisation_a, status=AccountStatus.SUSPENDED)
    client = signed_in_client(admin_of_a)

    def listed(**params):
        page = client.get(reverse("accounts:admin_users"), params).content.decode()
        return {u.username for u in (soon, later, suspended) if str(u.public_id) in page}

    assert listed(expiring="on") == {"soon"}
    assert listed(status="suspended") == {"gone"}
    assert listed(role="cp_override") == {"soon"}
    assert listed() == {"soon", "later", "gone"}


def test_an_administrator_cannot_give_themselves_a_role(admin_of_a):
    client = signed_in_client(admin_of_a)
    target = url("accounts:admin_roles", admin_of_a, {})
    assert client.get(target).status_code == 403
    response = client.post(target, {"roles": ["practitioner", "org_admin"]})
    assert response.status_code == 403
    admin_of_a._role_names = None
    assert admin_of_a.role_names() == {"org_admin"}


def test_an_organisation_administrator_cannot_grant_service_wide_roles(admin_of_a, colleague):
    client = signed_in_client(admin_of_a)
    page = client.get(url("accounts:admin_roles", colleague, {})).content.decode()
    assert 'value="index_team"' not in page and 'value="auditor"' not in page
    response = client.post(url("accounts:admin_roles", colleague, {}), {"roles": ["index_team"]})
    assert response.status_code == 200
    colleague._role_names = None
    assert "index_team" not in colleague.role_names()


def test_roles_are_granted_and_removed_and_audited(admin_of_a, colleague):
    client = signed_in_client(admin_of_a)
    client.post(
        url("accounts:admin_roles", colleague, {}), {"roles": ["practitioner", "cp_override"]}
    )
    colleague._role_names = None
    assert colleague.role_names() == {"practitioner", "cp_override"}
    event = AuditEvent.objects.get(action=Action.ROLES_CHANGE)
    assert event.details["added"] == ["cp_override"]


def test_the_administrator_role_reads_no_child_records(admin_of_a):
    from tests.factories import make_child

    child = make_child()
    client = signed_in_client(admin_of_a)
    assert client.get(reverse("records:search")).status_code == 403
    assert client.get(reverse("records:child", args=[child.public_id])).status_code == 404


def test_a_global_administrator_manages_every_organisation(stranger):
    operator = make_user("operator", roles=(Role.GLOBAL_ADMIN,))
    client = signed_in_client(operator)
    assert client.get(url("accounts:admin_user", stranger, {})).status_code == 200
    response = client.post(url("accounts:admin_roles", stranger, {}), {"roles": ["index_team"]})
    assert response.status_code == 302
    stranger._role_names = None
    assert "index_team" in stranger.role_names()


def test_the_full_journey_through_the_pages(admin_of_a, practitioner):
    requester = signed_in_client(practitioner)
    response = requester.post(
        reverse("accounts:request_account"),
        {
            "first_name": "Nia",
            "last_name": "Roberts",
            "email": "nia@org-a.example",
            "job_title": "Learning mentor",
            "manager_name": "Head Teacher",
        },
    )
    assert "Request sent" in response.content.decode()
    new = User.objects.get(email="nia@org-a.example")
    assert new.status == AccountStatus.REQUESTED and new.organisation == admin_of_a.organisation

    client = signed_in_client(admin_of_a)
    queue = client.get(reverse("accounts:admin_review")).content.decode()
    assert "Nia Roberts" in queue
    today = datetime.date.today()
    date = {"_0": today.day, "_1": today.month, "_2": today.year}
    client.post(
        url("accounts:admin_vetting", new, {"item": "dbs"}),
        {"certificate_number": "001234567890", **{f"issue_date{k}": v for k, v in date.items()}},
    )
    client.post(
        url("accounts:admin_vetting", new, {"item": "authorisation"}),
        {"manager_name": "Head Teacher", **{f"authorised_on{k}": v for k, v in date.items()}},
    )
    client.post(
        url("accounts:admin_vetting", new, {"item": "training"}),
        {f"completed_on{k}": v for k, v in date.items()},
    )
    client.post(url("accounts:admin_roles", new, {}), {"roles": ["practitioner"]})
    response = client.post(url("accounts:admin_authorise", new, {}))
    assert "Activation code" in response.content.decode()
    new.refresh_from_db()
    assert new.status == AccountStatus.AWAITING_ENROLMENT

    response = client.post(url("accounts:admin_suspend", new, {}), {"reason": ""})
    assert "Give the reason" in response.content.decode()
    client.post(url("accounts:admin_suspend", new, {}), {"reason": "Left the school"})
    new.refresh_from_db()
    assert new.status == AccountStatus.SUSPENDED


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"certificate_number": "12345"}, "12 digits on the certificate"),
        (
            {
                "certificate_number": "001234567890",
                "issue_date_0": "31",
                "issue_date_1": "2",
                "issue_date_2": "2024",
            },
            "must be a real date",
        ),
        (
            {"certificate_number": "001234567890", "issue_date_0": "1", "issue_date_2": "2024"},
            "must include a day, month and year",
        ),
        (
            {
                "certificate_number": "001234567890",
                "issue_date_0": "1",
                "issue_date_1": "1",
                "issue_date_2": "2999",
            },
            "today or in the past",
        ),
        ({"certificate_number": "001234567890"}, "Enter the date of issue"),
    ],
)
def test_bad_vetting_evidence_gets_a_clear_message(admin_of_a, colleague, data, message):
    response = signed_in_client(admin_of_a).post(
        url("accounts:admin_vetting", colleague, {"item": "dbs"}), data
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not AuditEvent.objects.filter(action=Action.VETTING_RECORD).exists()


def test_a_date_with_an_enormous_year_is_an_error_message_not_a_crash():
    from accounts.forms import TrainingForm

    form = TrainingForm({"completed_on_0": "1", "completed_on_1": "1", "completed_on_2": "9" * 12})
    assert not form.is_valid()
    assert form.errors["completed_on"] == ["Date training was completed must be a real date"]


def test_a_required_date_entered_as_spaces_is_missing_not_a_crash():
    from records.forms import ShieldForm

    form = ShieldForm({"reason": "Fleeing violence", "review_due_1": " "})
    assert not form.is_valid()
    assert form.errors["review_due"] == ["Enter the review the shield by"]
