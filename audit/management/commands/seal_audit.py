"""Chain newly committed audit events into the tamper-evident log (run every minute)."""

from typing import Any

from django.core.management.base import BaseCommand

from audit.chain import seal_pending


class Command(BaseCommand):
    help = "Seal pending audit events into the hash chain."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"Sealed {seal_pending()} event(s).")
