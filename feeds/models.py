"""What feeds tell the index: which child a source's person is, and what needs review."""

import uuid

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from records.ratelimits import RATE_PATTERN


class SourceRecord(models.Model):
    """A source system's id for a person, linked to one child. The deterministic match."""

    source = models.CharField(max_length=60)
    source_id = models.CharField(max_length=100)
    child = models.ForeignKey("records.Child", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "source_id"], name="source_record_unique")
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.source_id}"


class ReviewStatus(models.TextChoices):
    OPEN = "open", "Waiting for review"
    LINKED = "linked", "Linked to the existing child"
    CREATED = "created", "Created as a new child"
    NOT_SAME = "not_same", "Not the same child"


class ReviewItem(models.Model):
    """A possible match the matcher would not decide alone (close scores, twins, a shield)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    source = models.CharField(max_length=60)
    source_id = models.CharField(max_length=100)
    incoming = models.JSONField()
    rows = models.JSONField(default=list)  # the involvement rows waiting with the person
    candidate = models.ForeignKey(
        "records.Child", on_delete=models.CASCADE, null=True, related_name="+"
    )
    score = models.PositiveSmallIntegerField()
    reasons = models.JSONField(default=list)
    # The field-by-field contributions to the score (feeds.scoring), shown to the reviewer.
    explanation = models.JSONField(default=list)
    status = models.CharField(
        max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id"],
                condition=Q(status="open"),
                name="one_open_review_per_source_person",
            )
        ]

    def __str__(self) -> str:
        return f"Review {self.source}:{self.source_id}"


class NotSamePair(models.Model):
    """A reviewer decided this source person is not this child: never propose it again."""

    source = models.CharField(max_length=60)
    source_id = models.CharField(max_length=100)
    child = models.ForeignKey("records.Child", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "source_id", "child"], name="not_same_once")
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.source_id} is not child {self.child_id}"


class SourceDuplicate(models.Model):
    """Two ids of one source that look like one child: for the source's data steward.

    The source says they are different people, so each has its own child in the index;
    this flag only asks the source to check its own records.
    """

    source = models.CharField(max_length=60)
    source_id = models.CharField(max_length=100)
    child = models.ForeignKey("records.Child", on_delete=models.CASCADE, related_name="+")
    other_source_id = models.CharField(max_length=100)
    other_child = models.ForeignKey("records.Child", on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["source", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id", "other_source_id"], name="source_duplicate_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source}: {self.source_id} may be {self.other_source_id}"


class IntegrationClient(models.Model):
    """A case management system allowed to use the API, for one organisation.

    Its token is shown once and stored as a SHA-256 hash. It acts through its own
    user (role: integration client), so the same visibility policy and audit apply.
    ``rate_limit`` is its API allowance (``count/period``); blank: API_SEARCH_RATE_LIMIT.
    """

    name = models.CharField(max_length=60, unique=True)
    organisation = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="integration_client"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    token_prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    rate_limit = models.CharField(
        max_length=20,
        blank=True,
        default="",
        validators=[RegexValidator(RATE_PATTERN, "Give the limit as count/period, e.g. 600/m")],
        help_text="Searches (and, counted apart, updates) per period; blank for the default",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(rate_limit="") | Q(rate_limit__regex=RATE_PATTERN),
                name="integration_client_rate_limit_form",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def allowance(self) -> str:
        """The rate its API requests are counted against."""
        return self.rate_limit or settings.API_SEARCH_RATE_LIMIT


class ChildMerge(models.Model):
    """Two records found to be one child: what moved, so that a wrong merge can be undone."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kept = models.ForeignKey("records.Child", on_delete=models.CASCADE, related_name="+")
    merged = models.ForeignKey("records.Child", on_delete=models.CASCADE, related_name="+")
    moved = models.JSONField()  # {"model label": [primary keys]}
    reason = models.TextField()
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    merged_at = models.DateTimeField(auto_now_add=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-merged_at"]

    def __str__(self) -> str:
        return f"Merge of child {self.merged_id} into {self.kept_id}"


class ImportStatus(models.TextChoices):
    WAITING = "waiting", "Waiting to start"
    RUNNING = "running", "Importing"
    DONE = "done", "Finished"
    FAILED = "failed", "Failed"


class ImportJob(models.Model):
    """A file uploaded by the index team, imported in the background with visible progress."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    source = models.CharField(max_length=60)
    filename = models.CharField(max_length=200)
    path = models.CharField(max_length=500)
    size = models.BigIntegerField()
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.WAITING
    )
    rows_done = models.PositiveIntegerField(default=0)
    bytes_done = models.BigIntegerField(default=0)
    outcomes = models.JSONField(default=dict)
    report = models.TextField(blank=True)  # the per-row CSV report
    error = models.TextField(blank=True)
    dry_run = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import of {self.filename} from {self.source}"

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        return min(99, int(self.rows_done * 100 / max(self.estimated_rows, 1)))

    @property
    def estimated_rows(self) -> int:
        return max(1, self.size // 150)
