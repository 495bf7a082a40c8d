"""List users whose recent activity stands out, with the rule behind each finding."""

from typing import Any

from django.core.management.base import BaseCommand

from audit.alerts import findings, rule_descriptions


class Command(BaseCommand):
    help = "Report possible misuse of the index over the last N days (default 1)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--days", type=int, default=1)

    def handle(self, *args: Any, **options: Any) -> None:
        found = findings(days=options["days"])
        rules = rule_descriptions()
        if not found:
            self.stdout.write(f"No findings in the last {options['days']} day(s).")
            return
        for finding in found:
            self.stdout.write(
                f"{finding.username}\t{finding.rule}\t{finding.explanation}\t"
                f"events: {', '.join(str(i) for i in finding.event_ids[:20])}"
            )
        self.stdout.write("")
        for name, description in rules.items():
            self.stdout.write(f"{name}: {description}")
