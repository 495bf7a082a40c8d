"""CAF indicator and lead professional: whether a Common Assessment exists, its status and
who holds it (never its content), and the single lead professional for the family."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class CafStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    CLOSED = "closed", "Closed"


class CafVersion(models.Model):
    """One version of a child's CAF indicator. Only ever added to: a review or a change of
    status is a new version; the database refuses updates and deletions."""

    # Deleted with the child only when retention deletes the record (the database
    # refuses deleting a CAF version of a child that is not archived).
    child = models.ForeignKey("records.Child", on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=12, choices=CafStatus.choices)
    started_on = models.DateField()
    completed_on = models.DateField(null=True, blank=True)
    review_due = models.DateField(null=True, blank=True)
    holder_service = models.ForeignKey(
        "involvements.Service", on_delete=models.PROTECT, related_name="+"
    )
    holder_practitioner = models.ForeignKey(
        "involvements.Practitioner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["child", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["child", "version"], name="caf_version_unique"),
            models.CheckConstraint(
                condition=Q(completed_on__isnull=True)
                | Q(completed_on__gte=models.F("started_on")),
                name="caf_completed_after_started",
            ),
        ]

    def __str__(self) -> str:
        return f"CAF v{self.version} ({self.get_status_display()}) for child {self.child_id}"


class LeadBasis(models.TextChoices):
    PRIORITY_NEED = "priority_need", "The agency meeting the priority need"
    COMFORTABLE = "comfortable", "The child or young person is comfortable with them"
    COMMUNICATES = "communicates", "Best able to communicate with the family"
    OTHER = "other", "Other (see note)"


class LeadProfessional(models.Model):
    """A lead professional appointment; at most one current per child, the rest history."""

    child = models.ForeignKey("records.Child", on_delete=models.CASCADE, related_name="+")
    # An appointment means nothing without its involvement: retention deletes both.
    involvement = models.ForeignKey(
        "involvements.Involvement", on_delete=models.CASCADE, related_name="+"
    )
    basis = models.CharField(max_length=20, choices=LeadBasis.choices)
    basis_note = models.CharField(max_length=500, blank=True)
    assigned_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["child", "-assigned_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["child"],
                condition=Q(ended_on__isnull=True),
                name="one_current_lead_professional",
            ),
        ]

    def __str__(self) -> str:
        return f"Lead professional for child {self.child_id}"
