"""Merging duplicates and undoing a wrong merge preserve every involvement and the audit trail."""

import datetime

import pytest
from django.urls import reverse

from accounts.roles import Role
from audit.models import Action, AuditEvent
from feeds.merging import MergeRefused, child_merge, child_unmerge
from feeds.models import ChildMerge
from involvements.models import Involvement
from records.models import Child, ChildName
from tests.factories import make_child, make_involvement, make_user, signed_in_client

pytestmark = pytest.mark.django_db
DOB = datetime.date(2015, 3, 7)


def test_merge_and_unmerge_round_trip():
    kept = make_child("Catherine", "Whitfield", DOB, postcode="SE6 4RU")
    duplicate = make_child("Kathryn", "Whitfield", DOB, postcode="SE6 1AA")
    make_involvement(kept, practitioner_name="Kept Worker")
    make_involvement(duplicate, practitioner_name="Duplicate Worker")
    actor = make_user(roles=(Role.INDEX_TEAM,))

    record = child_merge(
        request=None, actor=actor, kept=kept, duplicate=duplicate, reason="Same NHS number"
    )

    assert set(
        Involvement.objects.filter(child=kept).values_list("practitioner__name", flat=True)
    ) == {"Kept Worker", "Duplicate Worker"}
    assert ChildName.objects.filter(child=kept, kind="current").count() == 1
    assert kept.addresses.filter(status__in=["current", "last_known"]).count() == 1
    duplicate.refresh_from_db()
    assert duplicate.merged_into == kept
    client = signed_in_client(make_user())
    page = client.post(reverse("records:search"), {"family_name": "Whitfield"}).content.decode()
    assert page.count("Whitfield</a>") == 1

    child_unmerge(request=None, actor=actor, merge=record, reason="Wrong merge")

    duplicate.refresh_from_db()
    assert duplicate.merged_into is None
    assert list(
        Involvement.objects.filter(child=duplicate).values_list("practitioner__name", flat=True)
    ) == ["Duplicate Worker"]
    assert ChildName.objects.filter(child=duplicate, kind="current").count() == 1
    assert duplicate.addresses.filter(status="current").count() == 1
    assert list(
        AuditEvent.objects.filter(
            action__in=[Action.CHILD_MERGE, Action.CHILD_UNMERGE]
        ).values_list("action", flat=True)
    ) == [Action.CHILD_MERGE, Action.CHILD_UNMERGE]
    with pytest.raises(MergeRefused):
        child_unmerge(request=None, actor=actor, merge=record, reason="again")


def test_a_merge_never_unshields_a_child():
    kept = make_child("Catherine", "Whitfield", DOB)
    hidden = make_child("Catherine", "Whitfield", DOB, shielded=True)
    child_merge(request=None, actor=make_user(), kept=kept, duplicate=hidden, reason="duplicate")
    kept.refresh_from_db()
    assert kept.is_shielded


def test_the_index_team_merges_through_the_page():
    kept = make_child("Catherine", "Whitfield", DOB)
    duplicate = make_child("Cathy", "Whitfield", DOB)
    client = signed_in_client(make_user(roles=(Role.PRACTITIONER, Role.INDEX_TEAM)))
    url = reverse("feeds:merge", args=[kept.public_id])
    compare = client.post(url, {"duplicate": str(duplicate.public_id)}).content.decode()
    assert "Merge the records" in compare
    refused = client.post(
        url, {"duplicate": str(duplicate.public_id), "confirm": "yes", "reason": ""}
    )
    assert "Give the reason" in refused.content.decode()
    client.post(
        url, {"duplicate": str(duplicate.public_id), "confirm": "yes", "reason": "Same child"}
    )
    assert ChildMerge.objects.count() == 1
    assert signed_in_client(make_user()).get(url).status_code == 403
    assert Child.objects.filter(merged_into__isnull=True).count() == 1


def test_a_reason_with_a_nul_byte_is_refused_with_a_message_not_a_server_error():
    kept = make_child("Catherine", "Whitfield", DOB)
    duplicate = make_child("Cathy", "Whitfield", DOB)
    client = signed_in_client(make_user(roles=(Role.PRACTITIONER, Role.INDEX_TEAM)))
    url = reverse("feeds:merge", args=[kept.public_id])
    refused = client.post(
        url, {"duplicate": str(duplicate.public_id), "confirm": "yes", "reason": "Same\x00child"}
    )
    assert refused.status_code == 200
    assert "cannot contain a NUL character" in refused.content.decode()
    assert ChildMerge.objects.count() == 0
