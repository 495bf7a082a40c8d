"""The tamper-evident chain over audit events, sealed in blocks.

Writing an event is a plain INSERT (no lock, no chain), so the audit never
slows requests or serialises writers. A sealer then chains committed events in
a fixed order, (occurred_at, id), in blocks:

    event_hash = sha256(canonical form of the event row)
    chain_hash = sha256(previous chain_hash + event_hash)

It seals only events older than every transaction still running (and than a
few seconds ago), so an event that commits later always sorts after everything
already sealed: the sealed chain is a stable prefix. ``occurred_at`` is the
database's transaction time, so a running transaction's events are never older
than its start.

Verification recomputes every event's digest and the chain, and reports the
first position where an event was altered, removed, reordered or inserted.
"""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction

from audit.models import EVENT_FIELDS, AuditBlock, AuditEvent, AuditSeal

GENESIS = "0" * 64
SEAL_LAG = timedelta(seconds=2)
SEAL_BATCH = 5000
_SEALER_LOCK = 7_418_221  # pg_advisory_xact_lock key: one sealer at a time

EVENT_COLUMNS = ("id", "occurred_at", *EVENT_FIELDS)


def event_digest(row: dict) -> str:
    """sha256 of the event's canonical form: every column, in a fixed order and format."""
    values = []
    for column in EVENT_COLUMNS:
        value = row[column]
        if isinstance(value, datetime):
            value = value.astimezone(UTC).isoformat(timespec="microseconds")
        elif column == "details":
            value = json.loads(value) if isinstance(value, str) else value
        elif value is not None and not isinstance(value, (int, str)):
            value = str(value)
        values.append(value)
    canonical = json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def chain_digest(previous: str, event_hash: str) -> str:
    return hashlib.sha256(f"{previous}{event_hash}".encode("ascii")).hexdigest()


def _horizon() -> datetime:
    """Events at or after this moment may still be joined by earlier-started transactions."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT LEAST(
                clock_timestamp() - %s::interval,
                COALESCE(
                    (SELECT min(xact_start) FROM pg_stat_activity
                     WHERE xact_start IS NOT NULL AND pid <> pg_backend_pid()),
                    clock_timestamp()
                ),
                now()
            )
            """,
            [f"{int(SEAL_LAG.total_seconds())} seconds"],
        )
        return cursor.fetchone()[0]


def _head() -> AuditSeal | None:
    return AuditSeal.objects.order_by("-position").first()


def _rows(query: str, params: list) -> Iterator[dict]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        names = [column.name for column in cursor.description]
        while batch := cursor.fetchmany(2000):
            for values in batch:
                yield dict(zip(names, values, strict=True))


# Column names are the constants above, never input.
_SELECT_EVENTS = f"SELECT {', '.join(EVENT_COLUMNS)} FROM audit_auditevent"  # noqa: S608  # nosec B608


def seal_pending(limit: int | None = None) -> int:
    """Chain every event committed before the horizon; returns how many were sealed."""
    total = 0
    while limit is None or total < limit:
        sealed = _seal_block(SEAL_BATCH if limit is None else min(SEAL_BATCH, limit - total))
        total += sealed
        if sealed == 0:
            break
    return total


@transaction.atomic
def _seal_block(batch: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SEALER_LOCK])
    horizon = _horizon()
    head = _head()
    if head is not None:
        last = AuditEvent.objects.filter(pk=head.event_id).values("occurred_at", "id").first()
        after = (last["occurred_at"], last["id"]) if last else (head.event_id, head.event_id)
        where = "WHERE (occurred_at, id) > (%s, %s) AND occurred_at < %s"
        params = [after[0], after[1], horizon]
    else:
        where = "WHERE occurred_at < %s"
        params = [horizon]
    rows = list(
        _rows(f"{_SELECT_EVENTS} {where} ORDER BY occurred_at, id LIMIT %s", [*params, batch])
    )
    if not rows:
        return 0
    previous = head.chain_hash if head else GENESIS
    first = position = head.position if head else 0
    seals = []
    for row in rows:
        position += 1
        event_hash = event_digest(row)
        previous = chain_digest(previous, event_hash)
        seals.append(
            AuditSeal(
                position=position,
                event_id=row["id"],
                event_hash=event_hash,
                chain_hash=previous,
            )
        )
    # Blocks and seals are append-only: everything is computed before they are written.
    block = AuditBlock.objects.create(
        first_position=first + 1, last_position=position, head_hash=previous
    )
    for seal in seals:
        seal.block = block
    AuditSeal.objects.bulk_create(seals)
    return len(seals)


@dataclass
class Problem:
    position: int
    event_id: int | None
    kind: str
    detail: str


@dataclass
class Verification:
    checked: int = 0
    head_position: int = 0
    head_hash: str = GENESIS
    unsealed: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_chain(max_problems: int = 20) -> Verification:
    """Recompute every sealed event's digest and the chain; find unsealed old events."""
    result = Verification()
    previous = GENESIS
    expected_position = 1
    query = f"""
        SELECT s.position, s.event_id AS sealed_event_id, s.event_hash, s.chain_hash,
               {", ".join(f"e.{c}" for c in EVENT_COLUMNS)}
        FROM audit_auditseal s LEFT JOIN audit_auditevent e ON e.id = s.event_id
        ORDER BY s.position
    """  # noqa: S608  # nosec B608  # constant column names
    last_order: tuple | None = None
    for row in _rows(query, []):
        position = row["position"]
        if position != expected_position:
            result.problems.append(
                Problem(
                    expected_position,
                    None,
                    "removed",
                    f"seals {expected_position}-{position - 1} are missing",
                )
            )
        if row["id"] is None:
            result.problems.append(
                Problem(
                    position, row["sealed_event_id"], "removed", "the sealed event no longer exists"
                )
            )
        else:
            digest = event_digest(row)
            if digest != row["event_hash"]:
                result.problems.append(
                    Problem(
                        position, row["id"], "altered", "the event differs from when it was sealed"
                    )
                )
            order = (row["occurred_at"], row["id"])
            if last_order is not None and order < last_order:
                result.problems.append(
                    Problem(position, row["id"], "reordered", "the event is out of chain order")
                )
            last_order = order
        if chain_digest(previous, row["event_hash"]) != row["chain_hash"]:
            result.problems.append(
                Problem(
                    position,
                    row["sealed_event_id"],
                    "chain broken",
                    "the chain digest does not follow",
                )
            )
        previous = row["chain_hash"]
        expected_position = position + 1
        result.checked += 1
        result.head_position, result.head_hash = position, row["chain_hash"]
        if len(result.problems) >= max_problems:
            return result
    # Events older than the sealed head but not in the chain were inserted behind its back.
    if last_order is not None:
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT e.id FROM audit_auditevent e
                LEFT JOIN audit_auditseal s ON s.event_id = e.id
                WHERE s.id IS NULL AND (e.occurred_at, e.id) < (%s, %s)
                ORDER BY e.occurred_at, e.id
                """,
                list(last_order),
            )
            for (event_id,) in cursor.fetchall()[:max_problems]:
                result.problems.append(
                    Problem(
                        0,
                        event_id,
                        "inserted",
                        "an event older than the sealed head is not in the chain",
                    )
                )
    result.unsealed = AuditEvent.objects.count() - AuditSeal.objects.count()
    return result


def head_consistent() -> bool:
    """Whether the sealed chain's head still recomputes (cheap enough for a readiness probe).

    The head seal's event must hash to the sealed digest, its chain digest must follow
    from the seal before it, and the last block must end on it. An empty chain is
    consistent. ``verify_chain`` checks everything; this checks only the head.
    """
    seals = list(AuditSeal.objects.order_by("-position")[:2])
    if not seals:
        return not AuditBlock.objects.exists()
    head = seals[0]
    previous = seals[1].chain_hash if len(seals) == 2 else GENESIS
    if len(seals) == 1 and head.position != 1:
        return False
    if len(seals) == 2 and seals[1].position != head.position - 1:
        return False
    if chain_digest(previous, head.event_hash) != head.chain_hash:
        return False
    block = AuditBlock.objects.order_by("-id").first()
    if block is None or (block.last_position, block.head_hash) != (head.position, head.chain_hash):
        return False
    rows = list(_rows(f"{_SELECT_EVENTS} WHERE id = %s", [head.event_id]))
    return len(rows) == 1 and event_digest(rows[0]) == head.event_hash
