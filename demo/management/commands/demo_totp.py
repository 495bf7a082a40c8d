"""Print a demo user's current TOTP code (demo mode only), standing in for an authenticator app."""

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from demo.people import DEMO_USERS


class Command(BaseCommand):
    help = "Print the current TOTP code of a demo user. Refuses unless DEMO_MODE=true."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("demo_totp only runs with DEMO_MODE=true.")
        username = options["username"]
        if username not in {demo.username for demo in DEMO_USERS}:
            raise CommandError(f"{username!r} is not a demo user.")
        device = TOTPDevice.objects.filter(user__username=username, confirmed=True).first()
        if device is None:
            raise CommandError(f"{username!r} has no authenticator yet: run seed_demo first.")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        totp.time = time.time()
        remaining = device.step - int(totp.time - device.t0) % device.step
        self.stdout.write(
            f"{totp.token():0{device.digits}d}  (valid for about {remaining} more seconds)"
        )
