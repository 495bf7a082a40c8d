"""Users, the organisations they belong to, their vetting and their second factors."""

import datetime
import hashlib
import secrets
import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django_otp.models import Device

from accounts.roles import Role


class OrganisationType(models.TextChoices):
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    SCHOOL = "school", "School or educational setting"
    HEALTH = "health", "Health"
    POLICE = "police", "Police"
    VOLUNTARY = "voluntary", "Voluntary sector"
    OTHER = "other", "Other"


class Organisation(models.Model):
    """An employer of users and provider of services (a school, a GP practice, a trust...)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    organisation_type = models.CharField(max_length=30, choices=OrganisationType.choices)
    # Postcode districts the organisation serves (e.g. "SE6 SE13"); empty means anywhere.
    # Used by the misuse report to notice views of children from other areas.
    area_districts = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def serves(self, district: str) -> bool:
        districts = self.area_districts.upper().split()
        return not districts or district.upper() in districts


class AccountStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    VETTING = "vetting", "Vetting in progress"
    AWAITING_ENROLMENT = "awaiting_enrolment", "Awaiting second-factor enrolment"
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    EXPIRED = "expired", "Expired"
    CLOSED = "closed", "Closed"


class User(AbstractUser):
    """A person who signs in. Belongs to one organisation (none only for the service operator)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    job_title = models.CharField(max_length=120, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    status = models.CharField(
        max_length=20, choices=AccountStatus.choices, default=AccountStatus.REQUESTED
    )
    status_reason = models.TextField(blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_changed_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(null=True, blank=True)
    # Raising this ends every session of the user at their next request
    # (it is part of the session auth hash): suspension, role or device changes.
    session_epoch = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["email"], condition=~Q(email=""), name="user_email_unique"
            ),
        ]

    def role_names(self) -> frozenset[str]:
        """The names of the roles this user holds (cached for the life of the object)."""
        cached = getattr(self, "_role_names", None)
        if cached is None:
            cached = (
                frozenset(self.groups.values_list("name", flat=True)) if self.pk else frozenset()
            )
            self._role_names = cached
        return cached

    def has_role(self, role: Role) -> bool:
        return self.is_active and role.value in self.role_names()

    def role_labels(self) -> list[str]:
        return [Role(name).label for name in sorted(self.role_names()) if name in Role.values]

    def get_session_auth_hash(self) -> str:
        """Django's hash (which changes with the password) plus the session epoch."""
        return salted_hmac(
            "childindex.accounts.User.get_session_auth_hash",
            f"{self.password}:{self.session_epoch}",
            algorithm="sha256",
        ).hexdigest()


class Vetting(models.Model):
    """The evidence that a user may have access, each item with who recorded it and when."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="vetting")
    dbs_certificate_number = models.CharField(max_length=12, blank=True)
    dbs_issue_date = models.DateField(null=True, blank=True)
    dbs_recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    dbs_recorded_at = models.DateTimeField(null=True, blank=True)
    manager_name = models.CharField(max_length=200, blank=True)
    manager_authorised_on = models.DateField(null=True, blank=True)
    manager_recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    manager_recorded_at = models.DateTimeField(null=True, blank=True)
    training_completed_on = models.DateField(null=True, blank=True)
    training_recorded_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    training_recorded_at = models.DateTimeField(null=True, blank=True)
    agreement_version = models.CharField(max_length=20, blank=True)
    agreement_accepted_at = models.DateTimeField(null=True, blank=True)
    # The earliest expiry date a warning email has been sent for (to send each warning once).
    warned_for = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Vetting of {self.user}"

    @property
    def dbs_renewal_due(self) -> datetime.date | None:
        return add_years(self.dbs_issue_date, settings.DBS_VALID_YEARS)

    @property
    def training_renewal_due(self) -> datetime.date | None:
        return add_years(self.training_completed_on, settings.TRAINING_VALID_YEARS)

    @property
    def authorisation_renewal_due(self) -> datetime.date | None:
        return add_years(self.manager_authorised_on, settings.AUTHORISATION_VALID_YEARS)

    @property
    def complete(self) -> bool:
        """Every item an administrator records is present (not whether it is still in date)."""
        return bool(
            self.dbs_certificate_number
            and self.dbs_issue_date
            and self.manager_name
            and self.manager_authorised_on
            and self.training_completed_on
        )

    @property
    def agreement_current(self) -> bool:
        return self.agreement_version == settings.USER_AGREEMENT_VERSION

    def earliest_expiry(self) -> datetime.date | None:
        dates = [
            d
            for d in (
                self.dbs_renewal_due,
                self.training_renewal_due,
                self.authorisation_renewal_due,
            )
            if d is not None
        ]
        return min(dates) if dates else None


def add_years(day: datetime.date | None, years: int) -> datetime.date | None:
    """The same calendar date ``years`` later (28 February for 29 February)."""
    if day is None:
        return None
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def hash_code(code: str, key: str | None = None) -> str:
    """The stored form of an activation or backup code, peppered with the secret key."""
    normalised = code.replace("-", "").replace(" ", "").upper()
    return hashlib.sha256(f"{key or settings.SECRET_KEY}:{normalised}".encode()).hexdigest()


def code_hashes(code: str) -> list[str]:
    """``code`` hashed with the current key and each fallback, so rotation spares codes."""
    return [hash_code(code, key) for key in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]]


ACTIVATION_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class ActivationCode(models.Model):
    """A one-time code an administrator gives a user to enrol a second factor. Stored hashed."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="activation_codes")

    code_hash = models.CharField(max_length=64)
    issued_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    issued_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Activation code for {self.user} issued {self.issued_at:%Y-%m-%d}"

    @staticmethod
    def new_code() -> str:
        raw = "".join(secrets.choice(ACTIVATION_ALPHABET) for _ in range(12))
        return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"

    def matches(self, code: str) -> bool:
        return any(constant_time_compare(self.code_hash, digest) for digest in code_hashes(code))

    @property
    def usable(self) -> bool:
        return self.used_at is None and self.expires_at > timezone.now()


BACKUP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


class BackupCodeDevice(Device):
    """Single-use backup codes, stored hashed (django-otp's static tokens are plain text)."""

    def verify_token(self, token: str) -> bool:
        token = (token or "").strip()
        if not token:
            return False
        used = BackupCode.objects.filter(
            device=self, code_hash__in=code_hashes(token), used_at__isnull=True
        ).update(used_at=timezone.now())
        return used == 1

    def remaining(self) -> int:
        return self.codes.filter(used_at__isnull=True).count()

    @staticmethod
    def new_code() -> str:
        raw = "".join(secrets.choice(BACKUP_ALPHABET) for _ in range(10))
        return f"{raw[:5]}-{raw[5:]}"


class BackupCode(models.Model):
    device = models.ForeignKey(BackupCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["device", "code_hash"], name="backup_code_unique"),
        ]

    def __str__(self) -> str:
        return f"Backup code of {self.device.user}{' (used)' if self.used_at else ''}"
