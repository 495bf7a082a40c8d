"""Retention: keep children's records only as long as the policy allows.

- A record is live until 18, or until 25 when the young person consented to it
  being kept (care leavers), or for a year after the child's death; then it is
  **archived**: hidden from everyone but the index team, and from them too after
  RETENTION_ARCHIVE_VISIBLE_DAYS.
- An archived record is **deleted for real** RETENTION_DELETE_YEARS after archiving,
  with everything linked to it (names, addresses, carers, involvements, CAF versions,
  lead professional history, notifications, feed links). Audit events keep only the
  child's opaque reference; the change history never held the personal values.
- Involvements that ended more than RETENTION_ENDED_INVOLVEMENT_YEARS ago are deleted.
"""

import datetime
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.db import transaction

from accounts.models import add_years
from audit.models import Action
from audit.services import audit_event_record
from records.models import Child


@dataclass
class RetentionPlan:
    archive: list[tuple[Child, str]] = field(default_factory=list)
    delete: list[Child] = field(default_factory=list)
    ended_involvements: int = 0


def archive_due(child: Child) -> tuple[datetime.date, str]:
    """When the child's record must be archived, and why."""
    age = (
        settings.RETENTION_CONSENT_AGE if child.consent_until_25 else settings.RETENTION_ARCHIVE_AGE
    )
    due, why = add_years(child.date_of_birth, age), f"reached {age}"
    if child.date_of_death is not None:
        after_death = child.date_of_death + datetime.timedelta(
            days=settings.RETENTION_AFTER_DEATH_DAYS
        )
        if after_death < due:
            due, why = after_death, "a year after the child's death"
    return due, why


def _ended_involvements(today: datetime.date):
    involvement = apps.get_model("involvements", "Involvement")
    cutoff = add_years(today, -settings.RETENTION_ENDED_INVOLVEMENT_YEARS)
    return involvement.objects.filter(end_date__lt=cutoff)


def retention_plan(today: datetime.date | None = None) -> RetentionPlan:
    today = today or datetime.date.today()
    plan = RetentionPlan()
    oldest_live = add_years(today, -settings.RETENTION_ARCHIVE_AGE)
    candidates = Child.objects.filter(archived_on__isnull=True).filter(
        date_of_birth__lte=oldest_live
    ) | Child.objects.filter(archived_on__isnull=True, date_of_death__isnull=False)
    for child in candidates.distinct().order_by("pk"):
        due, why = archive_due(child)
        if due <= today:
            plan.archive.append((child, why))
    delete_before = add_years(today, -settings.RETENTION_DELETE_YEARS)
    plan.delete = list(Child.objects.filter(archived_on__lte=delete_before).order_by("pk"))
    plan.ended_involvements = _ended_involvements(today).count()
    return plan


@transaction.atomic
def apply_retention(today: datetime.date | None = None) -> RetentionPlan:
    """Carry out the plan: archive, delete for real, purge old involvements; audit the run."""
    today = today or datetime.date.today()
    plan = retention_plan(today)
    Child.objects.filter(pk__in=[child.pk for child, _ in plan.archive]).update(archived_on=today)
    deleted = [str(child.public_id) for child in plan.delete]
    Child.objects.filter(pk__in=[child.pk for child in plan.delete]).delete()
    _ended_involvements(today).delete()
    audit_event_record(
        action=Action.RETENTION,
        object_type="retention",
        details={
            "archived": [str(child.public_id) for child, _ in plan.archive],
            "deleted": deleted,
            "ended_involvements_deleted": plan.ended_involvements,
            "on": today.isoformat(),
        },
    )
    return plan
