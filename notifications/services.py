"""Following children and notifying their followers, in the service and by email.

What each follower is told is decided per recipient by the visibility policy
(records.access.may_be_told_who_is_involved): a follower whose own record view of
the child is the minimal one (a shielded child, outside the index team) is told only
that something changed and to ask the index team, whatever the change. Emails carry
no detail about the child at all (an email can be forwarded or read over a shoulder):
they say only that something changed and link to the service, where the policy applies.
"""

import uuid

from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from notifications.models import Follow, Notification
from records.access import child_access, may_be_told_who_is_involved
from records.models import Child


class FollowRefused(Exception):
    """The user may not follow this child (its record view would not show who is involved)."""


def shielded_notice(child: Child) -> str:
    """All a follower who may not see who works with a shielded child is told of a change."""
    return (
        f"Something has changed for {child.full_name}. Details are not shown for this child: "
        "contact the index team if you need to know more."
    )


def may_follow(*, user: User, child: Child) -> bool:
    """Following is for those whose record view shows who starts and stops working with
    the child: not, outside the index team, a shielded child."""
    return may_be_told_who_is_involved(child_access(user, child))


def follow_set(*, user: User, child: Child, following: bool) -> None:
    """Follow or stop following. Raises FollowRefused for a child the user may not follow.
    Stopping is always allowed: a follow made before the child was shielded stays until
    its user stops it, and hears only shielded_notice."""
    if following:
        if not may_follow(user=user, child=child):
            raise FollowRefused("This child's record view does not show who is involved")
        Follow.objects.get_or_create(user=user, child=child)
    else:
        Follow.objects.filter(user=user, child=child).delete()


def is_following(*, user: User, child: Child) -> bool:
    return Follow.objects.filter(user=user, child=child).exists()


def followers_notify(
    *, child: Child, message: str, actor: User | None, about: uuid.UUID | None = None
) -> list[Notification]:
    """Tell everyone following the child (except whoever caused the change).

    ``message`` must be what any follower whose record view shows who is involved may
    read (never a sensitive service's name). Each recipient is asked about separately:
    one who may not be told who is involved gets shielded_notice instead. ``about``
    is the involvement the message concerns, so withdrawing consent can remove it.
    """
    recipients = list(
        User.objects.filter(pk__in=Follow.objects.filter(child=child).values("user_id"))
        .exclude(pk=getattr(actor, "pk", None))
        .filter(is_active=True)
    )
    if not recipients:
        return []
    with transaction.atomic():
        notifications = Notification.objects.bulk_create(
            Notification(
                recipient=user,
                child=child,
                message=(
                    message
                    if may_be_told_who_is_involved(child_access(user, child))
                    else shielded_notice(child)
                )[:300],
                about=about,
            )
            for user in recipients
        )
        emails = [user.email for user in recipients if user.email]
        if emails:
            link = reverse("notifications:list")
            transaction.on_commit(
                lambda: send_mail(
                    subject="Child Index: a change for a child you follow",
                    message=(
                        "Something has changed for a child you follow on Child Index.\n\n"
                        f"Sign in to see it: {link}\n\nThis email deliberately says nothing more."
                    ),
                    from_email=None,
                    recipient_list=emails,
                )
            )
    return notifications


@transaction.atomic
def notifications_remove(*, about: uuid.UUID) -> int:
    """Remove every notification about an involvement (consent to it was withdrawn)."""
    removed, _ = Notification.objects.filter(about=about).delete()
    return removed


def notifications_mark_read(*, user: User) -> None:
    Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
