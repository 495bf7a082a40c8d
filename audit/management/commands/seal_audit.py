"""Chain newly committed audit events into the tamper-evident log (run every minute).

Each block is keyed (AUDIT_SEAL_KEY) and its head appended to the witness
(AUDIT_WITNESS_PATH); exits 1, sealing nothing, if the witness cannot be written."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from audit.chain import seal_pending
from audit.witness import WitnessError


class Command(BaseCommand):
    help = "Seal pending audit events into the hash chain and write their heads to the witness."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            sealed = seal_pending()
        except WitnessError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Sealed {sealed} event(s).")
