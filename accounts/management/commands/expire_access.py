"""Daily: expire accounts whose vetting has lapsed, and warn of expiry 30 days ahead.

Access already stops on the very request after a lapse (the middleware checks
every request); this command makes the status say so, ends the sessions, and
sends the warning emails. Safe to run more than once a day: each warning is
sent once per expiry date.
"""

import datetime
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.access import administrators_to_contact
from accounts.lifecycle import account_expire, lapsed_reason
from accounts.models import AccountStatus, User, Vetting
from audit.models import Action
from audit.services import audit_event_record


class Command(BaseCommand):
    help = "Expire lapsed accounts and email warnings before expiry (run daily)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="report what would happen, change nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = datetime.date.today()
        dry_run = options["dry_run"]
        expired = warned = 0
        candidates = User.objects.filter(
            status__in=[AccountStatus.ACTIVE, AccountStatus.AWAITING_ENROLMENT]
        ).select_related("vetting", "organisation")
        for user in candidates.iterator():
            reason = lapsed_reason(user, today)
            if reason:
                expired += 1
                self.stdout.write(f"expire {user.username}: {reason}")
                if not dry_run:
                    account_expire(user=user, reason=reason)
                continue
            if self._warn(user, today, dry_run):
                warned += 1
        verb = "would be" if dry_run else "were"
        self.stdout.write(
            self.style.SUCCESS(f"{expired} account(s) {verb} expired, {warned} warning(s) sent.")
        )

    def _warn(self, user: User, today: datetime.date, dry_run: bool) -> bool:
        vetting: Vetting | None = getattr(user, "vetting", None)
        due = vetting.earliest_expiry() if vetting else None
        if due is None or (due - today).days > settings.EXPIRY_WARNING_DAYS:
            return False
        if vetting.warned_for == due:
            return False
        self.stdout.write(f"warn {user.username}: access expires {due:%-d %B %Y}")
        if dry_run:
            return True
        recipients = [user.email] + [a.email for a in administrators_to_contact(user)]
        recipients = [address for address in recipients if address]
        with transaction.atomic():
            vetting.warned_for = due
            vetting.save(update_fields=["warned_for"])
            audit_event_record(
                action=Action.EXPIRY_WARNING,
                object_type="user",
                object_id=str(user.public_id),
                details={"username": user.username, "expires": due.isoformat()},
            )
            transaction.on_commit(
                lambda: send_mail(
                    subject="Your Child Index access expires soon",
                    message=(
                        f"{user.get_full_name()}'s access to Child Index expires on "
                        f"{due:%-d %B %Y}, when a vetting check falls due (DBS certificate, "
                        f"manager's authorisation or training).\n\nAsk your Child Index "
                        f"administrator to record the renewed check before then."
                    ),
                    from_email=None,
                    recipient_list=recipients,
                )
            )
        return True
