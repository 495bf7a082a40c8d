"""python manage.py import_records FILE --source NAME [--report FILE] [--dry-run]

Import people and involvements from a case management system's CSV or JSON Lines
file (columns in docs/feeds.md). Re-running the same file changes nothing.
"""

import contextlib
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from feeds.importing import RowError, report_writer
from feeds.pipeline import import_file


class Command(BaseCommand):
    help = "Import people and involvements from a CSV or JSON Lines file."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--source", required=True, help="the sending system's name")
        parser.add_argument("--report", help="write a per-row outcome CSV here")
        parser.add_argument("--dry-run", action="store_true", help="change nothing; report only")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        source = options["source"].strip()
        if not source or len(source) > 60:
            raise CommandError("--source must be a name of 1 to 60 characters")
        with contextlib.ExitStack() as stack:
            report = None
            if options["report"]:
                handle = stack.enter_context(
                    open(options["report"], "w", newline="", encoding="utf-8")  # noqa: PTH123
                )
                report = report_writer(handle)
            bar = stack.enter_context(
                tqdm(unit=" rows", file=sys.stderr, disable=not sys.stderr.isatty())
            )
            try:
                summary = import_file(
                    path,
                    source=source,
                    dry_run=options["dry_run"],
                    report=report,
                    progress=bar.update,
                )
            except RowError as error:
                raise CommandError(f"Cannot import {path.name}: {error}") from error
        counts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(summary.outcomes.items()))
        prefix = "Dry run (nothing changed): " if options["dry_run"] else ""
        self.stdout.write(f"{prefix}{summary.rows} rows: {counts or 'none'}.")
