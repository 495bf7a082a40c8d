"""The involvements a visibility decision lets someone see (records.access decides)."""

import datetime

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
