"""The "follow this child" part of the record page."""

from typing import Any

from accounts.models import User
from notifications.services import is_following
from records.access import ChildAccess, may_be_told_who_is_involved
from records.sections import register_section


def follow_context(user: User, access: ChildAccess) -> dict[str, Any]:
    return {
        "child": access.child,
        "following": is_following(user=user, child=access.child),
        "may_follow": may_be_told_who_is_involved(access),
    }


register_section(order=30, template="notifications/_record_section.html", context=follow_context)
