"""Print the demo users, their password and how to get their second-factor codes.

Demo mode only: it prints secrets.
"""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice

from demo.people import DEMO_PASSWORD, DEMO_USERS, totp_secret_base32


class Command(BaseCommand):
    help = "Print demo logins and their TOTP secrets. Refuses unless DEMO_MODE=true."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--port", default="8000")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("demo_logins only runs with DEMO_MODE=true; it prints secrets.")
        devices = {
            device.user.username: device
            for device in TOTPDevice.objects.filter(
                user__username__in=[demo.username for demo in DEMO_USERS]
            ).select_related("user")
        }
        out = self.stdout
        out.write("")
        out.write(f"Child Index demo: http://127.0.0.1:{options['port']}/")
        out.write(f"Every demo user's password: {DEMO_PASSWORD}")
        out.write(
            "Second factor: add the secret to an authenticator app, or get the current code with"
        )
        out.write("  .venv/bin/python manage.py demo_totp USERNAME   (with DEMO_MODE=true)")
        out.write("")
        out.write(f"{'username':<11} {'roles':<40} {'TOTP secret (base32)':<34} what they can do")
        for demo in DEMO_USERS:
            device = devices.get(demo.username)
            secret = totp_secret_base32(device.key) if device else "(run seed_demo)"
            roles = ", ".join(role.value for role in demo.roles)
            out.write(f"{demo.username:<11} {roles:<40} {secret:<34} {demo.does}")
        out.write("")
