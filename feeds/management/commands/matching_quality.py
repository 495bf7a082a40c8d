"""Measure the matcher on a synthetic feed with known truth (changes nothing)."""

from typing import Any

from django.core.management.base import BaseCommand

from feeds.quality import run


class Command(BaseCommand):
    help = "Report the matcher's precision and recall on a synthetic feed (rolled back)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--people", type=int, default=300)
        parser.add_argument("--seed", type=int, default=7)

    def handle(self, *args: Any, **options: Any) -> None:
        report = run(people=options["people"], seed=options["seed"])
        self.stdout.write(
            f"people={report.people} precision={report.precision:.4f} recall={report.recall:.4f} "
            f"linked_right={report.linked_right} linked_wrong={report.linked_wrong} "
            f"reviewed_right={report.reviewed_right} reviewed_other={report.reviewed_other} "
            f"created_existing={report.created_existing} new={report.new_people} "
            f"new_linked={report.new_linked}"
        )
        for noise, tally in sorted(report.by_noise.items()):
            self.stdout.write(f"  {noise:<9} " + " ".join(f"{k}={v}" for k, v in tally.items()))
