"""python manage.py create_integration_client NAME --organisation CODE [--rotate | --revoke]
[--rate-limit COUNT/PERIOD]

Creates an API client for a case management system and prints its token once; --rotate
replaces its token, --revoke stops its token working (until the next --rotate).
--rate-limit gives the client its own API allowance (e.g. 3000/m: 3,000 searches a minute
and, counted apart, 3,000 updates), on creation or for an existing client without a new
token; --rate-limit default returns it to API_SEARCH_RATE_LIMIT.
"""

import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts.models import Organisation
from feeds.clients import (
    integration_client_create,
    integration_client_rate_limit_set,
    integration_client_revoke,
    integration_client_rotate,
)
from feeds.models import IntegrationClient
from records.ratelimits import RATE_PATTERN, rate_words


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
        parser.add_argument(
            "--rate-limit",
            metavar="COUNT/PERIOD",
            help="this client's API allowance, e.g. 3000/m ('default': API_SEARCH_RATE_LIMIT)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["name"].strip()
        organisation = Organisation.objects.filter(code=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"No organisation with code {options['organisation']!r}")
        existing = IntegrationClient.objects.filter(name=name).first()
        rate_limit = options["rate_limit"]
        if rate_limit == "default":
            rate_limit = ""
        elif rate_limit is not None and not re.match(RATE_PATTERN, rate_limit):
            raise CommandError(
                f"Give --rate-limit as count/period (e.g. 600/m), not {rate_limit!r}"
            )
        if rate_limit is not None and existing is not None:
            integration_client_rate_limit_set(client=existing, rate_limit=rate_limit)
            self.stdout.write(f"Rate limit for {name}: {self._limit_words(existing)}.")
            if not (options["rotate"] or options["revoke"]):
                return
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
            client, token = integration_client_create(
                name=name, organisation=organisation, rate_limit=rate_limit or ""
            )
            self.stdout.write(f"Rate limit for {name}: {self._limit_words(client)}.")
        self.stdout.write(f"Token for {name} (shown once; store it in the system's secrets):")
        self.stdout.write(token)

    @staticmethod
    def _limit_words(client: IntegrationClient) -> str:
        words = rate_words(client.allowance)
        default = "" if client.rate_limit else " (the default, API_SEARCH_RATE_LIMIT)"
        return f"{words}, and as many updates{default}"
