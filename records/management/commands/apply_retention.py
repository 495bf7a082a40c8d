"""python manage.py apply_retention [--dry-run]: archive and delete records as the policy says.

Run it daily (cron or a scheduled job). --dry-run prints exactly what would change.
"""

from typing import Any

from django.core.management.base import BaseCommand

from records.retention import apply_retention, retention_plan


class Command(BaseCommand):
    help = (
        "Archive records at 18 (25 with consent, a year after death) and delete them after 6 years."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true", help="print what would change")

    def handle(self, *args: Any, **options: Any) -> None:
        plan = retention_plan() if options["dry_run"] else apply_retention()
        verb = "would be" if options["dry_run"] else "were"
        for child, why in plan.archive:
            self.stdout.write(f"archive {child.public_id} ({why})")
        for child in plan.delete:
            self.stdout.write(f"delete {child.public_id} (archived {child.archived_on})")
        self.stdout.write(
            f"{len(plan.archive)} record(s) {verb} archived, {len(plan.delete)} {verb} deleted, "
            f"{plan.ended_involvements} ended involvement(s) {verb} deleted."
        )
