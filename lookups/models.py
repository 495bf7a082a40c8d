"""Mediated lookups: the index team answers a caller who has no direct access.

Who asked, how their identity was checked, why, what consent there was, what the
team searched and viewed (linked in the audit trail), and exactly what was
disclosed, brokered or referred.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class IdentityCheck(models.TextChoices):
    CALL_BACK = "call_back", "Called back on a known switchboard number"
    KNOWN_CONTACT = "known_contact", "Caller is a known contact"
    SIGNED_IN = "signed_in", "Asked through the service while signed in"
    OTHER = "other", "Other (see note)"


class Consent(models.TextChoices):
    OBTAINED = "obtained", "Consent obtained from the child or family"
    NOT_SOUGHT = "not_sought", "Consent not sought"


class Urgency(models.TextChoices):
    ROUTINE = "routine", "Routine"
    URGENT = "urgent", "Urgent (today)"
    EMERGENCY = "emergency", "Emergency (child at risk now)"


class Status(models.TextChoices):
    REQUESTED = "requested", "Requested online"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class Outcome(models.TextChoices):
    DISCLOSED = "disclosed", "Contacts disclosed to the caller"
    BROKERED = "brokered", "Brokered: the index team contacted the practitioner instead"
    REFERRED = "referred", "Referred elsewhere"
    NOTHING = "nothing", "Nothing disclosed"


class MediatedLookup(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    caller_name = models.CharField(max_length=200)
    caller_role = models.CharField(max_length=120)
    caller_organisation = models.CharField(max_length=200)
    caller_phone = models.CharField(max_length=40, blank=True)
    caller_email = models.EmailField(blank=True)
    identity_check = models.CharField(max_length=20, choices=IdentityCheck.choices)
    identity_note = models.CharField(max_length=500, blank=True)
    purpose = models.TextField()
    child_description = models.CharField(
        "child the caller asks about", max_length=300, help_text="As the caller gave it"
    )
    consent = models.CharField(max_length=12, choices=Consent.choices)
    consent_detail = models.CharField(max_length=500)
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    child = models.ForeignKey(
        "records.Child", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closed") | (~Q(outcome="") & Q(closed_at__isnull=False)),
                name="closed_lookup_has_an_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"Lookup for {self.caller_name} ({self.caller_organisation})"

    @property
    def time_to_outcome(self):
        return self.closed_at - self.created_at if self.closed_at else None


class Disclosure(models.Model):
    """One contact told to the caller, copied as it was told (the record may change later)."""

    lookup = models.ForeignKey(MediatedLookup, on_delete=models.PROTECT, related_name="disclosures")
    # The copy below is what was said; the link goes when retention deletes the involvement.
    involvement = models.ForeignKey(
        "involvements.Involvement", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    service_name = models.CharField(max_length=200)
    practitioner_name = models.CharField(max_length=200, blank=True)
    role = models.CharField(max_length=120)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lookup", "involvement"], name="disclosed_once"),
        ]

    def __str__(self) -> str:
        return f"{self.service_name} disclosed in {self.lookup_id}"
