"""Services, practitioners and their involvement with children.

School and GP are involvements of universal services, so one mechanism
answers "is the child in school / registered with a GP?" and "who else is
working with this child?".
"""

import datetime
import uuid

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import Organisation


class ServiceType(models.TextChoices):
    SCHOOL = "school", "School or educational setting"
    GP = "gp", "GP practice"
    HEALTH_VISITING = "health_visiting", "Health visiting"
    SCHOOL_NURSING = "school_nursing", "School nursing"
    SOCIAL_CARE = "social_care", "Children's social care"
    YOUTH = "youth", "Youth service"
    POLICE = "police", "Police"
    VOLUNTARY = "voluntary", "Voluntary sector"
    SEXUAL_HEALTH = "sexual_health", "Sexual health"
    MENTAL_HEALTH = "mental_health", "Mental health"
    SUBSTANCE_MISUSE = "substance_misuse", "Substance misuse"
    OTHER = "other", "Other"


SENSITIVE_SERVICE_TYPES = frozenset(
    {ServiceType.SEXUAL_HEALTH, ServiceType.MENTAL_HEALTH, ServiceType.SUBSTANCE_MISUSE}
)
UNIVERSAL_SERVICE_TYPES = frozenset({ServiceType.SCHOOL, ServiceType.GP})


class Service(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(max_length=40, unique=True)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="services"
    )
    name = models.CharField(max_length=200)
    service_type = models.CharField(max_length=20, choices=ServiceType.choices)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    address = models.CharField(max_length=300, blank=True)
    # The service directory entry (Bolton's online directory): what the service offers.
    description = models.TextField(blank=True)
    categories = models.CharField(max_length=200, blank=True, help_text="Comma separated")
    min_age = models.PositiveSmallIntegerField(null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(null=True, blank=True)
    area_served = models.CharField(max_length=200, blank=True)
    opening_times = models.CharField(max_length=200, blank=True)
    how_to_refer = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_sensitive(self) -> bool:
        return self.service_type in SENSITIVE_SERVICE_TYPES


class Practitioner(models.Model):
    """A named professional (who may or may not be a user of the index)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="practitioners"
    )
    name = models.CharField(max_length=200)
    job_title = models.CharField(max_length=120)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    # The practitioner's own account, when they use the index themselves.
    user = models.OneToOneField(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="practitioner",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name}, {self.job_title}"


class SensitiveBasis(models.TextChoices):
    CONSENT = "consent", "The young person's informed consent"
    SIGNIFICANT_HARM = "significant_harm", "Reasonable cause to suspect significant harm"


class InvolvementQuerySet(models.QuerySet["Involvement"]):
    def live(self) -> "InvolvementQuerySet":
        """Not withdrawn: what any view may show (subject to the visibility policy)."""
        return self.filter(withdrawn_at__isnull=True)

    def current(self, today: datetime.date | None = None) -> "InvolvementQuerySet":
        today = today or datetime.date.today()
        return (
            self.live()
            .filter(start_date__lte=today)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        )

    def ended_since(self, since: datetime.date, today: datetime.date | None = None):
        today = today or datetime.date.today()
        return self.filter(end_date__lt=today, end_date__gte=since)


class Involvement(models.Model):
    """A practitioner or service working with a child, from a start date to an optional end."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    child = models.ForeignKey(
        "records.Child", on_delete=models.CASCADE, related_name="involvements"
    )
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="involvements")
    practitioner = models.ForeignKey(
        Practitioner,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="involvements",
    )
    role = models.CharField(max_length=120)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    # Set from the service type when recorded (sexual health, mental health, substance misuse).
    is_sensitive = models.BooleanField(default=False)
    # A sensitive involvement may be recorded only on one of these bases, and which one
    # applies is recorded with who gave or decided it, when, and how it was recorded.
    basis = models.CharField(max_length=20, choices=SensitiveBasis.choices, blank=True)
    basis_by = models.CharField("consent given by / decided by", max_length=200, blank=True)
    basis_date = models.DateField(null=True, blank=True)
    basis_note = models.CharField(max_length=500, blank=True)
    # Withdrawn consent hides the involvement from every view at once; the row stays only
    # for the audit trail.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # Set by feeds: the source system and its own key for this involvement (idempotent imports).
    source = models.CharField(max_length=60, blank=True)
    external_ref = models.CharField(max_length=200, blank=True)
    # When what the record page shows of this involvement last changed (recorded, ended,
    # contacts updated, or changed by a feed). Set by the services that change it, not by
    # auto_now: a feed repeating an unchanged row must change nothing.
    updated_at = models.DateTimeField(default=timezone.now)

    objects = InvolvementQuerySet.as_manager()

    class Meta:
        ordering = ["start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="involvement_ends_after_it_starts",
            ),
            models.UniqueConstraint(
                fields=["source", "external_ref"],
                condition=~Q(source=""),
                name="involvement_external_ref_unique",
            ),
            models.CheckConstraint(
                condition=Q(is_sensitive=False)
                | (
                    Q(basis__in=["consent", "significant_harm"])
                    & ~Q(basis_by="")
                    & Q(basis_date__isnull=False)
                ),
                name="sensitive_involvement_has_a_basis",
            ),
        ]
        indexes = [models.Index(fields=["child", "end_date"], name="involvement_child_end_idx")]

    def __str__(self) -> str:
        return f"{self.role} ({self.service}) for child {self.child_id}"

    @property
    def contact_phone(self) -> str:
        return (self.practitioner.phone if self.practitioner else "") or self.service.phone

    @property
    def contact_email(self) -> str:
        return (self.practitioner.email if self.practitioner else "") or self.service.email
