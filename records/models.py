"""Children: identity, names (current and former), addresses and carers.

Only the minimal index data set lives here; never case notes, assessments or
opinions. The child's public id is an opaque UUID, used in URLs; the database
primary key never leaves the service.
"""

import uuid

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import Q

from records.names import normalise_name, phonetic_key


class Gender(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"
    OTHER = "X", "Other"
    NOT_SPECIFIED = "U", "Not specified"


class Child(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(db_index=True)
    gender = models.CharField(max_length=1, choices=Gender.choices, default=Gender.NOT_SPECIFIED)
    # A shielded child shows ordinary users only names, gender, date of birth and the
    # carer's name (records.access); decisions are kept in ShieldDecision.
    is_shielded = models.BooleanField(default=False)
    shield_review_due = models.DateField(null=True, blank=True)
    # Retention (records.retention): records stay live to 18, or to 25 with the young
    # person's consent, or for a year after death; then they are archived, and deleted for
    # real RETENTION_DELETE_YEARS after that.
    consent_until_25 = models.BooleanField(default=False)
    date_of_death = models.DateField(null=True, blank=True)
    archived_on = models.DateField(null=True, blank=True)
    # A duplicate merged into another child: hidden everywhere, kept so the merge can be undone.
    merged_into = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "children"

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


class NameKind(models.TextChoices):
    CURRENT = "current", "Current name"
    FORMER = "former", "Former name"
    ALIAS = "alias", "Also known as"


class ChildName(models.Model):
    """Every name a child is or was known by, with the forms search compares."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="names")
    kind = models.CharField(max_length=10, choices=NameKind.choices)
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    given_norm = models.CharField(max_length=100, editable=False)
    family_norm = models.CharField(max_length=100, editable=False)
    given_key = models.CharField(max_length=40, editable=False)
    family_key = models.CharField(max_length=40, editable=False)
    used_until = models.DateField(null=True, blank=True)
    # The child's date of birth, copied here by a database trigger (records migration 0007)
    # so that a search by name and date of birth is one index range, not a join.
    date_of_birth = models.DateField(null=True, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["child"],
                condition=Q(kind="current"),
                name="one_current_name_per_child",
            ),
            models.CheckConstraint(
                condition=~Q(family_name="") | ~Q(given_name=""),
                name="child_name_not_empty",
            ),
        ]
        indexes = [
            # For a name without any date: a family name inside a double-barrelled one.
            GinIndex(OpClass("family_norm", name="gin_trgm_ops"), name="childname_family_trgm"),
            # Search (records.search) reads names through these three ranges; each
            # carries the columns the search compares, so PostgreSQL answers from the index.
            models.Index(
                fields=["date_of_birth"],
                include=["child_id", "family_norm", "given_norm", "family_key", "given_key"],
                name="childname_dob",
            ),
            models.Index(
                fields=["family_key", "date_of_birth"],
                include=["child_id", "given_key", "given_norm"],
                name="childname_family_dob",
            ),
            models.Index(
                fields=["given_key", "date_of_birth"],
                include=["child_id", "family_key", "family_norm"],
                name="childname_given_dob",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name} ({self.get_kind_display()})"

    def set_search_forms(self) -> None:
        """Fill the normalised and phonetic columns from the names as entered."""
        self.given_norm = normalise_name(self.given_name)
        self.family_norm = normalise_name(self.family_name)
        self.given_key = phonetic_key(self.given_norm)
        self.family_key = phonetic_key(self.family_norm)


class AddressStatus(models.TextChoices):
    CURRENT = "current", "Current address"
    LAST_KNOWN = "last_known", "Last known address"
    PREVIOUS = "previous", "Previous address"


class Address(models.Model):
    """An address in the child's history. No current or last-known row means no known address."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="addresses")
    status = models.CharField(max_length=12, choices=AddressStatus.choices)
    line_1 = models.CharField(max_length=200)
    line_2 = models.CharField(max_length=200, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    postcode_district = models.CharField(max_length=4, blank=True, editable=False)
    moved_in = models.DateField(null=True, blank=True)
    moved_out = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "addresses"
        constraints = [
            models.UniqueConstraint(
                fields=["child"],
                condition=Q(status__in=["current", "last_known"]),
                name="one_current_address_per_child",
            ),
            models.CheckConstraint(
                condition=Q(moved_out__isnull=True)
                | Q(moved_in__isnull=True)
                | Q(moved_out__gte=models.F("moved_in")),
                name="address_moved_out_after_moved_in",
            ),
        ]
        indexes = [
            # Postcodes are stored normalised (upper case, one space), so a plain index serves.
            models.Index(fields=["postcode"], name="address_postcode_idx"),
            models.Index(fields=["postcode_district"], name="address_district_idx"),
        ]

    def __str__(self) -> str:
        return ", ".join(
            part for part in [self.line_1, self.line_2, self.town, self.postcode] if part
        )


class Carer(models.Model):
    """A parent or carer, with the contact details a practitioner needs."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="carers")
    name = models.CharField(max_length=200)
    relationship = models.CharField(max_length=60)
    has_parental_responsibility = models.BooleanField(default=False)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.relationship})"


class ShieldDecision(models.Model):
    """Each decision to shield or unshield a child, with its reason and review date."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="shield_decisions")
    shielded = models.BooleanField()
    reason = models.TextField()
    review_due = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{'Shielded' if self.shielded else 'Unshielded'} child {self.child_id}"


class IdentifierKind(models.TextChoices):
    NHS_NUMBER = "nhs", "NHS number"
    UPN = "upn", "Unique pupil number"
    LOCAL = "local", "Local system id"


class ChildIdentifier(models.Model):
    """Another agency's identifier for the child, kept for matching.

    Shown only to users of the issuing organisation (and the index team).
    """

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="identifiers")
    kind = models.CharField(max_length=10, choices=IdentifierKind.choices)
    value = models.CharField(max_length=40)
    issued_by = models.ForeignKey(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "value", "issued_by"], name="identifier_unique_per_issuer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value}"
