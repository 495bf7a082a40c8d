"""The audit event log.

The audit app knows nothing of the other apps: an event names its actor and
its object by value (ids, usernames, organisation codes), never by foreign key,
so that events outlive the rows they describe and the table can be made
append-only in the database without cascading deletes touching it.
"""

from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.db.models.functions import Now


class Action(models.TextChoices):
    LOGIN_SUCCESS = "login.success", "Signed in"
    LOGIN_FAILURE = "login.failure", "Failed sign-in"
    OTP_SUCCESS = "otp.success", "Second factor verified"
    OTP_FAILURE = "otp.failure", "Second factor failed"
    LOGOUT = "logout", "Signed out"
    SEARCH = "search", "Searched for a child"
    SEARCH_RATE_LIMITED = "search.rate_limited", "Refused: too many searches"
    RECORD_VIEW = "record.view", "Viewed a child's record"
    ACCESS_DENIED = "access.denied", "Access denied"
    ACCESS_LAPSED = "access.lapsed", "Refused: access lapsed"
    PASSWORD_CHANGE = "password.change", "Changed password"
    PASSWORD_RESET_REQUEST = "password.reset_request", "Asked for a password reset"
    PASSWORD_RESET = "password.reset", "Reset password"
    ACCOUNT_REQUEST = "account.request", "Requested an account"
    VETTING_RECORD = "vetting.record", "Recorded vetting evidence"
    ACCOUNT_AUTHORISE = "account.authorise", "Authorised an account"
    ACTIVATION_ISSUE = "activation.issue", "Issued an activation code"
    ACCOUNT_SUSPEND = "account.suspend", "Suspended an account"
    ACCOUNT_REACTIVATE = "account.reactivate", "Reactivated an account"
    ACCOUNT_CLOSE = "account.close", "Closed an account"
    ACCOUNT_EXPIRE = "account.expire", "Account expired"
    ROLES_CHANGE = "roles.change", "Changed roles"
    AGREEMENT_ACCEPT = "agreement.accept", "Accepted the user agreement"
    DEVICE_ENROL = "device.enrol", "Enrolled a second factor"
    DEVICE_REMOVE = "device.remove", "Removed a second factor"
    BACKUP_CODES_ISSUE = "backup_codes.issue", "Created backup codes"
    EXPIRY_WARNING = "expiry.warning", "Warned of expiring access"
    AUDIT_REVIEW = "audit.review", "Reviewed the audit trail"
    AUDIT_RESTORE = "audit.restore", "Accepted an audit chain restored from a backup"
    EXPORT = "export", "Exported data"
    BREAK_GLASS = "record.break_glass", "Broke the glass on a shielded record"
    INVOLVEMENT_RECORD = "involvement.record", "Recorded an involvement"
    CONSENT_WITHDRAW = "involvement.consent_withdrawn", "Recorded withdrawn consent"
    INVOLVEMENT_END = "involvement.end", "Ended an involvement"
    INVOLVEMENT_UPDATE = "involvement.update", "Updated involvement contacts"
    CAF_RECORD = "caf.record", "Recorded a CAF status"
    LEAD_ASSIGN = "lead.assign", "Assigned a lead professional"
    DIRECTORY_UPDATE = "directory.update", "Updated a service directory entry"
    FEED_IMPORT = "feed.import", "Imported a batch of a feed"
    REVIEW_DECISION = "feed.review", "Decided a possible match"
    CHILD_MERGE = "child.merge", "Merged a duplicate child"
    CHILD_UNMERGE = "child.unmerge", "Undid a merge"
    RETENTION = "retention", "Applied the retention policy"
    LOOKUP_REQUEST = "lookup.request", "Asked the index team for a lookup"
    LOOKUP_OPEN = "lookup.open", "Opened a mediated lookup"
    LOOKUP_CLOSE = "lookup.close", "Closed a mediated lookup"
    SHIELD = "child.shield", "Shielded a child"
    UNSHIELD = "child.unshield", "Removed a child's shield"


class Outcome(models.TextChoices):
    SUCCESS = "success", "Success"
    FAILURE = "failure", "Failure"
    DENIED = "denied", "Denied"


# The columns an event is written with, in the order the hash chain reads them
# (after id and occurred_at, which the database sets).
EVENT_FIELDS = (
    "action",
    "outcome",
    "actor_id",
    "actor_username",
    "actor_organisation",
    "actor_roles",
    "ip_address",
    "request_id",
    "reason",
    "object_type",
    "object_id",
    "details",
)


class AuditEvent(models.Model):
    """One thing that happened, who did it, and why. Never updated or deleted."""

    occurred_at = models.DateTimeField(db_default=Now(), db_index=True)
    # Values of Action and Outcome; no database choices, so adding an action needs no migration.
    action = models.CharField(max_length=40, db_index=True)
    outcome = models.CharField(max_length=10)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_username = models.CharField(max_length=150, blank=True)
    actor_organisation = models.CharField(max_length=40, blank=True)
    actor_roles = models.CharField(max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True, db_index=True)
    reason = models.TextField(blank=True)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    # Structured detail: search criteria, the ids a search returned, and so on.
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["actor_id", "occurred_at"], name="audit_actor_time_idx"),
            models.Index(fields=["occurred_at", "id"], name="audit_seal_order_idx"),
            # "Which searches returned this child?": details @> {"returned": [id]}.
            GinIndex(fields=["details"], name="audit_details_gin", opclasses=["jsonb_path_ops"]),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.action} {self.actor_username}"

    @property
    def action_label(self) -> str:
        return Action(self.action).label if self.action in Action.values else self.action


class AuditBlock(models.Model):
    """One run of the sealer: the events it chained and the chain head after them.

    ``mac`` is HMAC-SHA256 of the positions and the head under the key named ``key_id``, a
    secret held outside the database (audit/keys.py). Blocks sealed before keys existed have
    neither ("unkeyed legacy"): they verify by their hashes, and by the first keyed block
    after them, whose head chains through them; no unkeyed block may follow a keyed one.
    """

    sealed_at = models.DateTimeField(db_default=Now())
    first_position = models.BigIntegerField()
    last_position = models.BigIntegerField()
    head_hash = models.CharField(max_length=64)
    key_id = models.CharField(max_length=32, blank=True, default="")
    mac = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Block {self.pk}: {self.first_position}-{self.last_position} {self.head_hash[:12]}"


class AuditSeal(models.Model):
    """An event's place in the hash chain: its own digest and the chain digest up to it.

    ``chain_hash = sha256(previous chain_hash + event_hash)``; position 1 starts from
    64 zeros. A seal never changes; neither does the event it names.
    """

    position = models.BigIntegerField(unique=True)
    event_id = models.BigIntegerField(unique=True)
    # No database foreign key: PostgreSQL checks one with SELECT ... FOR KEY SHARE as the
    # owner of audit_auditblock, which needs the UPDATE privilege the owner gave up
    # (0004_append_only), so a non-superuser owner could not seal. Neither table can lose a
    # row, and verify_audit checks every seal.
    block = models.ForeignKey(
        AuditBlock, on_delete=models.PROTECT, related_name="seals", db_constraint=False
    )
    event_hash = models.CharField(max_length=64)
    chain_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return f"Seal {self.position} of event {self.event_id}"
