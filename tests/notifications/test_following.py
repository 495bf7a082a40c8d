"""Following children: who may follow, and what each follower is told, by the visibility
policy asked per recipient (and again when the list is read)."""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from audit.models import Action, AuditEvent
from caf.services import lead_professional_assign
from involvements.models import ServiceType
from involvements.services import involvement_consent_withdraw, involvement_end
from notifications.models import Follow, Notification
from notifications.services import FollowRefused, follow_set
from records.services import child_shield
from tests.factories import (
    make_child,
    make_involvement,
    make_organisation,
    make_service,
    make_user,
    signed_in_client,
)

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()
NOTICE = (
    "Something has changed for Leah Harrington. Details are not shown for this child: "
    "contact the index team if you need to know more."
)


@pytest.fixture
def leah():
    """A shielded child at a refuge school, with the school's teacher on the index."""
    child = make_child("Leah", "Harrington", postcode="ZZ9 9ZZ", shielded=True)
    school = make_involvement(
        child,
        make_service(ServiceType.SCHOOL, name="Sunnyhill Refuge Academy"),
        practitioner_name="Rhiannon Safehouse",
        phone="07700 900123",
    )
    return child, school


def opened(client: Client, child) -> str:
    url = reverse("records:child", args=[child.public_id])
    client.post(url, {"reason": "coordination"})
    return client.get(url).content.decode()


def test_a_practitioner_cannot_follow_a_shielded_child(leah, practitioner):
    child, _ = leah
    client = signed_in_client(practitioner)
    page = opened(client, child)
    assert "Following is not available for this child" in page
    assert "Follow this child</button>" not in page

    response = client.post(
        reverse("notifications:follow", args=[child.public_id]), {"follow": "yes"}
    )

    assert response.status_code == 404
    assert not Follow.objects.exists()
    assert (
        AuditEvent.objects.using("audit")
        .filter(action=Action.ACCESS_DENIED, object_id=str(child.public_id))
        .exists()
    )
    with pytest.raises(FollowRefused):
        follow_set(user=practitioner, child=child, following=True)


def test_the_index_team_may_follow_a_shielded_child(leah, index_officer):
    child, _ = leah
    client = signed_in_client(index_officer)
    assert "Follow this child</button>" in opened(client, child)
    client.post(reverse("notifications:follow", args=[child.public_id]), {"follow": "yes"})
    assert Follow.objects.filter(user=index_officer, child=child).exists()


def test_followers_of_a_shielded_child_outside_the_index_team_hear_only_that_something_changed(
    leah, practitioner, index_officer, django_capture_on_commit_callbacks, mailoutbox
):
    child, school = leah
    # Followed before the child was shielded: the follow stays, and hears only the notice.
    Follow.objects.create(user=practitioner, child=child)
    Follow.objects.create(user=index_officer, child=child)
    for user in (practitioner, index_officer):
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])

    with django_capture_on_commit_callbacks(execute=True):
        involvement_end(request=None, user=make_user(), involvement=school, end_date=TODAY)

    told = {note.recipient: note.message for note in Notification.objects.all()}
    assert told[practitioner] == NOTICE
    assert "Sunnyhill Refuge Academy" in told[index_officer]
    assert all("Sunnyhill" not in mail.body and "Leah" not in mail.body for mail in mailoutbox)
    page = opened(signed_in_client(practitioner), child)
    assert "You follow this child, but details are not shown" in page
    assert "Stop following this child" in page


def test_a_lead_professional_of_a_shielded_child_is_not_made_to_follow_it(leah, index_officer):
    child, school = leah
    teacher = make_user("teacher")
    school.practitioner.user = teacher
    school.practitioner.save()

    lead_professional_assign(
        request=None, actor=index_officer, child=child, involvement=school, basis="priority_need"
    )

    assert not Follow.objects.filter(user=teacher).exists()


def test_a_notification_sent_before_the_shield_shows_no_detail_afterwards(practitioner):
    child = make_child("Leah", "Harrington", postcode="ZZ9 9ZZ")
    Follow.objects.create(user=practitioner, child=child)
    school = make_involvement(
        child, make_service(ServiceType.SCHOOL, name="Sunnyhill Refuge Academy")
    )
    involvement_end(request=None, user=make_user(), involvement=school, end_date=TODAY)
    client = signed_in_client(practitioner)
    assert "Sunnyhill Refuge Academy" in client.get(reverse("notifications:list")).content.decode()

    child_shield(
        request=None,
        actor=make_user(roles=(Role.INDEX_TEAM,)),
        child=child,
        reason="Moved to a refuge",
        review_due=TODAY + datetime.timedelta(days=180),
    )

    page = client.get(reverse("notifications:list")).content.decode()
    assert "Sunnyhill Refuge Academy" not in page and NOTICE in page


def test_notifications_about_an_archived_child_are_neither_listed_nor_counted(practitioner):
    child = make_child("Leah", "Harrington")
    Notification.objects.create(recipient=practitioner, child=child, message="Old news of Leah")
    child.archived_on = TODAY
    child.save(update_fields=["archived_on"])
    client = signed_in_client(practitioner)
    assert " unread" not in client.get(reverse("records:search")).content.decode()
    assert "Old news of Leah" not in client.get(reverse("notifications:list")).content.decode()


def test_withdrawing_consent_removes_the_notifications_about_that_involvement(practitioner):
    child = make_child("Carol", "Openshaw")
    Follow.objects.create(user=practitioner, child=child)
    clinic = make_involvement(
        child, make_service(ServiceType.SEXUAL_HEALTH, name="Brookside Sexual Health Clinic")
    )
    other = make_involvement(child, make_service(ServiceType.YOUTH, name="Open Door Youth Club"))
    nurse = make_user()
    involvement_end(request=None, user=nurse, involvement=clinic, end_date=TODAY)
    involvement_end(request=None, user=nurse, involvement=other, end_date=TODAY)
    assert Notification.objects.filter(message__contains="restricted service").count() == 1

    involvement_consent_withdraw(
        request=None,
        actor=make_user(roles=(Role.SENSITIVE_SERVICES,)),
        involvement=clinic,
        note="x",
    )

    assert [note.message for note in Notification.objects.all()] == [
        "Pat Example (Class teacher, Open Door Youth Club) stopped working with Carol Openshaw."
    ]


def test_involvements_from_the_api_and_from_an_import_tell_the_followers(
    practitioner, index_officer, tmp_path
):
    carol = make_child("Carol", "Openshaw", datetime.date(2012, 5, 1))
    leah = make_child("Leah", "Harrington", datetime.date(2014, 6, 2), shielded=True)
    for child in (carol, leah):
        Follow.objects.create(user=practitioner, child=child)
        Follow.objects.create(user=index_officer, child=child)
    make_organisation("EDU-SYS", "Education system")
    out = io.StringIO()
    call_command("create_integration_client", "schoolsys", "--organisation", "EDU-SYS", stdout=out)
    token = out.getvalue().strip().splitlines()[-1]

    def put(ref: str, child, **extra: str) -> int:
        body = {
            "child_id": str(child.public_id),
            "service_code": "BEACON",
            "service_name": "Beacon Family Hub",
            "service_type": "voluntary",
            "practitioner_name": "Idris Beacon",
            "practitioner_role": "Family support worker",
            "start_date": (TODAY - datetime.timedelta(days=1)).isoformat(),
            **extra,
        }
        return (
            Client()
            .put(
                f"/api/v1/involvements/{ref}",
                json.dumps(body),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {token}",
            )
            .status_code
        )

    assert put("E1", carol) == 201
    assert put("E1", carol) == 200  # repeated: nothing new to tell
    assert put("E2", leah) == 201
    assert put("E2", leah, end_date=TODAY.isoformat()) == 200

    def told(user) -> list[str]:
        return list(
            Notification.objects.filter(recipient=user)
            .order_by("id")
            .values_list("message", flat=True)
        )

    assert told(practitioner) == [
        "Idris Beacon (Family support worker, Beacon Family Hub) started working with "
        "Carol Openshaw.",
        NOTICE,
        NOTICE,
    ]
    assert told(index_officer)[1:] == [
        "Idris Beacon (Family support worker, Beacon Family Hub) started working with "
        "Leah Harrington.",
        "Idris Beacon (Family support worker, Beacon Family Hub) stopped working with "
        "Leah Harrington.",
    ]

    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        json.dumps(
            {
                "source_id": "C1",
                "given_name": "Carol",
                "family_name": "Openshaw",
                "date_of_birth": "2012-05-01",
                "gender": "F",
                "service_code": "WREN",
                "service_name": "Wren Reading Club",
                "service_type": "voluntary",
                "practitioner_name": "Wendy Wren",
                "practitioner_role": "Reading volunteer",
                "involvement_start": (TODAY - datetime.timedelta(days=1)).isoformat(),
            }
        )
        + "\n",
        encoding="utf-8",
    )
    call_command("import_records", str(feed), "--source", "mis", stdout=io.StringIO())
    call_command("import_records", str(feed), "--source", "mis", stdout=io.StringIO())
    assert told(practitioner)[3:] == [
        "Wendy Wren (Reading volunteer, Wren Reading Club) started working with Carol Openshaw."
    ]
