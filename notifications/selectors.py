"""What a user's notifications show, asked of the visibility policy when they are shown.

A notification was written for its recipient when it was sent; by the time it is read
the child may have been shielded, archived or merged. The list shows only notifications
about children the user may still find, and for a child whose record view no longer
shows who is involved, only that something changed.
"""

from dataclasses import dataclass

from django.db.models import QuerySet

from accounts.models import User
from notifications.models import Notification
from notifications.services import shielded_notice
from records.access import child_access, children_visible_to, may_be_told_who_is_involved

LIST_LENGTH = 100


@dataclass(frozen=True)
class Shown:
    notification: Notification
    text: str
    unread: bool


def _visible(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user, child__in=children_visible_to(user))


def notifications_for(user: User) -> list[Shown]:
    """The user's latest notifications, each worded as the policy allows today."""
    shown = []
    for item in _visible(user).select_related("child")[:LIST_LENGTH]:
        told = may_be_told_who_is_involved(child_access(user, item.child))
        text = item.message if told else shielded_notice(item.child)
        shown.append(Shown(notification=item, text=text, unread=item.read_at is None))
    return shown


def unread_count(user: User) -> int:
    return _visible(user).filter(read_at__isnull=True).count()
