"""python manage.py create_integration_client NAME --organisation CODE [--rotate | --revoke]

Creates an API client for a case management system and prints its token once; --rotate
replaces its token, --revoke stops its token working (until the next --rotate).
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Organisation
from feeds.clients import (
    integration_client_create,
    integration_client_revoke,
    integration_client_rotate,
)
from feeds.models import IntegrationClient


class Command(BaseCommand):
    help = "Create an integration client (or rotate its token) and print the token once."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("name")
        parser.add_argument("--organisation", required=True, help="organisation code")
        change = parser.add_mutually_exclusive_group()
        change.add_argument(
            "--rotate", action="store_true", help="replace an existing client's token"
        )
        change.add_argument(
            "--revoke", action="store_true", help="stop an existing client's token working"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["name"].strip()
        organisation = Organisation.objects.filter(code=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"No organisation with code {options['organisation']!r}")
        existing = IntegrationClient.objects.filter(name=name).first()
        if options["revoke"]:
            if existing is None:
                raise CommandError(f"No client called {name!r}")
            integration_client_revoke(client=existing)
            self.stdout.write(f"Token for {name} revoked; --rotate issues a new one.")
            return
        if options["rotate"]:
            if existing is None:
                raise CommandError(f"No client called {name!r}")
            token = integration_client_rotate(client=existing)
        else:
            if existing is not None:
                raise CommandError(f"A client called {name!r} exists; use --rotate for a new token")
            _, token = integration_client_create(name=name, organisation=organisation)
        self.stdout.write(f"Token for {name} (shown once; store it in the system's secrets):")
        self.stdout.write(token)
