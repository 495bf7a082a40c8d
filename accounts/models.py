"""Users and the organisations they belong to."""

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models

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

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in. Belongs to one organisation (none only for the service operator)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    job_title = models.CharField(max_length=120, blank=True)
    phone = models.CharField(max_length=40, blank=True)

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
