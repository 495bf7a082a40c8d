"""The set-based import pipeline: thousands of rows per batch, a handful of statements each.

For each batch of ``IMPORT_BATCH_ROWS`` rows (5,000 by default), in one transaction:

1. validate every row into a ``FeedRecord`` (bad rows are reported and go no further);
2. group the rows by ``source_id`` (rows sharing one are one person: one child);
3. resolve the source's known ids and open reviews by joins;
4. for the others, COPY their blocking keys into staging tables and find candidates with
   one join (``feeds.candidates``), read the candidates' facts in one query per kind, and
   score only those pairs (``feeds.scoring``), in line order so that two ids of one source
   never land on one child and two new people of the file are compared with each other;
5. write children, names, addresses, source records, identifiers, services, practitioners,
   involvements, review items, possible-duplicate flags and change history in bulk: ids
   (and public ids) are taken from the tables' sequences in one query, and rows go by COPY,
   through a staging table and ``INSERT ... ON CONFLICT DO NOTHING`` where a re-run may meet
   its own rows; notify the followers of children whose involvements changed; one
   ``feed.import`` audit event.

Steps 1-4's reads for the next batch (parsing, known ids, blocking, the candidates' facts)
run in a second process (``_Preparer``, started for a file of more than one batch), on a
connection of its own, while this batch is scored, written and committed: Python and the
database work on both cores at once (``IMPORT_OVERLAP``). That process cannot see what the
batch before wrote, so the pipeline carries it over (``_Carried``): the known ids are
resolved again after the commit, a child linked by the batch before holds its source id in
the candidates' facts, and the children it created meet the next batch's rows as that
batch's own new people do. Not in a dry run, nor inside a caller's transaction.

Statements go through a cursor that binds parameters on the server, so that a list of
thousands of ids travels as one binary array rather than being quoted into the SQL text.

A batch the database refuses whole (a row the checks let through) is re-run row by row
(``feeds.importing.import_rows_one_by_one``), so the bad row is reported and the rest land.
Re-running a file, or re-running it after a kill, creates nothing twice and loses nothing:
people are found again by (source, source_id), involvements by their natural key,
identifiers and flags by their unique constraints.
"""

import contextlib
import dataclasses
import datetime
import gc
import json
import logging
import multiprocessing
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import cache, lru_cache
from json.encoder import encode_basestring_ascii  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any

import psycopg
from auditlog.cid import get_cid
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.db.models import Model
from django.utils import timezone

from feeds import beside
from feeds import candidates as blocking
from feeds.importing import (
    FeedRecord,
    ImportSummary,
    RowError,
    RowOutcome,
    batch_audit,
    import_rows_one_by_one,
    parse,
    read_rows,
    source_organisation,
)
from feeds.matching import name_frequencies, person_facts
from feeds.models import ReviewItem, SourceDuplicate
from feeds.scoring import CREATE, LINK, Candidate, NameFacts, NameFrequencies, Person, decide
from involvements.models import Involvement, Practitioner, Service
from involvements.services import involvement_followers_notify
from records.models import Address, AddressStatus, Child, NameKind
from records.names import normalise_name, normalise_postcode, phonetic_key, postcode_district

logger = logging.getLogger(__name__)

KNOWN_REASON = "already linked by this source's id"
WAITING_REASON = "waiting for review"


@dataclass
class _Waiting:
    """An open review item of this source's person: the rows already waiting with it."""

    id: int
    rows: list[dict[str, str]]


@dataclass
class _Person:
    """One source person of the batch: their rows and what was decided."""

    source_id: str
    record: FeedRecord
    rows: list[tuple[int, dict[str, str], FeedRecord]] = field(default_factory=list)
    facts: Person | None = None
    outcome: str = ""  # linked / created / review
    child_id: int | None = None
    public_id: str = ""
    score: int = 100
    reasons: list[str] = field(default_factory=list)
    explanation: list[dict[str, object]] = field(default_factory=list)
    known: bool = False
    waiting: _Waiting | None = None
    duplicates: tuple[tuple[int, int], ...] = ()
    met: Candidate | None = None  # a new child: as the batch's later rows meet them


# Children an import creates before it recounts the name frequencies (at least; and at
# least half the index it started with).
FREQUENCIES_REFRESH_CHILDREN = 50_000


@dataclass
class _Run:
    source: str
    issuer_id: int
    frequencies: NameFrequencies
    timings: dict[str, float] | None = None
    review_score: int = 0

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Add the seconds spent in the block to ``timings[name]``, and this thread's CPU
        seconds to ``timings[name + "_cpu"]`` (when timings are kept)."""
        if self.timings is None:
            yield
            return
        started, cpu = time.perf_counter(), time.thread_time()
        try:
            yield
        finally:
            self.add({name: time.perf_counter() - started, f"{name}_cpu": time.thread_time() - cpu})

    def add(self, seconds: dict[str, float], prefix: str = "") -> None:
        if self.timings is None:
            return
        for name, value in seconds.items():
            key = prefix + name
            self.timings[key] = self.timings.get(key, 0.0) + value


def import_file(
    path: Path,
    *,
    source: str,
    dry_run: bool = False,
    report: Callable[[RowOutcome], None] | None = None,
    progress: Callable[[int], None] | None = None,
    timings: dict[str, float] | None = None,
) -> ImportSummary:
    """Import a file in batches of IMPORT_BATCH_ROWS rows, each batch atomic.

    With ``dry_run`` every batch is rolled back: the report says what would happen. With
    ``timings`` (a dict), the seconds spent in each phase are added to it (the benchmark's
    breakdown).
    """
    summary = ImportSummary()
    run = _Run(
        source,
        source_organisation(source).pk,
        name_frequencies(fresh=True),
        timings,
        settings.MATCH_REVIEW_SCORE,
    )
    created_when_counted = 0
    # The next batch is matched against the index (parsed, blocked, its candidates read) in
    # a second process on a connection of its own while this one is written, so both cores
    # work. Not in a dry run (nothing is written, nothing to overlap), nor inside a caller's
    # transaction (the second connection could not see its rows).
    overlap = settings.IMPORT_OVERLAP and not dry_run and not connection.in_atomic_block
    with contextlib.ExitStack() as stack:
        stack.enter_context(_fewer_collections())
        handle = stack.enter_context(
            path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="")
        )
        preparer = stack.enter_context(_Preparer(run)) if overlap else None
        rows = read_rows(handle, path.name)
        with run.phase("read"):
            batch = _next_batch(rows, settings.IMPORT_BATCH_ROWS)
        upcoming: Future[_Looked] | None = None
        carried: _Carried | None = None
        while batch:
            looked = _collect(upcoming, run) if carried is not None else _collect(upcoming)
            with run.phase("read"):
                following = _next_batch(rows, settings.IMPORT_BATCH_ROWS)
            upcoming = preparer.submit(following) if preparer and following else None
            try:
                with run.phase("batch"), transaction.atomic():
                    if looked is None:
                        carried = None
                        prepared = _prepare(batch, run)
                    else:
                        prepared = _parse(batch, run)
                        prepared.looked = looked
                    outcomes = _import_batch(prepared, run, carried)
                    with run.phase("audit"):
                        batch_audit(batch, outcomes, source=source, dry_run=dry_run)
                    if dry_run:
                        transaction.set_rollback(True)
                carried = _Carried.of(prepared) if upcoming is not None else None
            except (DatabaseError, psycopg.Error):
                # COPY reports the database's refusal in psycopg's own exceptions.
                carried = None
                with run.phase("row_by_row"):
                    outcomes = import_rows_one_by_one(batch, source=source, dry_run=dry_run)
            for outcome in outcomes:
                summary.add(outcome)
                if report:
                    report(outcome)
            if progress:
                progress(len(batch))
            # A first load grows the index as it goes: once it has grown by half (or by
            # FREQUENCIES_REFRESH_CHILDREN), recount, so the prior, the name frequencies and
            # the blocking's one-name bound fit the index the next batches meet.
            created = summary.outcomes.get("created", 0)
            grown = created - created_when_counted
            if not dry_run and grown >= max(
                FREQUENCIES_REFRESH_CHILDREN, run.frequencies.total // 2
            ):
                with run.phase("frequencies"):
                    run.frequencies = name_frequencies(fresh=True)
                created_when_counted = created
                carried = None  # the next batch was blocked with the old counts: again
            batch = following
    return summary


def _collect(upcoming: "Future[_Looked] | None", run: "_Run | None" = None) -> "_Looked | None":
    """The next batch as the second process matched it, when it can be used (``run`` given:
    nothing since it started that the carried changes do not cover); otherwise None, and the
    batch is prepared again in the batch's own transaction (where an error the second
    process met is raised in full, or the batch goes row by row)."""
    if upcoming is None:
        return None
    if run is None:
        upcoming.cancel()
        return None
    try:
        with run.phase("wait_prepared"):
            return upcoming.result()
    except Exception:  # noqa: BLE001  # prepared again here instead
        logger.warning("import: the second process could not match a batch", exc_info=True)
        return None


# The cyclic garbage collector's thresholds during an import: a batch makes hundreds of
# thousands of objects that live until it ends (rows, people, candidates), none of them in
# cycles; at the default (700 allocations) the collector kept rescanning them and every
# object of the process, a third of the import's CPU (a 400,000-row first load: 137 s of
# CPU, 92 s with these).
IMPORT_GC_THRESHOLD = (50_000, 20, 50)


_imports_running = [0]
_imports_lock = threading.Lock()
_threshold_before: list[tuple[int, ...]] = []


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Collect less often while importing: what exists before the import (Django, caches)
    is frozen out of the collector's scans, and the thresholds are raised; both are
    restored when the last import running in the process ends (uploads run in threads),
    even on an error. Cycles are still collected, only less often."""
    with _imports_lock:
        if not _imports_running[0]:
            _threshold_before[:] = [gc.get_threshold()]
            gc.freeze()
            gc.set_threshold(*IMPORT_GC_THRESHOLD)
        _imports_running[0] += 1
    try:
        yield
    finally:
        with _imports_lock:
            _imports_running[0] -= 1
            if not _imports_running[0]:
                gc.set_threshold(*_threshold_before[0])
                gc.unfreeze()


def _next_batch(
    rows: Iterator[tuple[int, dict[str, str]]], size: int
) -> list[tuple[int, dict[str, str]]]:
    batch: list[tuple[int, dict[str, str]]] = []
    for item in rows:
        batch.append(item)
        if len(batch) >= size:
            break
    return batch


@contextlib.contextmanager
def _cursor() -> Iterator[Any]:
    """A cursor of Django's connection (so inside the batch's transaction, and counted by
    Django's query log in tests) that binds parameters on the server."""
    connection.ensure_connection()
    raw = psycopg.Cursor(connection.connection)
    wrapped = (
        connection.make_debug_cursor(raw)
        if connection.queries_logged
        else connection.make_cursor(raw)
    )
    try:
        yield wrapped
    finally:
        raw.close()


@dataclass
class _Prepared:
    """A batch parsed and matched against the index as it stood when it was prepared."""

    batch: list[tuple[int, dict[str, str]]]
    rejected: dict[int, RowOutcome]
    people: dict[str, _Person]
    # The people neither known nor waiting for review then, in line order, with the
    # candidates found for each (by position in this list), their facts, and the children
    # reviewers said are not them.
    looked_up: list[_Person] = field(default_factory=list)
    found: dict[int, set[int]] = field(default_factory=dict)
    facts: dict[int, Candidate] = field(default_factory=dict)
    not_same: dict[str, set[int]] = field(default_factory=dict)
    looked: "_Looked | None" = None  # what the second process found, not yet taken in


@dataclass
class _Looked:
    """What the second process found for a batch: the source ids it looked up (neither known
    nor waiting then), in line order, the candidates of each by position, their facts, the
    children reviewers said are not them; its timings and its connection's backend."""

    source_ids: list[str]
    found: dict[int, set[int]]
    facts: dict[int, Candidate]
    not_same: dict[str, set[int]]
    timings: dict[str, float]
    backend_pid: int


@dataclass
class _Carried:
    """What a batch wrote that the next batch, prepared meanwhile, could not see: the source
    ids its children now hold, and its people as the next batch's rows would meet them."""

    source_ids: dict[int, set[str]]
    newcomers: list[tuple[Person, Candidate]]

    @classmethod
    def of(cls, prepared: _Prepared) -> "_Carried":
        source_ids: dict[int, set[str]] = {}
        newcomers = []
        for person in prepared.people.values():
            if person.outcome in ("linked", "created") and not person.known:
                assert person.child_id is not None  # noqa: S101  # nosec B101
                source_ids.setdefault(person.child_id, set()).add(person.source_id)
                if person.met is not None:
                    assert person.facts is not None  # noqa: S101  # nosec B101
                    newcomers.append(
                        (person.facts, dataclasses.replace(person.met, child_id=person.child_id))
                    )
        return cls(source_ids, newcomers)


class _Preparer(contextlib.AbstractContextManager):
    """A process of its own that matches the next batch against the index on a connection
    of its own: a process, not a thread, so that Python runs on both cores (threads share
    one interpreter lock: tried, the import was no faster). Started at the first batch that
    has one after it, so a small file never starts it."""

    def __init__(self, run: _Run) -> None:
        self.run = run
        self.pool: ProcessPoolExecutor | None = None
        self.broken = False

    def submit(self, batch: list[tuple[int, dict[str, str]]]) -> "Future[_Looked] | None":
        if self.broken:
            return None
        if self.pool is None:
            self.pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),  # never fork a threaded server
                initializer=beside.start,
                initargs=(
                    os.environ.get("DJANGO_SETTINGS_MODULE", "childindex.settings"),
                    dict(connection.settings_dict),
                    IMPORT_GC_THRESHOLD,
                    os.getpid(),
                ),
            )
        run = self.run
        try:
            return self.pool.submit(
                beside.look_up,
                batch,
                run.source,
                run.issuer_id,
                run.frequencies,
                run.review_score,
                run.timings is not None,
            )
        except BrokenProcessPool:  # the process died: the rest of the file goes batch by batch
            self.broken = True
            return None

    def __exit__(self, *exc_info: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


def look_up_beside(
    batch: list[tuple[int, dict[str, str]]],
    source: str,
    issuer_id: int,
    frequencies: NameFrequencies,
    review_score: int,
    timed: bool,
) -> _Looked:
    """In the second process: prepare the batch, return what the importing process needs."""
    run = _Run(source, issuer_id, frequencies, {} if timed else None, review_score)
    with run.phase("prepare"), transaction.atomic():  # the staging tables need one
        prepared = _prepare(batch, run)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    return _Looked(
        [p.source_id for p in prepared.looked_up],
        prepared.found,
        prepared.facts,
        prepared.not_same,
        run.timings or {},
        pid,
    )


def _parse(batch: list[tuple[int, dict[str, str]]], run: _Run) -> _Prepared:
    """Validate every row, and group the rows by person."""
    prepared = _Prepared(batch, {}, {})
    people = prepared.people
    with run.phase("parse"):
        for line, row in batch:
            source_id = row.get("source_id", "")
            try:
                record = parse(row)
            except RowError as error:
                prepared.rejected[line] = RowOutcome(line, source_id, "rejected", reason=str(error))
                continue
            person = people.get(source_id)
            if person is None:
                person = people[source_id] = _Person(source_id, record)
            person.rows.append((line, row, record))
    return prepared


def _prepare(batch: list[tuple[int, dict[str, str]]], run: _Run) -> _Prepared:
    """Parse the rows, resolve known ids and open reviews, and find and read the candidates
    of everyone else: reads only, so it can run beside the writing of the batch before."""
    prepared = _parse(batch, run)
    with _cursor() as cursor:
        with run.phase("known"):
            _resolve_known(cursor, prepared.people, run)
        prepared.looked_up = [
            p for p in prepared.people.values() if not p.known and p.waiting is None
        ]
        if prepared.looked_up:
            _look_up(cursor, prepared, run)
    return prepared


def _take_in(cursor: Any, prepared: _Prepared, run: _Run) -> None:
    """Take in what the second process found: the known ids are resolved again (the batch
    before may have sent some), and the people it looked up get their facts here. Should
    someone be neither known nor waiting now who was then (a review decided meanwhile), the
    batch's candidates are found again here."""
    looked = prepared.looked
    assert looked is not None  # noqa: S101  # nosec B101
    people = prepared.people
    run.add(looked.timings, prefix="beside_")
    with run.phase("known"):
        _resolve_known(cursor, people, run)
    fresh = [p for p in people.values() if not p.known and p.waiting is None]
    if not {p.source_id for p in fresh} <= set(looked.source_ids):
        prepared.looked_up = fresh
        _look_up(cursor, prepared, run)
        return
    prepared.looked_up = [people[source_id] for source_id in looked.source_ids]
    prepared.found, prepared.facts = looked.found, looked.facts
    prepared.not_same = looked.not_same
    with run.phase("facts"):
        for person in prepared.looked_up:
            person.facts = person_facts(person.record.person)


def _import_batch(
    prepared: _Prepared, run: _Run, carried: _Carried | None = None
) -> list[RowOutcome]:
    """Decide and write a prepared batch. With ``carried``, the batch was matched while the
    one before was written: what the batch before wrote is added to the candidates
    (``_Carried``)."""
    batch, rejected, people = prepared.batch, prepared.rejected, prepared.people
    with _cursor() as cursor:
        if prepared.looked is not None:
            _take_in(cursor, prepared, run)
        if carried is not None:
            for child_id, source_ids in carried.source_ids.items():
                if child_id in prepared.facts:
                    prepared.facts[child_id].source_ids |= source_ids
        with run.phase("score"):
            _score(prepared, carried, run)
        _write(cursor, people, run)

    outcomes = []
    firsts = {p.rows[0][0] for p in people.values()}
    by_line = {line: p for p in people.values() for line, _, _ in p.rows}
    for line, _ in batch:
        if line in rejected:
            outcomes.append(rejected[line])
            continue
        person = by_line[line]
        if person.outcome == "review":
            first = line in firsts and not person.waiting
            outcomes.append(
                RowOutcome(
                    line,
                    person.source_id,
                    "review",
                    score=person.score if first else "",
                    reason="; ".join(person.reasons) if first else WAITING_REASON,
                )
            )
        elif line in firsts:
            outcomes.append(
                RowOutcome(
                    line,
                    person.source_id,
                    person.outcome,
                    person.public_id,
                    person.score,
                    "; ".join(person.reasons),
                )
            )
        else:
            outcomes.append(
                RowOutcome(line, person.source_id, "linked", person.public_id, 100, KNOWN_REASON)
            )
    return outcomes


def _resolve_known(cursor: Any, people: dict[str, _Person], run: _Run) -> None:
    """People whose id the source has sent before, and people waiting for review."""
    ids = list(people)
    cursor.execute(
        "SELECT s.source_id, s.child_id, c.public_id::text FROM feeds_sourcerecord s"
        " JOIN records_child c ON c.id = s.child_id"
        " WHERE s.source = %s AND s.source_id = ANY(%s)",
        [run.source, ids],
    )
    for source_id, child_id, public_id in cursor.fetchall():
        person = people[source_id]
        person.known, person.outcome = True, "linked"
        person.child_id, person.public_id = child_id, public_id
        person.reasons = [KNOWN_REASON]
    cursor.execute(
        "SELECT id, source_id, rows FROM feeds_reviewitem"
        " WHERE source = %s AND source_id = ANY(%s) AND status = 'open'",
        [run.source, ids],
    )
    for item_id, source_id, rows in cursor.fetchall():
        person = people[source_id]
        if not person.known:
            # Django reads jsonb as text and decodes it itself.
            waiting_rows = json.loads(rows) if isinstance(rows, str) else rows
            person.waiting, person.outcome = _Waiting(item_id, waiting_rows), "review"
            person.reasons = [WAITING_REASON]


def _block_keys(person: Person) -> set[tuple]:
    """Keys under which a new person of this batch is found by later rows."""
    keys: set[tuple] = {
        ("f", person.family_key, person.date_of_birth),
        ("g", person.given_key, person.date_of_birth),
    }
    if person.nhs_number:
        keys.add(("nhs", person.nhs_number))
    if person.upn:
        keys.add(("upn", person.upn))
    return keys


def _probe_keys(person: Person, dates: Iterable[datetime.date]) -> set[tuple]:
    keys: set[tuple] = set()
    families, givens = blocking.family_keys(person), blocking.given_keys(person)
    for dob in dates:
        keys |= {("f", key, dob) for key in families}
        keys |= {("g", key, dob) for key in givens}
    if person.nhs_number:
        keys.add(("nhs", person.nhs_number))
    if person.upn:
        keys.add(("upn", person.upn))
    return keys


class _Newcomers:
    """The people of this batch decided "create" so far, found by their blocking keys."""

    def __init__(self) -> None:
        self.by_key: dict[tuple, list[Candidate]] = {}
        self.dates: set[datetime.date] = set()

    def add(self, person: Person, newcomer: Candidate) -> None:
        self.dates.add(person.date_of_birth)
        for key in _block_keys(person):
            self.by_key.setdefault(key, []).append(newcomer)

    def meeting(self, person: Person) -> Iterator[Candidate]:
        """Newcomers sharing a probe key with ``person``. The name keys (the costly part)
        are worked out only when a newcomer was born on one of the person's loose dates."""
        if not self.by_key:
            return
        dates = [d for d in blocking.loose_dates(person.date_of_birth) if d in self.dates]
        if dates:
            keys: Iterable[tuple] = _probe_keys(person, dates)
        else:
            keys = [("nhs", person.nhs_number)] if person.nhs_number else []
            if person.upn:
                keys = [*keys, ("upn", person.upn)]
        for key in keys:
            yield from self.by_key.get(key, ())


def _look_up(cursor: Any, prepared: _Prepared, run: _Run) -> None:
    """Candidates for every person looked up in one join, and their facts."""
    with run.phase("facts"):
        facts_of = {}
        for index, person in enumerate(prepared.looked_up):
            person.facts = facts_of[index] = person_facts(person.record.person)
    with run.phase("candidates"):
        prepared.found = blocking.candidate_ids(
            cursor,
            facts_of,
            frequencies=run.frequencies,
            review_score=run.review_score,
        )
    with run.phase("candidate_facts"):
        prepared.facts = blocking.candidate_facts(
            cursor, {c for ids in prepared.found.values() for c in ids}, source=run.source
        )
        prepared.not_same = blocking.not_same_pairs(
            cursor, source=run.source, source_ids=[p.source_id for p in prepared.looked_up]
        )


def _score(prepared: _Prepared, carried: _Carried | None, run: _Run) -> None:
    """Decide, in line order, for each person still neither known nor waiting."""
    newcomers = _Newcomers()
    for met_before in carried.newcomers if carried else ():
        newcomers.add(*met_before)
    found, facts, not_same = prepared.found, prepared.facts, prepared.not_same
    link_score, review_score = settings.MATCH_LINK_SCORE, settings.MATCH_REVIEW_SCORE
    margin = settings.MATCH_MARGIN
    for index, person in enumerate(prepared.looked_up):
        if person.known or person.waiting is not None:
            continue  # known since it was prepared: the batch before sent this id
        facts_of_person = person.facts
        assert facts_of_person is not None  # noqa: S101  # nosec B101
        pool = {c: facts[c] for c in found.get(index, ()) if c in facts}
        for candidate in newcomers.meeting(facts_of_person):
            pool[candidate.child_id] = candidate
        verdict = decide(
            facts_of_person,
            pool.values(),
            source_id=person.source_id,
            link_score=link_score,
            review_score=review_score,
            margin=margin,
            frequencies=run.frequencies,
            not_same=frozenset(not_same.get(person.source_id, ())),
        )
        person.score, person.reasons = verdict.score, verdict.reasons
        person.explanation, person.duplicates = verdict.explanation, verdict.source_duplicates
        person.child_id = verdict.child_id
        if verdict.outcome == LINK:
            person.outcome = "linked"
            pool[verdict.child_id].source_ids.add(person.source_id)
        elif verdict.outcome == CREATE:
            person.outcome = "created"
            # Not yet written: a stand-in id, so later rows of the batch can meet this person.
            person.child_id = -(index + 1)
            newcomer = Candidate(
                person.child_id,
                facts_of_person.date_of_birth,
                facts_of_person.gender,
                [
                    NameFacts(
                        facts_of_person.given_norm,
                        facts_of_person.family_norm,
                        facts_of_person.given_key,
                        facts_of_person.family_key,
                    )
                ],
                postcodes=frozenset({facts_of_person.postcode} - {""}),
                nhs_numbers=frozenset({facts_of_person.nhs_number} - {""}),
                upns=frozenset({facts_of_person.upn} - {""}),
                source_ids={person.source_id},
            )
            newcomers.add(facts_of_person, newcomer)
            person.met = newcomer
        else:
            person.outcome = "review"


def _write(cursor: Any, people: dict[str, _Person], run: _Run) -> None:
    now = timezone.now()
    history = _History(now)
    everyone = list(people.values())
    with run.phase("write_children"):
        linked_now = [p.child_id for p in everyone if p.outcome == "linked" and not p.known]
        if linked_now:
            cursor.execute(
                "SELECT id, public_id::text FROM records_child WHERE id = ANY(%s)", [linked_now]
            )
            public_ids = dict(cursor.fetchall())
            for person in everyone:
                if person.outcome == "linked" and not person.known:
                    person.public_id = public_ids[person.child_id]
        _create_children(cursor, [p for p in everyone if p.outcome == "created"], now, history)
    linked = [p for p in everyone if p.outcome in ("linked", "created")]
    with run.phase("write_links"):
        _link_children(cursor, linked, run, now)
    with run.phase("write_involvements"):
        _involvements(cursor, linked, run, now, history)
    with run.phase("write_reviews"):
        _reviews(cursor, [p for p in everyone if p.outcome == "review"], run, now)
        _flag_source_duplicates(cursor, [p for p in everyone if p.duplicates], run, now)
    with run.phase("write_history"):
        history.write(cursor)


# -- writing rows -----------------------------------------------------------------------------


def _copy(cursor: Any, table: str, columns: Sequence[str], rows: Iterable[Sequence]) -> None:
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _copy_ignoring_conflicts(
    cursor: Any, table: str, columns: Sequence[str], rows: list[Sequence]
) -> None:
    """COPY into a staging table shaped like ``table``, then ``INSERT ... ON CONFLICT DO
    NOTHING`` from it: rows the table holds already (a re-run) are left as they are."""
    if not rows:
        return
    names = ", ".join(columns)  # table and column names: this module's constants
    stage = f"feed_stage_{table}"
    cursor.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {stage} ON COMMIT DELETE ROWS AS"  # noqa: S608  # nosec B608
        f" SELECT {names} FROM {table} WITH NO DATA; TRUNCATE {stage}"
    )
    _copy(cursor, stage, columns, rows)
    cursor.execute(
        f"INSERT INTO {table} ({names}) SELECT {names} FROM {stage} ON CONFLICT DO NOTHING"  # noqa: S608  # nosec B608
    )


def _new_ids(cursor: Any, table: str, count: int, *, public_ids: bool = False) -> list[tuple]:
    """``count`` ids from ``table``'s sequence (with a random public id each), one query."""
    if not count:
        return []
    extra = ", gen_random_uuid()::text" if public_ids else ""
    cursor.execute(
        f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')){extra}"  # noqa: S608  # nosec B608
        " FROM generate_series(1, %s::int)",
        [count],
    )
    return cursor.fetchall()


@lru_cache(maxsize=65536)
def _search_forms(name: str) -> tuple[str, str]:
    """A name's normalised form and phonetic key, as ``ChildName.set_search_forms`` makes them."""
    norm = normalise_name(name)
    return norm, phonetic_key(norm)


_CHILD_COLUMNS = (
    "id",
    "public_id",
    "given_name",
    "family_name",
    "date_of_birth",
    "gender",
    "is_shielded",
    "shield_review_due",
    "consent_until_25",
    "date_of_death",
    "archived_on",
    "merged_into_id",
    "created_at",
    "updated_at",
)
_NAME_COLUMNS = (
    "child_id",
    "kind",
    "given_name",
    "family_name",
    "given_norm",
    "family_norm",
    "given_key",
    "family_key",
    "used_until",
)
_ADDRESS_COLUMNS = (
    "id",
    "child_id",
    "status",
    "line_1",
    "line_2",
    "town",
    "postcode",
    "postcode_district",
    "moved_in",
    "moved_out",
)


def _create_children(
    cursor: Any, created: list[_Person], now: datetime.datetime, history: "_History"
) -> None:
    """The new children with their names and addresses, by COPY (ids from the sequences)."""
    if not created:
        return
    with_address = [p for p in created if p.record.person.postcode]
    cursor.execute(
        "SELECT nextval(pg_get_serial_sequence('records_child', 'id')), gen_random_uuid()::text,"
        " CASE WHEN g <= %s::int"
        " THEN nextval(pg_get_serial_sequence('records_address', 'id')) END"
        " FROM generate_series(1, %s::int) g",
        [len(with_address), len(created)],
    )
    ids = cursor.fetchall()
    stand_ins: dict[int, int] = {}
    children, names = [], []
    for person, (child_id, public_id, _) in zip(created, ids, strict=True):
        stand_ins[person.child_id] = child_id  # type: ignore[index]
        person.child_id, person.public_id = child_id, public_id
        incoming = person.record.person
        children.append(
            (
                child_id,
                public_id,
                incoming.given_name,
                incoming.family_name,
                incoming.date_of_birth,
                incoming.gender,
                False,
                None,
                False,
                None,
                None,
                None,
                now,
                now,
            )
        )
        given_norm, given_key = _search_forms(incoming.given_name)
        family_norm, family_key = _search_forms(incoming.family_name)
        names.append(
            (
                child_id,
                NameKind.CURRENT.value,
                incoming.given_name,
                incoming.family_name,
                given_norm,
                family_norm,
                given_key,
                family_key,
                None,
            )
        )
        for family in incoming.former_family_names:
            former_norm, former_key = _search_forms(family)
            names.append(
                (
                    child_id,
                    NameKind.FORMER.value,
                    incoming.given_name,
                    family,
                    given_norm,
                    former_norm,
                    given_key,
                    former_key,
                    None,
                )
            )
    addresses = []
    for person, (_, _, address_id) in zip(with_address, ids, strict=False):
        postcode = normalise_postcode(person.record.person.postcode)
        addresses.append(
            (
                address_id,
                person.child_id,
                AddressStatus.CURRENT.value,
                person.record.address_line or "Address not given",
                "",
                "",
                postcode,
                postcode_district(postcode),
                None,
                None,
            )
        )
    _copy(cursor, "records_child", _CHILD_COLUMNS, children)
    _copy(cursor, "records_childname", _NAME_COLUMNS, names)
    _copy(cursor, "records_address", _ADDRESS_COLUMNS, addresses)
    history.created(Child, _CHILD_COLUMNS, children, [f"{c[2]} {c[3]}" for c in children])
    history.created(
        Address,
        _ADDRESS_COLUMNS,
        addresses,
        [", ".join(part for part in (a[3], a[4], a[5], a[6]) if part) for a in addresses],
    )
    for person in created:  # a flag may point at a child created earlier in this batch
        person.duplicates = tuple(
            (stand_ins.get(child_id, child_id), score) for child_id, score in person.duplicates
        )


def _link_children(cursor: Any, people: list[_Person], run: _Run, now: datetime.datetime) -> None:
    """Source records and identifiers of people who have a child now."""
    _copy(
        cursor,
        "feeds_sourcerecord",
        ("source", "source_id", "child_id", "created_at"),
        ((run.source, p.source_id, p.child_id, now) for p in people if not p.known),
    )
    identifiers = {}
    for person in people:
        for _, _, record in person.rows:
            for kind, value in (("nhs", record.person.nhs_number), ("upn", record.upn)):
                if value:
                    identifiers.setdefault((kind, value), person.child_id)
    _copy_ignoring_conflicts(
        cursor,
        "records_childidentifier",
        ("child_id", "kind", "value", "issued_by_id"),
        [(child_id, kind, value, run.issuer_id) for (kind, value), child_id in identifiers.items()],
    )


# -- involvements ------------------------------------------------------------------------------


@dataclass
class _Service:
    id: int
    organisation_id: int
    name: str


def _services(
    cursor: Any, rows: Iterable[dict[str, str]], run: _Run, history: "_History"
) -> dict[str, _Service]:
    first: dict[str, dict[str, str]] = {}
    for data in rows:
        first.setdefault(data["service_code"], data)
    cursor.execute(
        "SELECT code, id, organisation_id, name FROM involvements_service WHERE code = ANY(%s)",
        [list(first)],
    )
    services = {code: _Service(*rest) for code, *rest in cursor.fetchall()}
    missing = [
        Service(
            code=code,
            organisation_id=run.issuer_id,
            name=data["service_name"],
            service_type=data["service_type"],
        )
        for code, data in first.items()
        if code not in services
    ]
    if missing:  # a new service: rare, so the ORM's few statements will do
        Service.objects.bulk_create(missing, ignore_conflicts=True)
        made = list(Service.objects.filter(code__in=[s.code for s in missing]))
        services.update({s.code: _Service(s.pk, s.organisation_id, s.name) for s in made})
        history.created_instances(made)
    return services


_PRACTITIONER_COLUMNS = (
    "id",
    "public_id",
    "organisation_id",
    "name",
    "job_title",
    "email",
    "phone",
)


def _practitioners(
    cursor: Any,
    rows: Iterable[dict[str, str]],
    services: dict[str, _Service],
    history: "_History",
) -> dict[tuple, int]:
    """The id of each (organisation, name, email) practitioner; new ones made by COPY."""
    first: dict[tuple, dict[str, str]] = {}
    for data in rows:
        if data["practitioner_name"]:
            service = services[data["service_code"]]
            key = (service.organisation_id, data["practitioner_name"], data["practitioner_email"])
            first.setdefault(key, data)
    if not first:
        return {}
    organisations, names, emails = (list(column) for column in zip(*first, strict=True))
    cursor.execute(
        "SELECT DISTINCT ON (p.organisation_id, p.name, p.email)"
        " p.organisation_id, p.name, p.email, p.id FROM involvements_practitioner p"
        " JOIN unnest(%s::bigint[], %s::text[], %s::text[]) AS k (organisation_id, name, email)"
        " ON p.organisation_id = k.organisation_id AND p.name = k.name AND p.email = k.email"
        " ORDER BY p.organisation_id, p.name, p.email, p.id",
        [organisations, names, emails],
    )
    found = {(o, n, e): pk for o, n, e, pk in cursor.fetchall()}
    missing = [key for key in first if key not in found]
    made = []
    new_ids = _new_ids(cursor, "involvements_practitioner", len(missing), public_ids=True)
    for key, (pk, public_id) in zip(missing, new_ids, strict=True):
        data = first[key]
        made.append(
            (
                pk,
                public_id,
                key[0],
                key[1],
                data["practitioner_role"],
                key[2],
                data["practitioner_phone"],
            )
        )
        found[key] = pk
    _copy(cursor, "involvements_practitioner", _PRACTITIONER_COLUMNS, made)
    history.created(Practitioner, _PRACTITIONER_COLUMNS, made, [f"{p[3]}, {p[4]}" for p in made])
    return found


_INVOLVEMENT_COLUMNS = (
    "id",
    "public_id",
    "child_id",
    "service_id",
    "practitioner_id",
    "role",
    "start_date",
    "end_date",
    "is_sensitive",
    "basis",
    "basis_by",
    "basis_note",
    "external_ref",
    "source",
    "updated_at",
)
# What a feed sets on an involvement (and so what an update can change).
_COMPARED = (
    "child_id",
    "service_id",
    "practitioner_id",
    "role",
    "start_date",
    "end_date",
    "is_sensitive",
)


@dataclass
class _InvolvementChange:
    """One involvement the batch creates or changes: its values after (and before)."""

    id: int
    public_id: str
    values: dict[str, Any]
    service: _Service
    before: dict[str, Any] | None = None


def _involvements(
    cursor: Any, people: list[_Person], run: _Run, now: datetime.datetime, history: "_History"
) -> None:
    """Create or update each involvement by its natural key; an unchanged one is left be."""
    wanted: dict[str, tuple[_Person, dict[str, str]]] = {}
    for person in people:
        for _, _, record in person.rows:
            if record.involvement:
                data = record.involvement
                reference = f"{person.source_id}|{data['service_code']}|{data['start']}"
                wanted[reference] = (person, data)  # a later row of the file wins
    if not wanted:
        return
    rows = [data for _, data in wanted.values()]
    services = _services(cursor, rows, run, history)
    practitioners = _practitioners(cursor, rows, services, history)
    cursor.execute(
        "SELECT external_ref, id, public_id::text, child_id, service_id, practitioner_id, role,"
        " start_date, end_date, is_sensitive, updated_at FROM involvements_involvement"
        " WHERE source = %s AND source <> '' AND external_ref = ANY(%s)",
        [run.source, list(wanted)],
    )
    existing = {
        reference: (pk, public_id, dict(zip((*_COMPARED, "updated_at"), values, strict=True)))
        for reference, pk, public_id, *values in cursor.fetchall()
    }
    created: list[tuple[str, _Service, dict[str, Any]]] = []
    changed: list[_InvolvementChange] = []
    for reference, (person, data) in wanted.items():
        service = services[data["service_code"]]
        practitioner_id = practitioners.get(
            (service.organisation_id, data["practitioner_name"], data["practitioner_email"])
        )
        values = {
            "child_id": person.child_id,
            "service_id": service.id,
            "practitioner_id": practitioner_id,
            "role": data["practitioner_role"],
            "start_date": datetime.date.fromisoformat(data["start"]),
            "end_date": datetime.date.fromisoformat(data["end"]) if data["end"] else None,
            "is_sensitive": False,
        }
        old = existing.get(reference)
        if old is None:
            created.append((reference, service, values))
        elif any(old[2][name] != value for name, value in values.items()):
            changed.append(
                _InvolvementChange(old[0], old[1], {**values, "updated_at": now}, service, old[2])
            )
    new = [
        _InvolvementChange(pk, public_id, values, service)
        for (reference, service, values), (pk, public_id) in zip(
            created,
            _new_ids(cursor, "involvements_involvement", len(created), public_ids=True),
            strict=True,
        )
    ]
    copied = [
        (
            change.id,
            change.public_id,
            *change.values.values(),
            "",
            "",
            "",
            reference,
            run.source,
            now,
        )
        for change, (reference, _, _) in zip(new, created, strict=True)
    ]
    _copy(cursor, "involvements_involvement", _INVOLVEMENT_COLUMNS, copied)
    if changed:
        cursor.execute(
            "UPDATE involvements_involvement i SET child_id = v.child_id,"
            " service_id = v.service_id, practitioner_id = v.practitioner_id, role = v.role,"
            " start_date = v.start_date, end_date = v.end_date, is_sensitive = false,"
            " updated_at = %s"
            " FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[], %s::text[],"
            " %s::date[], %s::date[])"
            " AS v (id, child_id, service_id, practitioner_id, role, start_date, end_date)"
            " WHERE i.id = v.id",
            [
                now,
                [c.id for c in changed],
                *([c.values[name] for c in changed] for name in _COMPARED[:-1]),
            ],
        )
    history.created(
        Involvement,
        _INVOLVEMENT_COLUMNS,
        copied,
        [f"{c.values['role']} ({c.service.name}) for child {c.values['child_id']}" for c in new],
    )
    for change in changed:
        history.updated(
            Involvement,
            change.id,
            f"{change.values['role']} ({change.service.name}) for child "
            f"{change.values['child_id']}",
            change.before or {},
            change.values,
        )
    _notify_followers(cursor, new, changed)


def _notify_followers(
    cursor: Any, created: list[_InvolvementChange], changed: list[_InvolvementChange]
) -> None:
    """Tell the followers of each child that someone started working with them (a new
    current involvement) or stopped (an end date reached), as the page and the API do:
    through involvements.services.involvement_followers_notify, so each follower is told
    only what their own record view shows."""
    today = datetime.date.today()
    events = [
        (i, "started working with")
        for i in created
        if i.values["start_date"] <= today
        and (i.values["end_date"] is None or i.values["end_date"] >= today)
    ]
    events += [
        (i, "stopped working with")
        for i in changed
        if i.before
        and i.before["end_date"] is None
        and i.values["end_date"] is not None
        and i.values["end_date"] <= today
    ]
    touched = sorted({i.values["child_id"] for i, _ in events})
    if not touched:
        return
    cursor.execute(
        "SELECT DISTINCT child_id FROM notifications_follow WHERE child_id = ANY(%s)", [touched]
    )
    followed = {child_id for (child_id,) in cursor.fetchall()}
    if not followed:
        return
    mine = [(i, verb) for i, verb in events if i.values["child_id"] in followed]
    children = Child.objects.in_bulk(followed)
    services = Service.objects.in_bulk({i.values["service_id"] for i, _ in mine})
    practitioners = Practitioner.objects.in_bulk(
        {i.values["practitioner_id"] for i, _ in mine} - {None}
    )
    for change, verb in mine:
        values = change.values
        involvement = Involvement(
            id=change.id,
            public_id=uuid.UUID(change.public_id),
            role=values["role"],
            start_date=values["start_date"],
            end_date=values["end_date"],
            is_sensitive=values["is_sensitive"],
        )
        involvement.child = children[values["child_id"]]
        involvement.service = services[values["service_id"]]
        involvement.practitioner = practitioners.get(values["practitioner_id"])
        involvement_followers_notify(involvement=involvement, verb=verb, actor=None)


# -- review items and flags ---------------------------------------------------------------------

_REVIEW_COLUMNS = (
    "public_id",
    "source",
    "source_id",
    "incoming",
    "rows",
    "candidate_id",
    "score",
    "reasons",
    "explanation",
    "status",
    "created_at",
)


def _reviews(cursor: Any, waiting: list[_Person], run: _Run, now: datetime.datetime) -> None:
    """New review items by COPY, and rows added to the ones already waiting."""
    new, grown = [], []
    for person in waiting:
        rows: list[dict[str, str]] = []
        for _, _, record in person.rows:
            if record.involvement and record.involvement not in rows:
                rows.append(record.involvement)
        if person.waiting is not None:
            extra = [r for r in rows if r not in person.waiting.rows]
            if extra:
                grown.append((person.waiting.id, json.dumps([*person.waiting.rows, *extra])))
            continue
        new.append(
            (
                str(uuid.uuid4()),
                run.source,
                person.source_id,
                json.dumps(person.rows[0][1]),
                json.dumps(rows),
                person.child_id,
                person.score,
                json.dumps(person.reasons),
                json.dumps(person.explanation),
                "open",
                now,
            )
        )
    if new:
        _copy(cursor, ReviewItem._meta.db_table, _REVIEW_COLUMNS, new)
    if grown:
        cursor.execute(
            "UPDATE feeds_reviewitem r SET rows = v.rows::jsonb"
            " FROM unnest(%s::bigint[], %s::text[]) AS v (id, rows) WHERE r.id = v.id",
            [[item_id for item_id, _ in grown], [rows for _, rows in grown]],
        )


def _flag_source_duplicates(
    cursor: Any, flagged: list[_Person], run: _Run, now: datetime.datetime
) -> None:
    """ "Possible duplicate in the source": a new child near-identical to another id's child."""
    child_ids = sorted({child_id for p in flagged for child_id, _ in p.duplicates})
    if not child_ids:
        return
    cursor.execute(
        "SELECT DISTINCT ON (child_id) child_id, source_id FROM feeds_sourcerecord"
        " WHERE source = %s AND child_id = ANY(%s) ORDER BY child_id, source_id",
        [run.source, child_ids],
    )
    holders = dict(cursor.fetchall())
    flags = []
    for person in flagged:
        if person.outcome != "created":
            continue
        for child_id, score in person.duplicates:
            other = holders.get(child_id)
            if other and other != person.source_id:
                flags.append(
                    (run.source, person.source_id, person.child_id, other, child_id, score, now)
                )
    _copy_ignoring_conflicts(
        cursor,
        SourceDuplicate._meta.db_table,
        (
            "source",
            "source_id",
            "child_id",
            "other_source_id",
            "other_child_id",
            "score",
            "created_at",
        ),
        flags,
    )


# -- change history (django-auditlog does not see bulk writes: write its rows ourselves) -----


@cache
def _history_fields(model: type[Model]) -> tuple[tuple[str, str], ...]:
    """(name, attname) of the concrete fields django-auditlog records for ``model``."""
    excluded = set(auditlog.get_model_fields(model)["exclude_fields"])
    return tuple((f.name, f.attname) for f in model._meta.concrete_fields if f.name not in excluded)


class _History:
    """The batch's change-history rows, as django-auditlog would write them when saving
    each object one by one, written by one COPY at the end of the batch."""

    def __init__(self, now: datetime.datetime) -> None:
        self.now = now
        self.cid = get_cid()
        self.rows: list[tuple] = []

    def _add(self, model: type[Model], pk: int, text: str, action: int, changes: dict) -> None:
        content_type = ContentType.objects.get_for_model(model).pk
        self.rows.append(
            (content_type, str(pk), pk, text, action, json.dumps(changes), "", self.cid, self.now)
        )

    def created(
        self,
        model: type[Model],
        columns: Sequence[str],
        rows: Sequence[Sequence],
        texts: Sequence[str],
    ) -> None:
        """Rows just COPYed into ``model``'s table (``columns`` name their values; a field
        not among them holds its null default). ``texts`` are their ``str()``.

        The changes are ``{field: ["None", str(value)]}`` in field order, spelt as
        ``json.dumps`` spells them, from one template per model (a dict and ``json.dumps``
        per row cost more than the rest of the row's history together)."""
        if not rows:
            return
        position = {name: index for index, name in enumerate(columns)}
        template = ", ".join(
            f'{encode_basestring_ascii(name)}: ["None", {{}}]' for name, _ in _history_fields(model)
        )
        template = "{{" + template + "}}"  # literal braces around the fields' {} slots
        indexes = [position.get(attname) for _, attname in _history_fields(model)]
        content_type = ContentType.objects.get_for_model(model).pk
        pk_at = position["id"]
        append, action, cid, now = self.rows.append, LogEntry.Action.CREATE, self.cid, self.now
        none = encode_basestring_ascii("None")
        for row, text in zip(rows, texts, strict=True):
            changes = template.format(
                *[
                    none if index is None else encode_basestring_ascii(str(row[index]))
                    for index in indexes
                ]
            )
            pk = row[pk_at]
            append((content_type, str(pk), pk, text, action, changes, "", cid, now))

    def created_instances(self, instances: Iterable[Model]) -> None:
        for instance in instances:
            changes = {
                name: ["None", str(getattr(instance, attname))]
                for name, attname in _history_fields(type(instance))
            }
            self._add(type(instance), instance.pk, str(instance), LogEntry.Action.CREATE, changes)

    def updated(
        self,
        model: type[Model],
        pk: int,
        text: str,
        before: dict[str, Any],
        after: dict[str, Any],
    ) -> None:
        """``before`` and ``after`` hold the changed fields by attname."""
        changes = {
            name: [str(before.get(attname)), str(after[attname])]
            for name, attname in _history_fields(model)
            if attname in after and before.get(attname) != after[attname]
        }
        if changes:
            self._add(model, pk, text, LogEntry.Action.UPDATE, changes)

    def write(self, cursor: Any) -> None:
        _copy(
            cursor,
            "auditlog_logentry",
            (
                "content_type_id",
                "object_pk",
                "object_id",
                "object_repr",
                "action",
                "changes",
                "changes_text",
                "cid",
                "timestamp",
            ),
            self.rows,
        )
