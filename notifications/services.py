"""Following children and notifying their followers, in the service and by email.

Emails carry no detail about the child at all (an email can be forwarded or read
over a shoulder): they say only that something changed and link to the service,
where the visibility policy applies.
"""

from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from notifications.models import Follow, Notification
from records.models import Child


def follow_set(*, user: User, child: Child, following: bool) -> None:
    if following:
        Follow.objects.get_or_create(user=user, child=child)
    else:
        Follow.objects.filter(user=user, child=child).delete()


def is_following(*, user: User, child: Child) -> bool:
    return Follow.objects.filter(user=user, child=child).exists()


@transaction.atomic
def followers_notify(*, child: Child, message: str, actor: User | None) -> list[Notification]:
    """Tell everyone following the child (except whoever caused the change)."""
    recipients = list(
        User.objects.filter(pk__in=Follow.objects.filter(child=child).values("user_id"))
        .exclude(pk=getattr(actor, "pk", None))
        .filter(is_active=True)
    )
    notifications = Notification.objects.bulk_create(
        Notification(recipient=user, child=child, message=message[:300]) for user in recipients
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


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notifications_mark_read(*, user: User) -> None:
    Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())
