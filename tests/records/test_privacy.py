"""One visibility policy for every surface: sensitive services, shielded children, identifiers."""

import datetime

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from accounts.roles import Role
from audit.models import Action, AuditEvent
from involvements.models import Involvement, ServiceType
from involvements.services import InvolvementError, involvement_consent_withdraw, involvement_record
from records.identifiers import nhs_number_valid
from records.models import ChildIdentifier, IdentifierKind, ShieldDecision
from records.services import CarerInput
from tests.factories import (
    make_child,
    make_involvement,
    make_organisation,
    make_service,
    make_user,
    signed_in_client,
)

pytestmark = pytest.mark.django_db

DOB = datetime.date(2016, 6, 6)
ROLES = {
    "practitioner": (Role.PRACTITIONER,),
    "sensitive": (Role.PRACTITIONER, Role.SENSITIVE_SERVICES),
    "override": (Role.PRACTITIONER, Role.OVERRIDE),
    "index": (Role.PRACTITIONER, Role.INDEX_TEAM),
}


@pytest.fixture
def world():
    ordinary = make_child("Amelia", "Ordinary", DOB, postcode="SE6 4RU")
    make_involvement(
        ordinary, make_service(ServiceType.SCHOOL, name="Open School"), phone="07700 900001"
    )
    sensitive = make_child("Bella", "Sensitive", DOB, postcode="SE13 5AB")
    make_involvement(
        sensitive,
        make_service(ServiceType.SEXUAL_HEALTH, name="Clinic Secret", phone="020 7946 0777"),
        practitioner_name="Nurse Hidden",
        phone="07700 900002",
    )
    shielded = make_child(
        "Cara",
        "Shielded",
        DOB,
        postcode="SE4 1NX",
        shielded=True,
        carers=[CarerInput(name="Dana Shielded", relationship="Mother", phone="07700 900003")],
    )
    make_involvement(
        shielded, make_service(ServiceType.SCHOOL, name="Refuge School"), phone="07700 900004"
    )
    return {"ordinary": ordinary, "sensitive": sensitive, "shielded": shielded}


def record_page(client, child) -> str:
    url = reverse("records:child", args=[child.public_id])
    client.post(url, {"reason": "coordination"})
    return client.get(url).content.decode()


def search_page(client, **data) -> str:
    return client.post(reverse("records:search"), data).content.decode()


@pytest.mark.parametrize("role", list(ROLES))
def test_the_record_page_shows_each_role_exactly_what_the_policy_allows(world, role):
    client = signed_in_client(make_user(roles=ROLES[role]))

    ordinary = record_page(client, world["ordinary"])
    assert "Open School" in ordinary and "07700 900001" in ordinary and "SE6 4RU" in ordinary

    sensitive = record_page(client, world["sensitive"])
    sees_sensitive = role in ("sensitive", "index")
    for secret in ("Clinic Secret", "Nurse Hidden", "07700 900002"):
        assert (secret in sensitive) is sees_sensitive, (role, secret)
    assert "020 7946 0777" not in sensitive or sees_sensitive
    assert ("A restricted service is involved" in sensitive) is not sees_sensitive

    shielded = record_page(client, world["shielded"])
    assert "Cara Shielded" in shielded and "Dana Shielded" in shielded
    sees_shielded = role == "index"
    for hidden in ("SE4", "1 High Street", "Refuge School", "07700 900004", "07700 900003"):
        assert (hidden in shielded) is sees_shielded, (role, hidden)


@pytest.mark.parametrize("role", list(ROLES))
def test_search_results_and_counts_never_betray_a_shielded_child_by_location(world, role):
    client = signed_in_client(make_user(roles=ROLES[role]))
    by_postcode = search_page(client, family_name="Shielded", postcode="SE4 1NX")
    by_district = search_page(client, given_name="Cara", postcode="SE4")
    index = role == "index"
    for page in (by_postcode, by_district):
        assert ("Cara Shielded" in page) is index
        if not index:
            assert "No children match your search" in page
    by_name = search_page(
        client,
        given_name="Cara",
        family_name="Shielded",
        dob_day="6",
        dob_month="6",
        dob_year="2016",
    )
    assert "Cara Shielded" in by_name
    assert ("SE4" in by_name) is index
    returned = AuditEvent.objects.filter(action=Action.SEARCH).order_by("-id").first()
    assert returned.details["returned"] == [str(world["shielded"].public_id)]


def test_a_sensitive_involvement_cannot_be_saved_without_a_basis(world):
    clinic = make_service(ServiceType.MENTAL_HEALTH)
    with pytest.raises(InvolvementError, match="consented or there is reasonable cause"):
        involvement_record(
            request=None,
            actor=None,
            child=world["ordinary"],
            service=clinic,
            role="CAMHS",
            start_date=DOB,
        )
    with pytest.raises(InvolvementError, match="who gave consent"):
        involvement_record(
            request=None,
            actor=None,
            child=world["ordinary"],
            service=clinic,
            role="CAMHS",
            start_date=DOB,
            basis="consent",
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Involvement.objects.create(
            child=world["ordinary"], service=clinic, role="CAMHS", start_date=DOB, is_sensitive=True
        )
    recorded = involvement_record(
        request=None,
        actor=None,
        child=world["ordinary"],
        service=clinic,
        role="CAMHS",
        start_date=DOB,
        basis="significant_harm",
        basis_by="Duty social worker",
        basis_date=DOB,
        basis_note="Strategy meeting",
    )
    assert recorded.is_sensitive and recorded.basis == "significant_harm"
    assert AuditEvent.objects.filter(action=Action.INVOLVEMENT_RECORD).count() == 1


def test_withdrawing_consent_hides_the_involvement_from_every_view_at_once(world):
    sensitive_user = make_user(roles=ROLES["sensitive"])
    client = signed_in_client(sensitive_user)
    involvement = Involvement.objects.get(child=world["sensitive"])
    response = client.post(
        reverse("involvements:withdraw_consent", args=[involvement.public_id]),
        {"note": "Told the school nurse on 6 June"},
    )
    assert response.status_code == 302
    for role in ROLES:
        page = record_page(signed_in_client(make_user(roles=ROLES[role])), world["sensitive"])
        assert "Clinic Secret" not in page and "A restricted service is involved" not in page
    assert AuditEvent.objects.filter(action=Action.CONSENT_WITHDRAW).count() == 1
    assert Involvement.objects.filter(pk=involvement.pk).exists()


def test_an_ordinary_practitioner_cannot_withdraw_consent(world):
    involvement = Involvement.objects.get(child=world["sensitive"])
    response = signed_in_client(make_user()).post(
        reverse("involvements:withdraw_consent", args=[involvement.public_id]), {"note": "x"}
    )
    assert response.status_code == 404
    involvement.refresh_from_db()
    assert involvement.withdrawn_at is None


def test_consent_can_be_withdrawn_only_once(world):
    involvement = Involvement.objects.get(child=world["sensitive"])
    actor = make_user(roles=ROLES["sensitive"])
    involvement_consent_withdraw(request=None, actor=actor, involvement=involvement, note="x")
    involvement.refresh_from_db()
    with pytest.raises(InvolvementError):
        involvement_consent_withdraw(request=None, actor=actor, involvement=involvement, note="x")


def test_the_index_team_shields_a_child_with_a_reason_and_a_review_date(
    world, django_capture_on_commit_callbacks
):
    officer = make_user(roles=ROLES["index"])
    client = signed_in_client(officer)
    child = world["ordinary"]
    page = client.get(reverse("records:shield", args=[child.public_id])).content.decode()
    default = datetime.date.today() + datetime.timedelta(days=182)
    assert f'value="{default.year}"' in page
    review = datetime.date.today() + datetime.timedelta(days=20)
    response = client.post(
        reverse("records:shield", args=[child.public_id]),
        {
            "reason": "Domestic abuse refuge",
            "review_due_0": review.day,
            "review_due_1": review.month,
            "review_due_2": review.year,
        },
    )
    assert response.status_code == 302
    child.refresh_from_db()
    assert child.is_shielded and child.shield_review_due == review
    assert ShieldDecision.objects.get(child=child).reason == "Domestic abuse refuge"
    reviews = client.get(reverse("records:shield_reviews")).content.decode()
    assert "Amelia Ordinary" in reviews
    practitioner_page = search_page(
        signed_in_client(make_user()), given_name="Amelia", postcode="SE6 4RU"
    )
    assert "Amelia Ordinary" not in practitioner_page


def test_only_the_index_team_may_shield(world):
    client = signed_in_client(make_user())
    assert (
        client.get(reverse("records:shield", args=[world["ordinary"].public_id])).status_code == 404
    )
    assert client.get(reverse("records:shield_reviews")).status_code == 403


def test_break_glass_needs_a_reason_notifies_the_index_team_and_lasts_one_view(
    world, django_capture_on_commit_callbacks
):
    index = make_user("duty", roles=ROLES["index"])
    index.email = "duty@index.example"
    index.save()
    holder = make_user("holder", roles=ROLES["override"])
    client = signed_in_client(holder)
    child = world["shielded"]
    first = record_page(client, child)
    assert "Break the glass" in first and "Refuge School" not in first

    url = reverse("records:break_glass", args=[child.public_id])
    refused = client.post(url, {"reason": ""}).content.decode()
    assert "Give the child-protection reason" in refused
    assert "Confirm that you understand" in refused
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"reason": "Child reported missing", "understood": "on"})
    opened = client.get(reverse("records:child", args=[child.public_id])).content.decode()
    assert "Refuge School" in opened and "You broke the glass" in opened

    again = client.get(reverse("records:child", args=[child.public_id])).content.decode()
    assert "Refuge School" not in again

    assert mail.outbox[0].to == ["duty@index.example"]
    assert "Child reported missing" in mail.outbox[0].body
    assert "Refuge School" not in mail.outbox[0].body
    event = AuditEvent.objects.get(action=Action.BREAK_GLASS)
    assert event.reason == "Child reported missing" and event.actor_id == holder.id


def test_users_without_the_override_right_cannot_break_the_glass(world):
    client = signed_in_client(make_user())
    assert (
        client.get(reverse("records:break_glass", args=[world["shielded"].public_id])).status_code
        == 404
    )


def test_other_agencies_identifiers_are_shown_only_to_the_issuing_organisation_and_index_team(
    world,
):
    gp = make_organisation("GP-1", "Surgery One")
    ChildIdentifier.objects.create(
        child=world["ordinary"], kind=IdentifierKind.NHS_NUMBER, value="9434765919", issued_by=gp
    )
    assert "9434765919" in record_page(
        signed_in_client(make_user(organisation=gp)), world["ordinary"]
    )
    assert "9434765919" in record_page(
        signed_in_client(make_user(roles=ROLES["index"])), world["ordinary"]
    )
    assert "9434765919" not in record_page(signed_in_client(make_user()), world["ordinary"])


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("9434765919", True),
        ("943 476 5919", True),
        ("9434765918", False),
        ("123", False),
        ("", False),
    ],
)
def test_nhs_numbers_are_checked_with_modulus_11(number, valid):
    assert nhs_number_valid(number) is valid


@given(st.text(max_size=20))
def test_nhs_number_validation_never_fails_on_any_input(text):
    assert nhs_number_valid(text) in (True, False)
