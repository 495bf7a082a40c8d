"""Subject access: everything held on a child and every access, for the index team; audited."""

import csv
import io

import pytest
from django.urls import reverse

from accounts.roles import Role
from audit.models import Action, AuditEvent
from notifications.models import Notification
from reports.subject_access import child_linked_models
from tests.factories import make_child, make_involvement, make_user, signed_in_client

pytestmark = pytest.mark.django_db

# Every model that refers to a child, reviewed for subject access. A new model linked to a
# child makes this test fail until someone decides how the export should show it.
REVIEWED = {
    ("caf.CafVersion", "child"),
    ("caf.LeadProfessional", "child"),
    ("feeds.ChildMerge", "kept"),
    ("feeds.ChildMerge", "merged"),
    ("feeds.NotSamePair", "child"),
    ("feeds.ReviewItem", "candidate"),
    ("feeds.SourceDuplicate", "child"),
    ("feeds.SourceDuplicate", "other_child"),
    ("feeds.SourceRecord", "child"),
    ("involvements.Involvement", "child"),
    ("lookups.MediatedLookup", "child"),
    ("notifications.Follow", "child"),
    ("notifications.Notification", "child"),
    ("records.Address", "child"),
    ("records.Carer", "child"),
    ("records.Child", "merged_into"),
    ("records.ChildIdentifier", "child"),
    ("records.ChildName", "child"),
    ("records.ShieldDecision", "child"),
}


def test_every_model_linked_to_a_child_is_in_the_export():
    assert {(m._meta.label, f) for m, f in child_linked_models()} == REVIEWED


def test_the_export_holds_the_childs_data_and_every_access_and_is_audited(practitioner):
    child = make_child("Catherine", "Whitfield", former=[("Catherine", "Moss")])
    make_involvement(child, practitioner_name="Clare Teacher", phone="07700 900111")
    Notification.objects.create(recipient=practitioner, child=child, message="=HYPERLINK(bad)")
    looker = signed_in_client(practitioner)
    url = reverse("records:child", args=[child.public_id])
    looker.post(url, {"reason": "safeguarding"})
    looker.get(url)
    officer = signed_in_client(make_user(roles=(Role.PRACTITIONER, Role.INDEX_TEAM)))

    page = officer.get(reverse("reports:subject_access", args=[child.public_id])).content.decode()
    for expected in (
        "Catherine",
        "Moss",
        "Clare Teacher",
        "1 High Street",
        "Every access to this record",
        practitioner.username,
        "Safeguarding concern",
    ):
        assert expected in page, expected

    response = officer.get(
        reverse("reports:subject_access", args=[child.public_id]), {"format": "csv"}
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert [cell for row in rows for cell in row if "HYPERLINK" in cell] == ["'=HYPERLINK(bad)"]
    assert (
        AuditEvent.objects.filter(action=Action.EXPORT, object_id=str(child.public_id)).count() == 2
    )


def test_only_the_index_team_exports(practitioner):
    child = make_child()
    assert (
        signed_in_client(practitioner)
        .get(reverse("reports:subject_access", args=[child.public_id]))
        .status_code
        == 403
    )
