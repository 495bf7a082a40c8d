"""Telling practitioners when the picture around a child they follow changes."""

import uuid

from django.conf import settings
from django.db import models


class Follow(models.Model):
    """A user who wants to hear about changes around a child (the lead professional always does)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    child = models.ForeignKey("records.Child", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "child"], name="follow_once")]

    def __str__(self) -> str:
        return f"{self.user} follows child {self.child_id}"


class Notification(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    child = models.ForeignKey("records.Child", on_delete=models.CASCADE, related_name="+")
    # Written for this recipient through the visibility policy (records.access): never a
    # sensitive service's name; for a shielded child, outside the index team, only that
    # something changed. The list asks the policy again when it shows the message.
    message = models.CharField(max_length=300)
    # The involvement the message is about, if any: withdrawing consent to it removes the
    # message, as it removes the involvement from every view.
    about = models.UUIDField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return self.message
