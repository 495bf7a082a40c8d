"""The tamper-evident chain over audit events, sealed in keyed blocks and witnessed.

Writing an event is a plain INSERT (no lock, no chain), so the audit never
slows requests or serialises writers. A sealer then chains committed events in
a fixed order, (occurred_at, id), in blocks:

    event_hash = sha256(canonical form of the event row)
    chain_hash = sha256(previous chain_hash + event_hash)
    block mac  = HMAC-SHA256(key, first position, last position, chain_hash at the last)

It seals only events older than every transaction still running (and than a
few seconds ago), so an event that commits later always sorts after everything
already sealed: the sealed chain is a stable prefix. ``occurred_at`` is the
database's transaction time, so a running transaction's events are never older
than its start.

The key is held outside the database (audit.keys), so whoever owns the tables can
recompute every sha256 but not a block's MAC; and each block's head is appended to a
witness outside the database (audit.witness), so cutting events, seals and blocks off
the tail, which leaves a shorter chain that still verifies, is found too.

Verification recomputes every event's digest and the chain, checks every block and its
MAC, compares the witness, and reports where an event was altered, removed, reordered
or inserted, or a block was altered, forged or cut off.
"""

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

from django.db import connection, transaction
from django.utils import timezone

from audit.keys import (
    BLOCK_PURPOSE,
    SealKey,
    block_mac,
    mac_matches,
    moment,
    sealing_key,
    verifying_keys,
)
from audit.models import EVENT_FIELDS, AuditBlock, AuditEvent, AuditSeal
from audit.witness import (
    Entry,
    UnreadableLine,
    WitnessError,
    WitnessWriter,
    block_record,
    last_entry,
    mark_record,
    read,
    started,
    witness_path,
)

GENESIS = "0" * 64
SEAL_LAG = timedelta(seconds=2)
SEAL_BATCH = 5000
_SEALER_LOCK = 7_418_221  # pg_advisory_lock key: one sealer at a time

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
    """Chain every event committed before the horizon; returns how many were sealed.

    Each block is keyed with the sealing key (audit.keys) and, once committed, its head is
    appended to the witness (audit.witness). One sealer runs at a time: a session advisory
    lock is held until the last block's witness line is written, so lines are in chain order.
    Raises WitnessError, sealing nothing, if the witness cannot be written, is missing while
    keyed blocks exist (a lost witness is restored from its copy, not silently restarted), or
    its last head is not in the chain (cut off, rewritten, or a restore not yet accepted).
    """
    key = sealing_key()
    path = witness_path()
    total = 0
    with _sealer_lock():
        new_witness = not started(path)
        if new_witness and AuditBlock.objects.exclude(key_id="").exists():
            raise WitnessError(
                f"The audit witness {path} is missing or empty but the chain has keyed blocks:"
                " restore the witness from its copy before sealing (docs/audit.md)."
            )
        if not new_witness:
            _refuse_unless_witnessed_head_holds(path)
        with WitnessWriter(path) as witness:
            if new_witness:
                head = _head()
                witness.write(
                    mark_record(
                        "open",
                        key,
                        last=head.position if head else 0,
                        head=head.chain_hash if head else GENESIS,
                        at=timezone.now().isoformat(timespec="seconds"),
                    )
                )
            while limit is None or total < limit:
                sealed = _seal_block(
                    SEAL_BATCH if limit is None else min(SEAL_BATCH, limit - total), key
                )
                if sealed is None:
                    break
                block, last_event_id = sealed
                witness.write(block_record(block, event_id=last_event_id))
                total += block.last_position - block.first_position + 1
    return total


def _refuse_unless_witnessed_head_holds(path: Path) -> None:
    """Never extend a chain that disagrees with the last head its witness recorded: new blocks
    would take the positions of the ones cut off, and a restore could no longer be accepted."""
    entry = last_entry(path)
    head = _head()
    position = head.position if head else 0
    if entry is None:
        return
    if not entry.mac_ok(verifying_keys()):
        raise WitnessError(
            f"The last line of the audit witness {path} does not verify under any configured"
            " key: nothing was sealed. Run verify_audit."
        )
    if entry.last > position:
        raise WitnessError(
            f"The audit chain ends at position {position} but its witness {path} recorded a"
            f" head at position {entry.last}: the tail was cut off, or the database was restored"
            " from a backup (then run verify_audit --restored-from-backup). Nothing was sealed."
        )
    if entry.last == 0:
        now = GENESIS
    else:
        now = (
            AuditSeal.objects.filter(position=entry.last)
            .values_list("chain_hash", flat=True)
            .first()
        )
    if now != entry.head:
        raise WitnessError(
            f"The audit chain's head at position {entry.last} is not the one its witness {path}"
            " recorded: the chain was rewritten. Nothing was sealed. Run verify_audit."
        )


@contextmanager
def _sealer_lock() -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [_SEALER_LOCK])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_SEALER_LOCK])


@transaction.atomic
def _seal_block(batch: int, key: SealKey) -> tuple[AuditBlock, int] | None:
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
        return None
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
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        sealed_at = cursor.fetchone()[0]
    block = AuditBlock.objects.create(
        sealed_at=sealed_at,
        first_position=first + 1,
        last_position=position,
        head_hash=previous,
        key_id=key.key_id,
        mac=block_mac(
            key,
            first_position=first + 1,
            last_position=position,
            head_hash=previous,
            sealed_at=sealed_at,
        ),
    )
    for seal in seals:
        seal.block = block
    AuditSeal.objects.bulk_create(seals)
    return block, rows[-1]["id"]


@dataclass
class Problem:
    position: int
    event_id: int | None
    kind: str
    detail: str


@dataclass
class WitnessReport:
    path: str = ""
    entries: int = 0
    last_position: int | None = None
    # Witnessed blocks beyond the database's end: a problem, except after a restore.
    missing_blocks: int = 0
    missing_events: int = 0
    # Keyed blocks sealed after the last witnessed head (a sealer stopped before writing).
    unwitnessed_blocks: int = 0
    restores: int = 0


@dataclass
class Verification:
    checked: int = 0
    head_position: int = 0
    head_hash: str = GENESIS
    unsealed: int = 0
    blocks: int = 0
    legacy_blocks: int = 0
    keys: dict[str, int] = field(default_factory=dict)
    witness: WitnessReport = field(default_factory=WitnessReport)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class _Block:
    id: int
    first: int
    last: int
    head: str
    key_id: str
    mac: str
    sealed_at: datetime


def verify_chain(
    max_problems: int = 20,
    *,
    witness: Path | None = None,
    check_witness: bool = True,
    restored: bool = False,
) -> Verification:
    """Check events, seals and blocks, every block's MAC, and the chain against its witness.

    Recomputes every sealed event's digest and the chain; checks that the blocks cover the
    seals without gap or overlap, end on the chain's hash, and carry a MAC that verifies under
    a configured key (unkeyed legacy blocks only before the first keyed one); finds old events
    left out of the chain; and compares every head in the witness (``witness``: another copy
    of the file) with the database. ``restored``: the database was restored from a backup, so
    heads witnessed beyond its end are counted as lost with the restore, not as problems.
    """
    result = Verification()
    blocks = [
        _Block(*row)
        for row in AuditBlock.objects.order_by("first_position", "id").values_list(
            "id", "first_position", "last_position", "head_hash", "key_id", "mac", "sealed_at"
        )
    ]
    result.blocks = len(blocks)
    _check_events_and_seals(result, blocks, max_problems)
    _check_blocks(result, blocks, max_problems)
    if check_witness:
        _check_witness(result, blocks, witness or witness_path(), restored, max_problems)
    result.unsealed = AuditEvent.objects.count() - AuditSeal.objects.count()
    return result


def _check_events_and_seals(result: Verification, blocks: list[_Block], max_problems: int) -> None:
    problems = result.problems
    previous = GENESIS
    expected_position = 1
    query = f"""
        SELECT s.position, s.event_id AS sealed_event_id, s.event_hash, s.chain_hash,
               s.block_id AS sealed_block_id, {", ".join(f"e.{c}" for c in EVENT_COLUMNS)}
        FROM audit_auditseal s LEFT JOIN audit_auditevent e ON e.id = s.event_id
        ORDER BY s.position
    """  # noqa: S608  # nosec B608  # constant column names
    last_order: tuple | None = None
    covering = 0  # index in blocks of the block that should hold the current seal
    reported_blocks: set[int] = set()
    for row in _rows(query, []):
        position = row["position"]
        if position != expected_position:
            problems.append(
                Problem(
                    expected_position,
                    None,
                    "removed",
                    f"seals {expected_position}-{position - 1} are missing",
                )
            )
        if row["id"] is None:
            problems.append(
                Problem(
                    position, row["sealed_event_id"], "removed", "the sealed event no longer exists"
                )
            )
        else:
            digest = event_digest(row)
            if digest != row["event_hash"]:
                problems.append(
                    Problem(
                        position, row["id"], "altered", "the event differs from when it was sealed"
                    )
                )
            order = (row["occurred_at"], row["id"])
            if last_order is not None and order < last_order:
                problems.append(
                    Problem(position, row["id"], "reordered", "the event is out of chain order")
                )
            last_order = order
        if chain_digest(previous, row["event_hash"]) != row["chain_hash"]:
            problems.append(
                Problem(
                    position,
                    row["sealed_event_id"],
                    "chain broken",
                    "the chain digest does not follow",
                )
            )
        while covering < len(blocks) and blocks[covering].last < position:
            covering += 1
        block = blocks[covering] if covering < len(blocks) else None
        if block is None or block.first > position or block.id != row["sealed_block_id"]:
            if row["sealed_block_id"] not in reported_blocks:
                reported_blocks.add(row["sealed_block_id"])
                holder = (
                    f"block {block.id} covers it"
                    if block is not None and block.first <= position
                    else "no block covers it"
                )
                problems.append(
                    Problem(
                        position,
                        row["sealed_event_id"],
                        "block missing",
                        f"the seal names block {row['sealed_block_id']}, but {holder}",
                    )
                )
        elif position == block.last and row["chain_hash"] != block.head:
            problems.append(
                Problem(
                    position,
                    row["sealed_event_id"],
                    "block altered",
                    f"block {block.id} ends here with a head that is not the chain's",
                )
            )
        previous = row["chain_hash"]
        expected_position = position + 1
        result.checked += 1
        result.head_position, result.head_hash = position, row["chain_hash"]
        if len(problems) >= max_problems:
            return
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
                problems.append(
                    Problem(
                        0,
                        event_id,
                        "inserted",
                        "an event older than the sealed head is not in the chain",
                    )
                )


def _check_blocks(result: Verification, blocks: list[_Block], max_problems: int) -> None:
    """Blocks tile the chain from position 1 to its head; each is keyed and its MAC verifies."""
    found: list[Problem] = []
    keys = verifying_keys()
    expected_first = 1
    keyed_before = False
    for block in blocks:
        if block.first > expected_first:
            found.append(
                Problem(
                    expected_first,
                    None,
                    "block missing",
                    f"no block covers positions {expected_first}-{block.first - 1}",
                )
            )
        elif block.first < expected_first or block.last < block.first:
            found.append(
                Problem(
                    block.first,
                    None,
                    "block altered",
                    f"block {block.id} ({block.first}-{block.last}) overlaps another or is empty",
                )
            )
        expected_first = max(expected_first, block.last + 1)
        if block.key_id:
            keyed_before = True
            result.keys[block.key_id] = result.keys.get(block.key_id, 0) + 1
            if block.key_id not in keys:
                found.append(
                    Problem(
                        block.first,
                        None,
                        "unknown key",
                        f"block {block.id} was sealed with key {block.key_id!r}, which is"
                        " neither AUDIT_SEAL_KEY nor in AUDIT_SEAL_KEYS",
                    )
                )
            elif not mac_matches(
                keys,
                block.key_id,
                block.mac,
                BLOCK_PURPOSE,
                block.first,
                block.last,
                block.head,
                moment(block.sealed_at),
            ):
                found.append(
                    Problem(
                        block.first,
                        None,
                        "forged block",
                        f"block {block.id}'s MAC does not verify under key {block.key_id!r}:"
                        " the block was changed, or made by someone without the key",
                    )
                )
        elif keyed_before:
            found.append(
                Problem(
                    block.first,
                    None,
                    "unkeyed block",
                    f"block {block.id} has no MAC but follows keyed blocks: only blocks sealed"
                    " before keys existed may be unkeyed",
                )
            )
        else:
            result.legacy_blocks += 1
    last_blocked = expected_first - 1
    if last_blocked > result.head_position:
        found.append(
            Problem(
                result.head_position + 1,
                None,
                "removed",
                f"the blocks end at position {last_blocked} but the seals at"
                f" {result.head_position}: seals {result.head_position + 1}-{last_blocked}"
                " are missing",
            )
        )
    elif last_blocked < result.head_position:
        found.append(
            Problem(
                last_blocked + 1,
                None,
                "block missing",
                f"seals {last_blocked + 1}-{result.head_position} belong to no block",
            )
        )
    result.problems.extend(found[:max_problems])


def _check_witness(
    result: Verification, blocks: list[_Block], path: Path, restored: bool, max_problems: int
) -> None:
    """Every head in the witness must still be in the chain, unchanged."""
    report = result.witness
    report.path = str(path)
    found: list[Problem] = []
    keyed = [block for block in blocks if block.key_id]
    if not started(path):
        if keyed:
            result.problems.append(
                Problem(
                    0,
                    None,
                    "witness missing",
                    f"{path} is missing or empty but {len(keyed)} block(s) are keyed: restore"
                    " the witness from its copy, or give the copy with --witness",
                )
            )
        return
    keys = verifying_keys()
    expected: dict[int, Entry] = {}
    try:
        for item in read(path):
            if isinstance(item, UnreadableLine):
                found.append(
                    Problem(
                        0,
                        None,
                        "witness unreadable",
                        f"{path} line {item.line_number}: {item.reason}",
                    )
                )
                continue
            report.entries += 1
            if not item.mac_ok(keys):
                found.append(
                    Problem(
                        item.last,
                        None,
                        "witness forged",
                        f"{path} line {item.line_number}: its MAC does not verify under key"
                        f" {item.key_id!r}",
                    )
                )
                continue
            if item.kind == "restore":
                report.restores += 1
                for position in [p for p in expected if p > item.last]:
                    del expected[position]
            expected[item.last] = item
    except OSError as exc:
        result.problems.append(Problem(0, None, "witness unreadable", f"{path}: {exc}"))
        return
    by_last = {block.last: block for block in blocks}
    head = result.head_position
    report.last_position = max(expected, default=None)
    for position in sorted(expected):
        entry = expected[position]
        what = f"{path} line {entry.line_number} ({entry.kind} ending at position {position})"
        if position > head:
            if restored:
                report.missing_blocks += entry.kind == "block"
                continue
            found.append(
                Problem(
                    head + 1,
                    None,
                    "truncated",
                    f"{what} is beyond the database's chain, which ends at position {head}:"
                    " events, seals or blocks were cut off the tail. If this database was"
                    " restored from a backup, run verify_audit --restored-from-backup",
                )
            )
            break
        block = by_last.get(position)
        now = GENESIS if position == 0 else (block.head if block is not None else None)
        if now != entry.head:
            found.append(
                Problem(
                    position,
                    None,
                    "witness mismatch",
                    f"{what}: the chain's head there is not the one witnessed; the chain was"
                    " rewritten",
                )
            )
        elif entry.kind == "block" and (
            block.first,
            block.key_id,
            block.mac,
            moment(block.sealed_at),
        ) != (entry.first, entry.key_id, entry.mac, entry.at):
            found.append(
                Problem(
                    position,
                    None,
                    "witness mismatch",
                    f"{what}: block {block.id} is not the block that was witnessed",
                )
            )
    if restored and report.last_position is not None and report.last_position > head:
        report.missing_events = report.last_position - head
        if head not in expected:
            found.append(
                Problem(
                    head,
                    None,
                    "witness mismatch",
                    f"the restored chain ends at position {head}, which the witness never"
                    " recorded as a head: this is not a backup of the witnessed chain",
                )
            )
    last_witnessed = report.last_position or 0
    report.unwitnessed_blocks = sum(1 for block in keyed if block.last > last_witnessed)
    result.problems.extend(found[:max_problems])


def witness_restore_accept(result: Verification) -> None:
    """Record in the witness that the database was restored to ``result``'s head.

    Heads witnessed beyond it are lost with the restore; later blocks re-use their positions.
    Call only after ``verify_chain(restored=True)`` found nothing wrong.
    """
    key = sealing_key()
    with _sealer_lock(), WitnessWriter(witness_path()) as witness:
        witness.write(
            mark_record(
                "restore",
                key,
                last=result.head_position,
                head=result.head_hash,
                missing_blocks=result.witness.missing_blocks,
                missing_events=result.witness.missing_events,
                at=timezone.now().isoformat(timespec="seconds"),
            )
        )


HeadState = Literal["ok", "inconsistent", "witness_mismatch"]


def head_state() -> HeadState:
    """Whether the chain's head holds, cheaply enough for a readiness probe.

    "inconsistent": the head seal's event no longer hashes to its digest, its chain digest
    does not follow from the seal before it, or the last block does not end on it, name it,
    or carry a MAC that verifies (an unkeyed last block only while no block is keyed).
    "witness_mismatch": the last head in the witness is not in the chain (the tail was cut
    off, or rewritten), or the witness is missing while blocks are keyed. An empty chain with
    an empty witness holds. ``verify_chain`` checks everything; this checks only the head.
    """
    seals = list(AuditSeal.objects.order_by("-position")[:2])
    keys = verifying_keys()
    if not seals:
        if AuditBlock.objects.exists():
            return "inconsistent"
        head_position, head_hash, keyed = 0, GENESIS, False
    else:
        head = seals[0]
        previous = seals[1].chain_hash if len(seals) == 2 else GENESIS
        if len(seals) == 1 and head.position != 1:
            return "inconsistent"
        if len(seals) == 2 and seals[1].position != head.position - 1:
            return "inconsistent"
        if chain_digest(previous, head.event_hash) != head.chain_hash:
            return "inconsistent"
        block = AuditBlock.objects.order_by("-last_position", "-id").first()
        if block is None or (block.pk, block.last_position, block.head_hash) != (
            head.block_id,
            head.position,
            head.chain_hash,
        ):
            return "inconsistent"
        keyed = bool(block.key_id)
        if keyed and not mac_matches(
            keys,
            block.key_id,
            block.mac,
            BLOCK_PURPOSE,
            block.first_position,
            block.last_position,
            block.head_hash,
            moment(block.sealed_at),
        ):
            return "inconsistent"
        if not keyed and AuditBlock.objects.exclude(key_id="").exists():
            return "inconsistent"
        rows = list(_rows(f"{_SELECT_EVENTS} WHERE id = %s", [head.event_id]))
        if len(rows) != 1 or event_digest(rows[0]) != head.event_hash:
            return "inconsistent"
        head_position, head_hash = head.position, head.chain_hash
    try:
        entry = last_entry(witness_path())
    except (WitnessError, OSError):
        return "witness_mismatch"
    if entry is None:
        return "witness_mismatch" if keyed else "ok"
    if not entry.mac_ok(keys) or entry.last > head_position:
        return "witness_mismatch"
    if entry.last == head_position:
        witnessed_now = head_hash
    elif entry.last == 0:
        witnessed_now = GENESIS
    else:
        witnessed_now = (
            AuditSeal.objects.filter(position=entry.last)
            .values_list("chain_hash", flat=True)
            .first()
        )
    return "ok" if witnessed_now == entry.head else "witness_mismatch"
