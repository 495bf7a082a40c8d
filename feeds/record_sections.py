"""Duplicates and merges, on the record page, for the index team only."""

from typing import Any

from accounts.models import User
from feeds.models import ChildMerge
from records.access import ChildAccess, may_mediate
from records.sections import register_section


def merges_context(user: User, access: ChildAccess) -> dict[str, Any]:
    if not may_mediate(user):
        return {"hidden": True}
    return {
        "hidden": False,
        "child": access.child,
        "merges": ChildMerge.objects.filter(kept=access.child).select_related("merged")[:10],
    }


register_section(order=40, template="feeds/_record_section.html", context=merges_context)
