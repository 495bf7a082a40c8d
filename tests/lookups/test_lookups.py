"""Mediated lookups: who asked, why, consent, what was searched and viewed, what was disclosed."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from audit.models import Action, AuditEvent
from involvements.models import Involvement, ServiceType
from lookups.models import Disclosure, MediatedLookup, Status
from tests.factories import make_child, make_involvement, make_service, make_user, signed_in_client

pytestmark = pytest.mark.django_db

CALL = {
    "caller_name": "Jo Adult",
    "caller_role": "Adult mental-health worker",
    "caller_organisation": "Adult Mental Health Trust",
    "caller_phone": "020 7946 0999",
    "identity_check": "call_back",
    "purpose": "My client has a one-year-old; I need to know who else supports the family",
    "child_description": "Alfie Brennan, about 1 year old",
    "consent": "obtained",
    "consent_detail": "Mother agreed on the phone today",
    "urgency": "routine",
}


@pytest.fixture
def officer():
    return make_user("officer", roles=(Role.PRACTITIONER, Role.INDEX_TEAM))


@pytest.fixture
def baby():
    child = make_child("Alfie", "Brennan", datetime.date.today() - datetime.timedelta(days=400))
    make_involvement(
        child,
        make_service(ServiceType.HEALTH_VISITING, name="Health Visiting Team"),
        practitioner_name="Hana Visitor",
        phone="07700 900100",
        role="Health visitor",
    )
    make_involvement(
        child,
        make_service(ServiceType.VOLUNTARY, name="Little Acorns Nursery"),
        practitioner_name="Nia Nursery",
        phone="07700 900200",
        role="Key worker",
    )
    make_involvement(
        child,
        make_service(ServiceType.MENTAL_HEALTH, name="Perinatal Secret"),
        practitioner_name="Secret Therapist",
        phone="07700 900300",
    )
    return child


def open_lookup(client):
    response = client.post(reverse("lookups:new"), CALL)
    assert response.status_code == 302, response.content.decode()[:3000]
    return MediatedLookup.objects.get()


def test_searches_and_views_in_a_lookup_are_linked_to_it_and_name_the_caller(officer, baby):
    client = signed_in_client(officer)
    lookup = open_lookup(client)
    page = client.get(reverse("records:search")).content.decode()
    assert "You are acting for Jo Adult" in page
    client.post(reverse("records:search"), {"family_name": "Brennan"})
    url = reverse("records:child", args=[baby.public_id])
    client.post(url, {"reason": "coordination"})
    client.get(url)
    linked = AuditEvent.objects.filter(details__acting_for__lookup=str(lookup.public_id))
    assert set(linked.values_list("action", flat=True)) == {Action.SEARCH, Action.RECORD_VIEW}
    assert all(e.details["acting_for"]["caller"] == "Jo Adult" for e in linked)


def test_a_lookup_cannot_disclose_what_the_policy_hides_from_the_caller(officer, baby):
    client = signed_in_client(officer)
    lookup = open_lookup(client)
    secret = Involvement.objects.get(service__name="Perinatal Secret")
    response = client.post(
        reverse("lookups:close", args=[lookup.public_id]),
        {
            "child": str(baby.public_id),
            "outcome": "disclosed",
            "disclosed": [str(secret.public_id)],
        },
    )
    assert "Select a valid choice" in response.content.decode()
    page = client.get(
        reverse("lookups:close", args=[lookup.public_id]), {"child": str(baby.public_id)}
    ).content.decode()
    assert "Health Visiting Team" in page and "Little Acorns Nursery" in page
    assert "Perinatal Secret" not in page
    assert "1 other involvement may not be disclosed" in page
    lookup.refresh_from_db()
    assert lookup.status == Status.OPEN and not Disclosure.objects.exists()


def test_nothing_about_a_shielded_child_can_be_disclosed(officer):
    hidden = make_child("Leah", "Harrington", shielded=True)
    make_involvement(hidden, make_service(ServiceType.SCHOOL, name="Refuge School"))
    client = signed_in_client(officer)
    lookup = open_lookup(client)
    page = client.get(
        reverse("lookups:close", args=[lookup.public_id]), {"child": str(hidden.public_id)}
    ).content.decode()
    assert "There is nothing you may tell the caller" in page
    assert "Refuge School" not in page


def test_closing_with_disclosures_records_exactly_what_was_told(officer, baby):
    client = signed_in_client(officer)
    lookup = open_lookup(client)
    visitor = Involvement.objects.get(service__name="Health Visiting Team")
    response = client.post(
        reverse("lookups:close", args=[lookup.public_id]),
        {
            "child": str(baby.public_id),
            "outcome": "disclosed",
            "disclosed": [str(visitor.public_id)],
        },
    )
    assert response.status_code == 302
    lookup.refresh_from_db()
    assert lookup.status == Status.CLOSED and lookup.closed_by == officer and lookup.child == baby
    disclosure = Disclosure.objects.get()
    assert (disclosure.practitioner_name, disclosure.phone) == ("Hana Visitor", "07700 900100")
    summary = client.get(reverse("lookups:summary", args=[lookup.public_id])).content.decode()
    assert "Hana Visitor" in summary and "Nia Nursery" not in summary and "Secret" not in summary
    assert "You are acting for" not in client.get(reverse("records:search")).content.decode()
    close = AuditEvent.objects.get(action=Action.LOOKUP_CLOSE)
    assert close.details["disclosed"] == [str(visitor.public_id)]


def test_an_outcome_is_required_before_closing(officer):
    client = signed_in_client(officer)
    lookup = open_lookup(client)
    response = client.post(
        reverse("lookups:close", args=[lookup.public_id]), {"outcome": "nothing"}
    )
    assert "Say why nothing was disclosed" in response.content.decode()
    response = client.post(reverse("lookups:close", args=[lookup.public_id]), {})
    assert (
        "This field is required" in response.content.decode()
        or "Select" in response.content.decode()
    )
    lookup.refresh_from_db()
    assert lookup.status == Status.OPEN
    with pytest.raises(IntegrityError), transaction.atomic():
        MediatedLookup.objects.filter(pk=lookup.pk).update(
            status="closed", closed_at=timezone.now()
        )


def test_brokering_and_referral_are_outcomes_with_a_note(officer):
    client = signed_in_client(officer)
    lookup = open_lookup(client)
    response = client.post(
        reverse("lookups:close", args=[lookup.public_id]),
        {"outcome": "brokered", "note": "Called the CAMHS worker, who will phone the caller"},
    )
    assert response.status_code == 302
    lookup.refresh_from_db()
    assert lookup.outcome == "brokered" and lookup.time_to_outcome is not None


def test_a_practitioner_asks_online_and_the_request_appears_in_the_queue(officer):
    asker = make_user("asker", roles=())
    asker.first_name, asker.last_name, asker.phone = "Ann", "Asker", "07700 900555"
    asker.save()
    response = signed_in_client(asker).post(
        reverse("lookups:ask"),
        {
            "child_description": "Sam Smith, 4",
            "purpose": "New to my caseload",
            "consent": "not_sought",
            "consent_detail": "Safeguarding concern",
            "urgency": "urgent",
        },
    )
    assert "Request sent to the index team" in response.content.decode()
    lookup = MediatedLookup.objects.get()
    assert lookup.status == Status.REQUESTED and lookup.caller_phone == "07700 900555"
    client = signed_in_client(officer)
    assert "Ann Asker" in client.get(reverse("lookups:queue")).content.decode()
    client.post(reverse("lookups:take", args=[lookup.public_id]))
    lookup.refresh_from_db()
    assert lookup.status == Status.OPEN and lookup.created_by == officer


def test_the_queue_filters_open_mine_all_and_by_outcome(officer):
    client = signed_in_client(officer)
    first = open_lookup(client)
    client.post(
        reverse("lookups:close", args=[first.public_id]),
        {"outcome": "nothing", "note": "No record"},
    )
    other = make_user("other", roles=(Role.INDEX_TEAM,))
    signed_in_client(other).post(reverse("lookups:new"), {**CALL, "caller_name": "Second Caller"})

    def names(**params):
        page = client.get(reverse("lookups:queue"), params).content.decode()
        return {name for name in ("Jo Adult", "Second Caller") if name in page}

    assert names() == {"Second Caller"}
    assert names(view="mine") == {"Jo Adult"}
    assert names(view="all") == {"Jo Adult", "Second Caller"}
    assert names(view="all", outcome="nothing") == {"Jo Adult"}


def test_an_auditor_sees_who_asked_why_consent_what_was_viewed_and_disclosed(
    officer, baby, auditor
):
    client = signed_in_client(officer)
    lookup = open_lookup(client)
    url = reverse("records:child", args=[baby.public_id])
    client.post(url, {"reason": "coordination"})
    client.get(url)
    nursery = Involvement.objects.get(service__name="Little Acorns Nursery")
    client.post(
        reverse("lookups:close", args=[lookup.public_id]),
        {
            "child": str(baby.public_id),
            "outcome": "disclosed",
            "disclosed": [str(nursery.public_id)],
        },
    )
    page = (
        signed_in_client(auditor)
        .get(reverse("lookups:detail", args=[lookup.public_id]))
        .content.decode()
    )
    for expected in (
        "Jo Adult",
        "Adult Mental Health Trust",
        "Called back on a known switchboard number",
        "Mother agreed on the phone today",
        "My client has a one-year-old",
        "Viewed a child",
        "Nia Nursery",
        "07700 900200",
    ):
        assert expected in page, expected


def test_only_the_index_team_runs_lookups(practitioner):
    client = signed_in_client(practitioner)
    assert client.get(reverse("lookups:queue")).status_code == 403
    assert client.post(reverse("lookups:new"), CALL).status_code == 403
    assert not MediatedLookup.objects.exists()


def test_opening_a_lookup_needs_the_call_details(officer):
    response = signed_in_client(officer).post(
        reverse("lookups:new"), {**CALL, "caller_phone": "", "identity_check": "other"}
    )
    page = response.content.decode()
    assert "Give a phone number or an email" in page
    assert "Say how you checked the caller" in page


def test_closing_with_a_child_reference_that_is_not_a_uuid_treats_it_as_no_child(officer):
    client = signed_in_client(officer)
    lookup = open_lookup(client)
    response = client.post(
        reverse("lookups:close", args=[lookup.public_id]), {"child": "0374-09-24", "outcome": ""}
    )
    assert response.status_code == 200
    assert "govuk-error-summary" in response.content.decode()
