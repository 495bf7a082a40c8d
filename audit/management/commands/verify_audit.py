"""Verify the audit chain: exit 0 if intact, 1 if any event was altered, removed,
reordered or inserted. Prints the head (position and hash) to keep elsewhere."""

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from audit.chain import seal_pending, verify_chain
from audit.models import AuditSeal


class Command(BaseCommand):
    help = "Seal pending audit events, verify the whole chain and print its head."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--no-seal", action="store_true", help="verify only; do not seal pending events first"
        )
        parser.add_argument(
            "--expect-head",
            metavar="POSITION:HASH",
            help="a head exported earlier: fail unless the chain still contains it",
        )
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        sealed = 0 if options["no_seal"] else seal_pending()
        result = verify_chain()
        problems = list(result.problems)
        if options["expect_head"]:
            problems.extend(_check_expected_head(options["expect_head"]))
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "ok": not problems,
                        "checked": result.checked,
                        "sealed_now": sealed,
                        "unsealed": result.unsealed,
                        "head": {"position": result.head_position, "hash": result.head_hash},
                        "problems": [p.__dict__ for p in problems],
                    }
                )
            )
        else:
            self.stdout.write(f"Sealed {sealed} new event(s); checked {result.checked}.")
            for problem in problems:
                where = f"position {problem.position}" if problem.position else "outside the chain"
                self.stdout.write(
                    self.style.ERROR(
                        f"{problem.kind.upper()} at {where} (event {problem.event_id}): "
                        f"{problem.detail}"
                    )
                )
            self.stdout.write(f"Head: {result.head_position}:{result.head_hash}")
        if problems:
            raise CommandError(f"Audit chain verification failed: {len(problems)} problem(s).")
        if not options["json"]:
            self.stdout.write(self.style.SUCCESS("Audit chain intact."))


def _check_expected_head(expected: str) -> list:
    from audit.chain import Problem

    try:
        position_text, digest = expected.split(":", 1)
        position = int(position_text)
    except ValueError as exc:
        raise CommandError("--expect-head takes POSITION:HASH, as printed by verify_audit") from exc
    seal = AuditSeal.objects.filter(position=position).first()
    if seal is None or seal.chain_hash != digest:
        return [Problem(position, None, "head mismatch", "the exported head is not in the chain")]
    return []
