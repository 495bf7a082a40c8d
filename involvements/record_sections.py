"""The involvements part of a child's record page: universal services and who else is involved."""

import datetime
from typing import Any

from django.conf import settings

from accounts.models import User
from involvements.models import UNIVERSAL_SERVICE_TYPES, Involvement, ServiceType
from records.access import ChildAccess
from records.sections import register_section


def involvements_context(user: User, access: ChildAccess) -> dict[str, Any]:
    """What the record page shows of involvements, as the visibility decision allows."""
    if not access.sees_location:
        return {"shielded": True}
    today = datetime.date.today()
    since = today - datetime.timedelta(days=settings.ENDED_INVOLVEMENT_DAYS)
    rows = list(
        Involvement.objects.live()
        .filter(child=access.child)
        .select_related("service", "practitioner")
        .order_by("start_date", "id")
    )
    current = [
        row
        for row in rows
        if row.start_date <= today and (row.end_date is None or row.end_date >= today)
    ]
    ended = [row for row in rows if row.end_date is not None and since <= row.end_date < today]
    restricted = [row for row in current if row.is_sensitive and not access.sees_sensitive_details]
    shown = [row for row in current if row not in restricted]
    return {
        "shielded": False,
        "own": {
            row.pk for row in current if row.practitioner and row.practitioner.user_id == user.pk
        },
        "child": access.child,
        "school": [row for row in shown if row.service.service_type == ServiceType.SCHOOL],
        "gp": [row for row in shown if row.service.service_type == ServiceType.GP],
        "others": [row for row in shown if row.service.service_type not in UNIVERSAL_SERVICE_TYPES],
        "restricted_count": len(restricted),
        "ended": [row for row in ended if not row.is_sensitive or access.sees_sensitive_details],
        "ended_days": settings.ENDED_INVOLVEMENT_DAYS,
    }


register_section(
    order=10, template="involvements/_record_section.html", context=involvements_context
)
