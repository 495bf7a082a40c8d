"""The secret that keys the audit seals, held outside the database.

Every sealed block carries an HMAC-SHA256 of its positions and chain head under a key from the
environment (``AUDIT_SEAL_KEY="id:secret"``) and that key's id. Whoever owns the database can
rewrite events and recompute every sha256 in the chain, but cannot make a block's MAC without
the key. Earlier keys (``AUDIT_SEAL_KEYS``) still verify the blocks they sealed, so a key can be
rotated without re-sealing anything (docs/audit.md).

Without ``AUDIT_SEAL_KEY`` (development and tests only: the settings refuse ``HTTPS=true``
without it) a random key is made on first use in ``AUDIT_SEAL_KEY_FILE`` (var/audit-seal.key),
readable only by its owner; its id names its fingerprint, so a replaced file is reported as an
unknown key rather than as forged blocks.
"""

import hashlib
import hmac
import os
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

BLOCK_PURPOSE = "childindex.audit.block.v1"
WITNESS_PURPOSE = "childindex.audit.witness.v1"


@dataclass(frozen=True)
class SealKey:
    key_id: str
    secret: bytes = field(repr=False)

    def sign(self, purpose: str, *parts: str | int) -> str:
        """HMAC-SHA256 of the purpose, this key's id and the parts, unambiguously joined."""
        message = "\x1f".join(str(part) for part in (purpose, self.key_id, *parts))
        return hmac.new(self.secret, message.encode("utf-8"), hashlib.sha256).hexdigest()


def sealing_key() -> SealKey:
    """The key that seals new blocks."""
    if settings.AUDIT_SEAL_KEY_ID:
        key_id = settings.AUDIT_SEAL_KEY_ID
        return SealKey(key_id, settings.AUDIT_SEAL_SECRETS[key_id].encode("utf-8"))
    return _development_key()


def verifying_keys() -> dict[str, SealKey]:
    """Every key whose blocks verify: the sealing key and the earlier ones, by id."""
    keys = {
        key_id: SealKey(key_id, secret.encode("utf-8"))
        for key_id, secret in settings.AUDIT_SEAL_SECRETS.items()
    }
    if not settings.AUDIT_SEAL_KEY_ID:
        development = _development_key()
        keys[development.key_id] = development
    return keys


def moment(value: datetime) -> str:
    """A block's sealing time as MAC'd and witnessed: UTC, to the microsecond."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def block_mac(
    key: SealKey, *, first_position: int, last_position: int, head_hash: str, sealed_at: datetime
) -> str:
    """The MAC of every column of a block row but its id (which its seals name)."""
    return key.sign(BLOCK_PURPOSE, first_position, last_position, head_hash, moment(sealed_at))


def mac_matches(
    keys: dict[str, SealKey], key_id: str, mac: str, purpose: str, *parts: str | int
) -> bool:
    key = keys.get(key_id)
    return key is not None and hmac.compare_digest(key.sign(purpose, *parts), mac)


def _development_key() -> SealKey:
    path = Path(settings.AUDIT_SEAL_KEY_FILE)
    try:
        secret = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        secret = _create_key_file(path)
    if len(secret) < 32:
        raise ImproperlyConfigured(f"{path} does not hold an audit seal key: remove it.")
    fingerprint = hashlib.sha256(secret.encode("ascii")).hexdigest()[:8]
    return SealKey(f"dev-{fingerprint}", secret.encode("ascii"))


def _create_key_file(path: Path) -> str:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    secret = secrets.token_hex(32)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs once written
        for _ in range(50):
            if len(existing := path.read_text(encoding="ascii").strip()) >= 32:
                return existing
            time.sleep(0.01)
        return existing
    with os.fdopen(descriptor, "w", encoding="ascii") as file:
        file.write(secret + "\n")
        file.flush()
        os.fsync(file.fileno())
    return secret
