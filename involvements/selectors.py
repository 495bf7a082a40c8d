"""The involvements a visibility decision lets someone see (records.access decides)."""

import datetime

from django.conf import settings

from involvements.models import Involvement
from records.access import ChildAccess


def current_involvements_visible(access: ChildAccess) -> list[Involvement]:
    """Current, not-withdrawn involvements that ``access`` permits."""
    if not access.sees_location:
        return []
    rows = (
        Involvement.objects.current(datetime.date.today())
        .filter(child=access.child)
        .select_related("service", "practitioner")
        .order_by("start_date", "id")
    )
    return [row for row in rows if not row.is_sensitive or access.sees_sensitive_details]


def recently_ended_involvements_visible(access: ChildAccess) -> list[Involvement]:
    """Not-withdrawn involvements that ended within ENDED_INVOLVEMENT_DAYS (the record page
    shows them too) and that ``access`` permits: a previous school, past social work."""
    if not access.sees_location:
        return []
    today = datetime.date.today()
    since = today - datetime.timedelta(days=settings.ENDED_INVOLVEMENT_DAYS)
    rows = (
        Involvement.objects.live()
        .ended_since(since, today)
        .filter(child=access.child)
        .select_related("service", "practitioner")
        .order_by("-end_date", "id")
    )
    return [row for row in rows if not row.is_sensitive or access.sees_sensitive_details]
