"""Retention on its boundaries; deletion is real and leaves only the audit trail."""

import datetime

import pytest
from django.core.management import call_command
from django.db import DatabaseError, transaction
from django.urls import reverse

from accounts.models import add_years
from accounts.roles import Role
from audit.models import Action, AuditEvent
from caf.models import CafVersion
from caf.services import caf_record, lead_professional_assign
from involvements.models import Involvement
from notifications.models import Follow, Notification
from records.models import Child
from records.retention import apply_retention, retention_plan
from reports.subject_access import child_linked_models
from tests.factories import make_child, make_involvement, make_user, signed_in_client

pytestmark = pytest.mark.django_db
TODAY = datetime.date.today()


def born_years_ago(years: int, days_later: int = 0) -> datetime.date:
    return add_years(TODAY, -years) + datetime.timedelta(days=days_later)


def test_a_record_is_archived_on_the_18th_birthday_not_the_day_before():
    turning = make_child("Ada", "Adult", born_years_ago(18))
    tomorrow = make_child("Ben", "Nearly", born_years_ago(18, days_later=1))
    archived = {child.pk for child, _ in retention_plan(TODAY).archive}
    assert turning.pk in archived and tomorrow.pk not in archived


def test_consent_keeps_a_record_live_to_25():
    leaver = make_child("Cara", "Leaver", born_years_ago(20))
    Child.objects.filter(pk=leaver.pk).update(consent_until_25=True)
    assert leaver.pk not in {c.pk for c, _ in retention_plan(TODAY).archive}
    Child.objects.filter(pk=leaver.pk).update(date_of_birth=born_years_ago(25))
    assert leaver.pk in {c.pk for c, _ in retention_plan(TODAY).archive}


def test_after_death_a_record_stays_live_for_a_year():
    child = make_child("Dan", "Late", born_years_ago(8))
    Child.objects.filter(pk=child.pk).update(date_of_death=TODAY - datetime.timedelta(days=364))
    assert child.pk not in {c.pk for c, _ in retention_plan(TODAY).archive}
    Child.objects.filter(pk=child.pk).update(date_of_death=TODAY - datetime.timedelta(days=365))
    plan = retention_plan(TODAY)
    assert (child.pk, "a year after the child's death") in {(c.pk, why) for c, why in plan.archive}


def test_archived_records_are_hidden_from_practitioners_and_then_from_the_index_team():
    child = make_child("Eve", "Archived", born_years_ago(18))
    apply_retention(TODAY)
    child.refresh_from_db()
    assert child.archived_on == TODAY
    url = reverse("records:child", args=[child.public_id])
    assert signed_in_client(make_user()).get(url).status_code == 404
    officer = make_user(roles=(Role.PRACTITIONER, Role.INDEX_TEAM))
    assert signed_in_client(officer).get(url).status_code == 200
    Child.objects.filter(pk=child.pk).update(archived_on=TODAY - datetime.timedelta(days=366))
    assert signed_in_client(officer).get(url).status_code == 404


def test_a_dry_run_changes_nothing(capsys):
    child = make_child("Fay", "Dry", born_years_ago(19))
    call_command("apply_retention", "--dry-run")
    assert f"archive {child.public_id}" in capsys.readouterr().out
    child.refresh_from_db()
    assert child.archived_on is None
    assert not AuditEvent.objects.filter(action=Action.RETENTION).exists()


def test_six_years_after_archiving_the_record_and_everything_linked_to_it_is_deleted_for_real():
    child = make_child("Gus", "Gone", born_years_ago(24), former=[("Gus", "Before")])
    school = make_involvement(child)
    actor = make_user()
    caf_record(
        request=None,
        actor=actor,
        child=child,
        holder=school,
        status="in_progress",
        started_on=TODAY,
    )
    lead_professional_assign(
        request=None, actor=actor, child=child, involvement=school, basis="comfortable"
    )
    Follow.objects.create(user=actor, child=child)
    Notification.objects.create(recipient=actor, child=child, message="x")
    with pytest.raises(DatabaseError), transaction.atomic():
        CafVersion.objects.filter(child=child).delete()  # not archived: refused
    reference = str(child.public_id)
    Child.objects.filter(pk=child.pk).update(archived_on=add_years(TODAY, -6))

    call_command("apply_retention")

    assert not Child.objects.filter(pk=child.pk).exists()
    for model, field_name in child_linked_models():
        assert not model.objects.filter(**{f"{field_name}_id": child.pk}).exists(), model
    event = AuditEvent.objects.get(action=Action.RETENTION)
    assert event.details["deleted"] == [reference]


def test_involvements_that_ended_long_ago_are_purged():
    child = make_child("Hal", "Young", born_years_ago(10))
    old = make_involvement(
        child, start=TODAY - datetime.timedelta(days=4000), end=add_years(TODAY, -7)
    )
    recent = make_involvement(
        child, start=TODAY - datetime.timedelta(days=400), end=TODAY - datetime.timedelta(days=100)
    )
    apply_retention(TODAY)
    assert not Involvement.objects.filter(pk=old.pk).exists()
    assert Involvement.objects.filter(pk=recent.pk).exists()
