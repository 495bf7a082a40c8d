"""The audit witness: the head of every sealed block, kept outside the database.

Whoever owns the database can delete the newest events together with their seals and blocks,
and what is left is a shorter chain that still verifies. So after each block commits, the
sealer appends one JSON line to the witness file (``AUDIT_WITNESS_PATH``), fsync'd, and logs
the same line on the ``audit.witness`` logger (``AUDIT_WITNESS_SYSLOG`` sends it to syslog):

    {"type": "open", "last": P, "head": H, "kid": K, "mac": M, "at": T}
        the chain's head when this witness was started (P = 0 for an empty chain);
    {"type": "block", "block": N, "first": F, "last": P, "event": E, "head": H, "kid": K,
     "mac": M, "at": T}
        a sealed block: its positions, its last event's id, the chain head after it, when it
        was sealed (to the microsecond, as MAC'd) and its MAC;
    {"type": "restore", "last": P, "head": H, "missing_blocks": B, "missing_events": V, ...}
        ``verify_audit --restored-from-backup`` accepted a database restored to head P: what
        the witness holds beyond P was lost with the restore (and is counted here).

A block line's MAC is the block's own (audit.keys); open and restore lines are MAC'd under
the sealing key too, so nobody without the key can add a line that verifies. verify_audit
compares every line with the database; /readyz compares the last one. Keep the file where the
database's administrators cannot write: an append-only volume (``chattr +a``), a WORM store,
or syslog shipped off the host.
"""

import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections

from audit.keys import BLOCK_PURPOSE, WITNESS_PURPOSE, SealKey, mac_matches, moment

logger = logging.getLogger("audit.witness")

KINDS = ("open", "block", "restore")


class WitnessError(Exception):
    """The witness cannot be used: missing where it must exist, or unreadable."""


@dataclass(frozen=True)
class Entry:
    line_number: int
    kind: str
    last: int
    head: str
    key_id: str
    mac: str
    first: int | None = None
    block: int | None = None
    missing_blocks: int = 0
    missing_events: int = 0
    at: str = ""

    def mac_ok(self, keys: dict[str, SealKey]) -> bool:
        if self.kind == "block":
            return mac_matches(
                keys,
                self.key_id,
                self.mac,
                BLOCK_PURPOSE,
                self.first or 0,
                self.last,
                self.head,
                self.at,
            )
        return mac_matches(
            keys, self.key_id, self.mac, WITNESS_PURPOSE, self.kind, self.last, self.head
        )


@dataclass(frozen=True)
class UnreadableLine:
    line_number: int
    reason: str


def witness_path() -> Path:
    """AUDIT_WITNESS_PATH, or (development) var/audit-witness/<database name>.jsonl."""
    if settings.AUDIT_WITNESS_PATH:
        return Path(settings.AUDIT_WITNESS_PATH)
    name = connections["default"].settings_dict["NAME"]
    return Path(settings.BASE_DIR) / "var" / "audit-witness" / f"{name}.jsonl"


def started(path: Path) -> bool:
    try:
        return path.stat().st_size > 0
    except FileNotFoundError:
        return False


def parse(line_number: int, text: str) -> Entry:
    """One witness line; ValueError if it is not one."""
    record = json.loads(text)
    if not isinstance(record, dict) or record.get("type") not in KINDS:
        raise ValueError("not a witness record")
    head, key_id, mac = record.get("head"), record.get("kid"), record.get("mac")
    at = record.get("at") or ""
    if not all(isinstance(value, str) for value in (head, key_id, mac, at)):
        raise ValueError("head, kid, mac and at must be strings")
    numbers = {
        name: record.get(name)
        for name in ("last", "first", "block", "missing_blocks", "missing_events")
    }
    if not isinstance(numbers["last"], int) or any(
        value is not None and (not isinstance(value, int) or isinstance(value, bool))
        for value in numbers.values()
    ):
        raise ValueError("positions must be whole numbers")
    if record["type"] == "block" and (numbers["first"] is None or numbers["block"] is None):
        raise ValueError("a block line needs its block and first position")
    return Entry(
        line_number=line_number,
        kind=record["type"],
        last=numbers["last"],
        head=head,
        key_id=key_id,
        mac=mac,
        first=numbers["first"],
        block=numbers["block"],
        missing_blocks=numbers["missing_blocks"] or 0,
        missing_events=numbers["missing_events"] or 0,
        at=at,
    )


def read(path: Path) -> Iterator[Entry | UnreadableLine]:
    """Every line of the witness, in the order written."""
    with path.open(encoding="utf-8", errors="replace") as file:
        for number, text in enumerate(file, start=1):
            if not text.strip():
                continue
            try:
                yield parse(number, text)
            except ValueError as exc:
                yield UnreadableLine(number, str(exc))


def last_entry(path: Path) -> Entry | None:
    """The last line only, read from the end of the file (cheap enough for every probe)."""
    try:
        with path.open("rb") as file:
            size = file.seek(0, os.SEEK_END)
            file.seek(max(0, size - 8192))
            tail = file.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return None
    lines = [line for line in tail.splitlines() if line.strip()]
    if not lines:
        return None
    try:
        return parse(0, lines[-1])
    except ValueError as exc:
        raise WitnessError(f"the last line of {path} is not a witness record: {exc}") from exc


def block_record(block: Any, *, event_id: int) -> dict[str, Any]:
    return {
        "type": "block",
        "block": block.pk,
        "first": block.first_position,
        "last": block.last_position,
        "event": event_id,
        "head": block.head_hash,
        "kid": block.key_id,
        "mac": block.mac,
        "at": moment(block.sealed_at),
    }


def mark_record(kind: str, key: SealKey, *, last: int, head: str, **extra: Any) -> dict[str, Any]:
    """An open or restore line, MAC'd under ``key``."""
    return {
        "type": kind,
        "last": last,
        "head": head,
        "kid": key.key_id,
        "mac": key.sign(WITNESS_PURPOSE, kind, last, head),
        **extra,
    }


class WitnessWriter:
    """Appends lines to the witness; each is fsync'd before ``write`` returns."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._descriptor: int | None = None

    def __enter__(self) -> "WitnessWriter":
        new = not self.path.exists()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._descriptor = os.open(
                self.path,
                os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0),
                0o640,
            )
        except OSError as exc:
            raise WitnessError(f"cannot append to the audit witness {self.path}: {exc}") from exc
        if new:  # the new file's name must survive a crash too
            directory = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._descriptor is not None:
            os.close(self._descriptor)
            self._descriptor = None

    def write(self, record: dict[str, Any]) -> None:
        assert self._descriptor is not None, "use WitnessWriter as a context manager"  # nosec B101
        line = json.dumps(record, sort_keys=True, separators=(",", ":"))
        data = (line + "\n").encode("utf-8")
        try:
            # One write of a short line to a file opened O_APPEND lands whole at the end.
            written = os.write(self._descriptor, data)
            if written != len(data):
                raise OSError(f"short write ({written} of {len(data)} bytes)")
            os.fsync(self._descriptor)
        except OSError as exc:
            raise WitnessError(f"cannot append to the audit witness {self.path}: {exc}") from exc
        logger.info("audit witness %s", line)
