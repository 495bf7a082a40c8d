"""Deployment checks for the audit chain's secret and witness (``manage.py check --deploy``).

With HTTPS=true the settings refuse to start without AUDIT_SEAL_KEY and AUDIT_WITNESS_PATH;
these warn a deployment that has not switched HTTPS on either."""

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def audit_seal_configured(app_configs: Any = None, **kwargs: Any) -> list[Warning]:
    found = []
    if not settings.AUDIT_SEAL_KEY_ID:
        found.append(
            Warning(
                "AUDIT_SEAL_KEY is not set: audit seals are keyed with the development key file "
                f"{settings.AUDIT_SEAL_KEY_FILE}, which lives beside the code.",
                hint="Set AUDIT_SEAL_KEY=id:secret from a secrets store (docs/audit.md).",
                id="audit.W001",
            )
        )
    if not settings.AUDIT_WITNESS_PATH:
        found.append(
            Warning(
                "AUDIT_WITNESS_PATH is not set: the audit witness is written under var/.",
                hint="Point it at append-only storage the database's administrators cannot "
                "write, readable by every instance (docs/audit.md).",
                id="audit.W002",
            )
        )
    return found
