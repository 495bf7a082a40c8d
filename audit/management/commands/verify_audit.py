"""Verify the audit chain: exit 0 if intact, 1 if any event, seal or block was altered,
removed, reordered, inserted or forged, or the chain is not the one its witness recorded.
Prints the head (position and hash) to keep elsewhere.

With no options it seals pending events (writing their heads to the witness), then checks
every event, seal and block, every block's MAC, and every head in the witness file, so
cutting events, seals and blocks off the tail is found without ``--expect-head``.
``--restored-from-backup`` is the one audited way to accept a database that is legitimately
behind its witness (docs/operations.md "Restore").
"""

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from audit.chain import Problem, Verification, seal_pending, verify_chain, witness_restore_accept
from audit.models import Action, AuditSeal
from audit.services import audit_event_record
from audit.witness import WitnessError, witness_path


class Command(BaseCommand):
    help = "Seal pending audit events, verify the whole chain against its witness, print its head."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--no-seal", action="store_true", help="verify only; do not seal pending events first"
        )
        parser.add_argument(
            "--expect-head",
            metavar="POSITION:HASH",
            help="a head exported earlier: fail unless the chain still contains it",
        )
        parser.add_argument(
            "--witness",
            metavar="PATH",
            type=Path,
            help="compare with this copy of the witness instead of AUDIT_WITNESS_PATH",
        )
        parser.add_argument(
            "--restored-from-backup",
            action="store_true",
            help=(
                "the database was restored from a backup: report how much of the witnessed"
                " chain the restore lost instead of failing, record that in the audit and the"
                " witness, then seal"
            ),
        )
        parser.add_argument("--json", action="store_true", help="print the result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        problems: list[Problem] = []
        sealed = 0
        restored = options["restored_from_backup"]
        if restored:
            # Check before sealing: new blocks would take positions the witness already holds.
            result = verify_chain(witness=options["witness"], restored=True)
            problems.extend(result.problems)
            if options["expect_head"]:
                problems.extend(_check_expected_head(options["expect_head"]))
            if not problems:
                self._accept_restore(result)
                sealed = self._seal(problems, options)
        else:
            sealed = self._seal(problems, options)
            result = verify_chain(witness=options["witness"])
            problems.extend(result.problems)
            if options["expect_head"]:
                problems.extend(_check_expected_head(options["expect_head"]))
        if options["json"]:
            self.stdout.write(json.dumps(_as_json(result, problems, sealed)))
        else:
            self._print(result, problems, sealed, restored)
        if problems:
            raise CommandError(f"Audit chain verification failed: {len(problems)} problem(s).")
        if not options["json"]:
            self.stdout.write(self.style.SUCCESS("Audit chain intact."))

    def _seal(self, problems: list[Problem], options: dict[str, Any]) -> int:
        if options["no_seal"]:
            return 0
        try:
            return seal_pending()
        except WitnessError as exc:
            problems.append(Problem(0, None, "not sealed", str(exc)))
            return 0

    def _accept_restore(self, result: Verification) -> None:
        witness = result.witness
        audit_event_record(
            action=Action.AUDIT_RESTORE,
            actor_username="verify_audit --restored-from-backup",
            reason="The database was restored from a backup behind its audit witness.",
            details={
                "head_position": result.head_position,
                "head_hash": result.head_hash,
                "witness": witness.path,
                "witnessed_up_to": witness.last_position,
                "missing_blocks": witness.missing_blocks,
                "missing_events": witness.missing_events,
            },
        )
        witness_restore_accept(result)

    def _print(
        self, result: Verification, problems: list[Problem], sealed: int, restored: bool
    ) -> None:
        witness = result.witness
        self.stdout.write(
            f"Sealed {sealed} new event(s); checked {result.checked} in {result.blocks} block(s)."
        )
        if result.keys:
            used = ", ".join(f"{key} ({count})" for key, count in sorted(result.keys.items()))
            self.stdout.write(f"Keyed blocks by key: {used}.")
        if result.legacy_blocks:
            self.stdout.write(
                self.style.WARNING(
                    f"{result.legacy_blocks} unkeyed legacy block(s), sealed before keys existed:"
                    " verified by their hashes and by the keyed blocks that follow them."
                )
            )
        if witness.path:
            self.stdout.write(
                f"Witness {witness.path}: {witness.entries} line(s), last head at position "
                f"{witness.last_position if witness.last_position is not None else '-'}"
                + (
                    f"; {witness.unwitnessed_blocks} newer block(s) not yet witnessed"
                    if witness.unwitnessed_blocks
                    else ""
                )
                + "."
            )
        if restored:
            self.stdout.write(
                self.style.WARNING(
                    f"Restored from a backup: {witness.missing_blocks} witnessed block(s),"
                    f" {witness.missing_events} sealed event(s) after position"
                    f" {result.head_position} are not in this database."
                    + (" Recorded in the audit and the witness." if not problems else "")
                )
            )
        for problem in problems:
            where = f"at position {problem.position}" if problem.position else "outside the chain"
            event = f" (event {problem.event_id})" if problem.event_id is not None else ""
            self.stdout.write(
                self.style.ERROR(f"{problem.kind.upper()} {where}{event}: {problem.detail}")
            )
        self.stdout.write(f"Head: {result.head_position}:{result.head_hash}")


def _as_json(result: Verification, problems: list[Problem], sealed: int) -> dict[str, Any]:
    witness = result.witness
    return {
        "ok": not problems,
        "checked": result.checked,
        "sealed_now": sealed,
        "unsealed": result.unsealed,
        "head": {"position": result.head_position, "hash": result.head_hash},
        "blocks": result.blocks,
        "legacy_unkeyed_blocks": result.legacy_blocks,
        "keys": result.keys,
        "witness": {
            "path": witness.path or str(witness_path()),
            "entries": witness.entries,
            "last_position": witness.last_position,
            "unwitnessed_blocks": witness.unwitnessed_blocks,
            "missing_blocks": witness.missing_blocks,
            "missing_events": witness.missing_events,
            "restores": witness.restores,
        },
        "problems": [p.__dict__ for p in problems],
    }


def _check_expected_head(expected: str) -> list[Problem]:
    try:
        position_text, digest = expected.split(":", 1)
        position = int(position_text)
    except ValueError as exc:
        raise CommandError("--expect-head takes POSITION:HASH, as printed by verify_audit") from exc
    seal = AuditSeal.objects.filter(position=position).first()
    if seal is None or seal.chain_hash != digest:
        return [Problem(position, None, "head mismatch", "the exported head is not in the chain")]
    return []
