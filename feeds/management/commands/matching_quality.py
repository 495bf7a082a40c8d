"""Measure the matcher on a hostile synthetic feed with known truth (changes nothing)."""

from typing import Any

from django.core.management.base import BaseCommand

from feeds.quality import estimate, run


class Command(BaseCommand):
    help = (
        "Report the matcher's precision, recall (links and reviews), review rate, false links "
        "by kind and duplicates created on a hostile synthetic feed (rolled back)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--people", type=int, default=300, help="children in the index")
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument(
            "--estimate",
            action="store_true",
            help="estimate the model's m (EM, and counted on the truth) and u (random pairs) "
            "on the same feed and print them beside the shipped tables, instead of matching",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["estimate"]:
            self._estimate(options["people"], options["seed"])
            return
        report = run(people=options["people"], seed=options["seed"])
        self.stdout.write(
            f"people={report.records} precision={report.precision:.4f} "
            f"recall={report.recall:.4f} link_recall={report.link_recall:.4f} "
            f"review_rate={report.review_rate:.4f} duplicates_created={report.duplicates_created} "
            f"linked_right={report.linked_right} linked_wrong={report.linked_wrong} "
            f"reviewed_right={report.reviewed_right} reviewed_other={report.reviewed_other} "
            f"created_existing={report.created_existing} new={report.new_people} "
            f"new_linked={report.new_linked} new_created={report.new_created}"
        )
        false = " ".join(f"{k}={v}" for k, v in sorted(report.false_links.items())) or "none"
        self.stdout.write(f"false links by kind: {false}")
        for title, table in (("noise", report.by_noise), ("relation", report.by_relation)):
            self.stdout.write(f"by {title} (a record may carry several kinds of noise):")
            for name, tally in sorted(table.items()):
                self.stdout.write(f"  {name:<22} " + " ".join(f"{k}={v}" for k, v in tally.items()))

    def _estimate(self, people: int, seed: int) -> None:
        self.stdout.write(
            f"{'field':<14} {'level':<11} {'m shipped':>9} {'m EM':>7} {'m truth':>7} "
            f"{'u shipped':>9} {'u random':>9}"
        )
        for name, level, m, m_em, m_truth, u, u_random in estimate(people, seed).rows():
            self.stdout.write(
                f"{name:<14} {level:<11} {m:>9.3f} {m_em:>7.3f} {m_truth:>7.3f} "
                f"{u:>9.5f} {u_random:>9.5f}"
            )
