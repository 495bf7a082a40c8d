"""The review queue: decisions stick, and a shielded child never gets an unshielded duplicate."""

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.roles import Role
from audit.models import Action, AuditEvent
from feeds.matching import Incoming, match
from feeds.models import NotSamePair, ReviewItem, ReviewStatus, SourceRecord
from involvements.models import Involvement
from records.models import Child
from tests.factories import make_child, make_user, signed_in_client
from tests.feeds.test_import import row, write_csv

pytestmark = pytest.mark.django_db
DOB = datetime.date(2015, 3, 7)


@pytest.fixture
def pending(tmp_path):
    hidden = make_child("Catherine", "Whitfield", DOB, shielded=True)
    call_command(
        "import_records",
        str(write_csv(tmp_path / "f.csv", [row(date_of_birth=DOB.isoformat())])),
        "--source",
        "HEALTH",
    )
    return hidden, ReviewItem.objects.get()


def officer_client():
    return signed_in_client(make_user(roles=(Role.PRACTITIONER, Role.INDEX_TEAM)))


def test_only_the_index_team_sees_the_queue(pending):
    assert signed_in_client(make_user()).get(reverse("feeds:review_queue")).status_code == 403
    page = officer_client().get(reverse("feeds:review_queue")).content.decode()
    assert "Catherine Whitfield" in page


def test_linking_attaches_the_waiting_involvements_and_sticks(pending):
    hidden, item = pending
    client = officer_client()
    page = client.get(reverse("feeds:review_decide", args=[item.public_id])).content.decode()
    assert "The candidate is shielded" in page
    client.post(reverse("feeds:review_decide", args=[item.public_id]), {"decision": "link"})
    item.refresh_from_db()
    assert item.status == ReviewStatus.LINKED
    assert Child.objects.count() == 1 and Involvement.objects.get().child == hidden
    assert SourceRecord.objects.get(source="HEALTH").child == hidden
    again = client.post(
        reverse("feeds:review_decide", args=[item.public_id]), {"decision": "create"}
    )
    assert "already been decided" in again.content.decode()
    assert AuditEvent.objects.filter(action=Action.REVIEW_DECISION).count() == 1


def test_not_the_same_child_is_remembered(pending):
    hidden, item = pending
    officer_client().post(
        reverse("feeds:review_decide", args=[item.public_id]), {"decision": "not_same"}
    )
    assert NotSamePair.objects.filter(child=hidden).exists()
    assert Child.objects.count() == 2
    decision = match(
        Incoming(given_name="Catherine", family_name="Whitfield", date_of_birth=DOB, gender="F"),
        source="HEALTH",
        source_id="P1",
    )
    assert decision.outcome == "link" and decision.child != hidden
