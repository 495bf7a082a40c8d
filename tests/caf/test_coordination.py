"""CAF versions, the lead professional, coordination prompts, own involvements and notifications."""

import datetime

import pytest
from django.core import mail
from django.db import DatabaseError, IntegrityError, transaction
from django.urls import reverse

from accounts.roles import Role
from caf.models import CafVersion, LeadProfessional
from caf.prompts import prompts_for
from caf.services import CoordinationError, caf_record, lead_professional_assign
from involvements.models import Involvement, ServiceType
from involvements.services import _describe_for_followers
from notifications.models import Notification
from notifications.services import follow_set
from tests.factories import make_child, make_involvement, make_service, make_user, signed_in_client

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def years_ago(n: float) -> datetime.date:
    return TODAY - datetime.timedelta(days=int(n * 365.25))


@pytest.fixture
def carol():
    child = make_child("Carol", "Whitfield", years_ago(9.4))
    school = make_involvement(
        child,
        make_service(ServiceType.SCHOOL, name="Rivermead Primary"),
        practitioner_name="Clare Teacher",
    )
    social = make_involvement(
        child,
        make_service(ServiceType.SOCIAL_CARE, name="Social Care"),
        practitioner_name="Dee Social",
        role="Social worker",
    )
    return child, school, social


def test_caf_versions_are_only_added_and_the_database_refuses_edits(carol):
    child, school, _ = carol
    actor = make_user()
    first = caf_record(
        request=None,
        actor=actor,
        child=child,
        holder=school,
        status="in_progress",
        started_on=TODAY,
    )
    second = caf_record(
        request=None,
        actor=actor,
        child=child,
        holder=school,
        status="completed",
        started_on=TODAY,
        completed_on=TODAY,
    )
    assert (first.version, second.version) == (1, 2)
    with pytest.raises(DatabaseError), transaction.atomic():
        CafVersion.objects.filter(pk=first.pk).update(status="closed")
    with pytest.raises(DatabaseError), transaction.atomic():
        CafVersion.objects.filter(pk=first.pk).delete()
    assert CafVersion.objects.count() == 2


def test_a_completed_caf_needs_its_completion_date(carol):
    child, school, _ = carol
    with pytest.raises(CoordinationError, match="date the CAF was completed"):
        caf_record(
            request=None,
            actor=make_user(),
            child=child,
            holder=school,
            status="completed",
            started_on=TODAY,
        )


def test_there_is_at_most_one_current_lead_professional_and_changes_are_history(carol):
    child, school, social = carol
    actor = make_user()
    lead_professional_assign(
        request=None, actor=actor, child=child, involvement=school, basis="comfortable"
    )
    lead_professional_assign(
        request=None, actor=actor, child=child, involvement=social, basis="priority_need"
    )
    leads = LeadProfessional.objects.filter(child=child)
    assert leads.filter(ended_on__isnull=True).get().involvement == social
    assert leads.filter(ended_on__isnull=False).get().involvement == school
    with pytest.raises(IntegrityError), transaction.atomic():
        LeadProfessional.objects.create(
            child=child, involvement=school, basis="other", assigned_on=TODAY
        )


def test_the_lead_must_be_a_current_non_sensitive_involvement(carol):
    child, school, _ = carol
    old = make_involvement(child, start=years_ago(3), end=years_ago(1))
    with pytest.raises(CoordinationError):
        lead_professional_assign(
            request=None, actor=make_user(), child=child, involvement=old, basis="comfortable"
        )
    with pytest.raises(CoordinationError, match="Say why"):
        lead_professional_assign(
            request=None, actor=make_user(), child=child, involvement=school, basis="other"
        )


def _involvements(*types, organisations=None):
    rows = []
    for index, kind in enumerate(types):
        service = make_service(kind)
        rows.append(Involvement(service=service, role="x", start_date=TODAY, pk=index + 1000))
    return rows


@pytest.mark.parametrize(
    ("age", "types", "expected"),
    [
        (9, [ServiceType.SCHOOL, ServiceType.GP], set()),
        (9, [ServiceType.GP], {"no_school"}),
        (3, [ServiceType.GP], set()),
        (9, [ServiceType.SCHOOL], {"no_gp"}),
        (
            9,
            [ServiceType.SCHOOL, ServiceType.GP, ServiceType.SOCIAL_CARE],
            {"team_around_the_child"},
        ),
    ],
)
def test_each_prompt_fires_exactly_when_its_rule_holds(age, types, expected):
    current = _involvements(*types)
    found = {
        p.rule for p in prompts_for(born=years_ago(age + 0.3), current=current, caf=None, lead=None)
    }
    assert found == expected


def test_caf_prompts(carol):
    child, school, social = carol
    actor = make_user()
    caf = caf_record(
        request=None,
        actor=actor,
        child=child,
        holder=school,
        status="completed",
        started_on=years_ago(1),
        completed_on=years_ago(0.5),
        review_due=TODAY - datetime.timedelta(days=1),
    )
    current = list(Involvement.objects.current().filter(child=child))
    rules = {
        p.rule for p in prompts_for(born=child.date_of_birth, current=current, caf=caf, lead=None)
    }
    assert {"caf_without_lead", "caf_review_overdue"} <= rules
    lead = lead_professional_assign(
        request=None, actor=actor, child=child, involvement=school, basis="comfortable"
    )
    Involvement.objects.filter(pk=school.pk).update(end_date=TODAY - datetime.timedelta(days=1))
    current = list(Involvement.objects.current().filter(child=child))
    rules = {
        p.rule for p in prompts_for(born=child.date_of_birth, current=current, caf=caf, lead=lead)
    }
    assert "lead_involvement_ended" in rules and "caf_without_lead" not in rules


def test_the_learning_mentor_records_her_involvement_and_the_others_are_told(
    carol, organisation_a, django_capture_on_commit_callbacks
):
    child, school, social = carol
    teacher = make_user("teacher")
    teacher.email = "teacher@school.example"
    teacher.save()
    follow_set(user=teacher, child=child, following=True)
    lead_professional_assign(
        request=None, actor=make_user(), child=child, involvement=social, basis="priority_need"
    )
    mentor = make_user("mentor", organisation=organisation_a)
    mentor.first_name, mentor.last_name, mentor.job_title, mentor.phone = (
        "Lena",
        "Mentor",
        "Learning mentor",
        "07700 900700",
    )
    mentor.save()
    mentoring = make_service(ServiceType.SCHOOL, name="Rivermead Learning Mentors")
    mentoring.organisation = organisation_a
    mentoring.save()
    client = signed_in_client(mentor)
    url = reverse("records:child", args=[child.public_id])
    client.post(url, {"reason": "coordination"})
    page = client.get(url).content.decode()
    assert "Rivermead Primary" in page and "Dee Social" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("involvements:join", args=[child.public_id]),
            {
                "service": mentoring.pk,
                "role": "Learning mentor",
                "start_date_0": TODAY.day,
                "start_date_1": TODAY.month,
                "start_date_2": TODAY.year,
                "phone": "07700 900700",
                "email": "lena@school.example",
                "follow": "on",
            },
        )
    assert response.status_code == 302, response.content.decode()[:2000]
    mine = Involvement.objects.get(practitioner__user=mentor)
    assert mine.role == "Learning mentor"
    notes = Notification.objects.filter(child=child)
    assert {n.recipient.username for n in notes} == {"teacher"}
    assert "Lena Mentor" in notes.first().message
    assert mail.outbox and "Carol" not in mail.outbox[0].body
    assert "07700 900700" in client.get(url).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("involvements:end", args=[mine.public_id]),
            {"end_date_0": TODAY.day, "end_date_1": TODAY.month, "end_date_2": TODAY.year},
        )
    mine.refresh_from_db()
    assert mine.end_date == TODAY
    assert (
        Notification.objects.filter(child=child, message__contains="stopped working").count() == 1
    )


def test_notifications_never_name_a_sensitive_service(carol):
    child, _, _ = carol
    clinic = make_involvement(child, make_service(ServiceType.SEXUAL_HEALTH, name="Clinic Secret"))
    text = _describe_for_followers(clinic, "started working with")
    assert "Clinic Secret" not in text and "restricted service" in text


def test_only_your_own_involvement_can_be_ended(carol):
    _, school, _ = carol
    response = signed_in_client(make_user()).post(
        reverse("involvements:end", args=[school.public_id]), {}
    )
    assert response.status_code == 404


def test_the_unread_count_shows_and_clears(carol):
    child, _, _ = carol
    user = make_user()
    Notification.objects.create(recipient=user, child=child, message="Something changed")
    client = signed_in_client(user)
    assert (
        '1<span class="govuk-visually-hidden"> unread'
        in client.get(reverse("records:search")).content.decode()
    )
    assert "Something changed" in client.get(reverse("notifications:list")).content.decode()
    assert " unread" not in client.get(reverse("records:search")).content.decode()


def test_the_index_team_worklist_lists_children_with_prompts(carol):
    child, _, _ = carol
    page = (
        signed_in_client(make_user(roles=(Role.INDEX_TEAM,)))
        .get(reverse("caf:worklist"))
        .content.decode()
    )
    assert "Carol Whitfield" in page and "No GP practice is recorded" in page
    assert signed_in_client(make_user()).get(reverse("caf:worklist")).status_code == 403
