"""Django's ``migrate``, run as the database owner, then the serving role's grants.

With DATABASE_OWNER_URL set (or the private cluster's serving role in DATABASE_URL), the
migrations run connected as the owner, who owns every table they create; afterwards the serving
role (DATABASE_URL) is given exactly what the application needs (audit/privileges.py). With
one role for both, this is Django's ``migrate`` unchanged.
"""

from typing import Any

from django.conf import settings
from django.core.management.commands import migrate

from audit.privileges import connected_as_owner, serving_role_grant


class Command(migrate.Command):
    help = (
        "Apply migrations as the database owner (DATABASE_OWNER_URL), then grant the serving "
        "role (DATABASE_URL) only what the application needs."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        with connected_as_owner(options["database"]) as connection:
            super().handle(*args, **options)
            if options["plan"] or options["check_unapplied"]:
                return
            role = settings.DATABASE_SERVING_ROLE
            granted = serving_role_grant(connection=connection, role=role)
            if granted and options["verbosity"] >= 1:
                self.stdout.write(f"Granted the serving role {role} what the application needs.")
