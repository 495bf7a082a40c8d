"""The set-based import pipeline: thousands of rows per batch, a handful of statements each.

For each batch of ``IMPORT_BATCH_ROWS`` rows, in one transaction:

1. validate every row into a ``FeedRecord`` (bad rows are reported and go no further);
2. group the rows by ``source_id`` (rows sharing one are one person: one child);
3. resolve the source's known ids and open reviews by joins;
4. for the others, COPY their blocking keys into staging tables and find candidates with
   one join (``feeds.candidates``), read the candidates' facts in one query per kind, and
   score only those pairs (``feeds.scoring``), in line order so that two ids of one source
   never land on one child and two new people of the file are compared with each other;
5. write children, names, addresses, source records, identifiers, services, practitioners,
   involvements, review items, possible-duplicate flags and change history in bulk; notify
   the followers of children whose involvements changed; one ``feed.import`` audit event.

A batch the database refuses whole (a row the checks let through) is re-run row by row
(``feeds.importing.import_rows_one_by_one``), so the bad row is reported and the rest land.
Re-running a file, or re-running it after a kill, creates nothing twice and loses nothing:
people are found again by (source, source_id), involvements by their natural key,
identifiers and flags by their unique constraints.
"""

import datetime
import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from auditlog.cid import get_cid
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.db.models import Model
from django.utils import timezone

from accounts.models import Organisation
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
from feeds.models import ReviewItem, ReviewStatus, SourceDuplicate, SourceRecord
from feeds.scoring import CREATE, LINK, Candidate, NameFacts, NameFrequencies, Person, decide
from involvements.models import Involvement, Practitioner, Service
from involvements.services import involvement_followers_notify
from notifications.models import Follow
from records.models import Address, AddressStatus, Child, ChildIdentifier, ChildName, NameKind
from records.names import normalise_postcode, postcode_district

KNOWN_REASON = "already linked by this source's id"
WAITING_REASON = "waiting for review"


@dataclass
class _Person:
    """One source person of the batch: their rows and what was decided."""

    source_id: str
    record: FeedRecord
    rows: list[tuple[int, dict[str, str], FeedRecord]] = field(default_factory=list)
    outcome: str = ""  # linked / created / review
    child_id: int | None = None
    public_id: str = ""
    score: int = 100
    reasons: list[str] = field(default_factory=list)
    explanation: list[dict[str, object]] = field(default_factory=list)
    known: bool = False
    waiting: ReviewItem | None = None
    duplicates: tuple[tuple[int, int], ...] = ()


@dataclass
class _Run:
    source: str
    issuer: Organisation
    frequencies: NameFrequencies


def import_file(
    path: Path,
    *,
    source: str,
    dry_run: bool = False,
    report: Callable[[RowOutcome], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import a file in batches of IMPORT_BATCH_ROWS rows, each batch atomic.

    With ``dry_run`` every batch is rolled back: the report says what would happen.
    """
    summary = ImportSummary()
    run = _Run(source, source_organisation(source), name_frequencies(fresh=True))
    with path.open("r", encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        for batch in _batches(read_rows(handle, path.name), settings.IMPORT_BATCH_ROWS):
            try:
                with transaction.atomic():
                    outcomes = _import_batch(batch, run)
                    batch_audit(batch, outcomes, source=source, dry_run=dry_run)
                    if dry_run:
                        transaction.set_rollback(True)
            except DatabaseError:
                outcomes = import_rows_one_by_one(batch, source=source, dry_run=dry_run)
            for outcome in outcomes:
                summary.add(outcome)
                if report:
                    report(outcome)
            if progress:
                progress(len(batch))
    return summary


def _batches(
    rows: Iterable[tuple[int, dict[str, str]]], size: int
) -> Iterator[list[tuple[int, dict[str, str]]]]:
    batch: list[tuple[int, dict[str, str]]] = []
    for item in rows:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _import_batch(batch: list[tuple[int, dict[str, str]]], run: _Run) -> list[RowOutcome]:
    rejected: dict[int, RowOutcome] = {}
    people: dict[str, _Person] = {}
    for line, row in batch:
        source_id = row.get("source_id", "")
        try:
            record = parse(row)
        except RowError as error:
            rejected[line] = RowOutcome(line, source_id, "rejected", reason=str(error))
            continue
        person = people.setdefault(source_id, _Person(source_id, record))
        person.rows.append((line, row, record))

    _resolve_known(people, run)
    fresh = [p for p in people.values() if not p.known and p.waiting is None]
    _decide(fresh, run)
    _write(people, run)

    outcomes = []
    firsts = {p.rows[0][0]: p for p in people.values()}
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


def _resolve_known(people: dict[str, _Person], run: _Run) -> None:
    """People whose id the source has sent before, and people waiting for review."""
    ids = list(people)
    with connection.cursor() as cursor:
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
    for item in ReviewItem.objects.filter(
        source=run.source, source_id__in=ids, status=ReviewStatus.OPEN
    ):
        person = people[item.source_id]
        if not person.known:
            person.waiting, person.outcome = item, "review"
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


def _probe_keys(person: Person) -> set[tuple]:
    keys: set[tuple] = set()
    for dob in blocking.loose_dates(person.date_of_birth):
        keys |= {("f", key, dob) for key in blocking.family_keys(person)}
        keys |= {("g", key, dob) for key in blocking.given_keys(person)}
    if person.nhs_number:
        keys.add(("nhs", person.nhs_number))
    if person.upn:
        keys.add(("upn", person.upn))
    return keys


def _decide(fresh: list[_Person], run: _Run) -> None:
    """Candidates for every new person in one join, then decisions in line order."""
    if not fresh:
        return
    facts_of = {index: person_facts(p.record.person) for index, p in enumerate(fresh)}
    with connection.cursor() as cursor:
        found = blocking.candidate_ids(cursor, facts_of)
        facts = blocking.candidate_facts(
            cursor, {c for ids in found.values() for c in ids}, source=run.source
        )
        not_same = blocking.not_same_pairs(
            cursor, source=run.source, source_ids=[p.source_id for p in fresh]
        )
    in_batch: dict[tuple, list[Candidate]] = {}
    for index, person in enumerate(fresh):
        facts_of_person = facts_of[index]
        pool = {c: facts[c] for c in found.get(index, ()) if c in facts}
        for key in _probe_keys(facts_of_person):
            for candidate in in_batch.get(key, ()):
                pool[candidate.child_id] = candidate
        verdict = decide(
            facts_of_person,
            pool.values(),
            source_id=person.source_id,
            link_score=settings.MATCH_LINK_SCORE,
            review_score=settings.MATCH_REVIEW_SCORE,
            margin=settings.MATCH_MARGIN,
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
            for key in _block_keys(facts_of_person):
                in_batch.setdefault(key, []).append(newcomer)
        else:
            person.outcome = "review"


def _write(people: dict[str, _Person], run: _Run) -> None:
    now = timezone.now()
    everyone = list(people.values())
    linked_now = {p.child_id for p in everyone if p.outcome == "linked" and not p.known}
    public_ids = dict(Child.objects.filter(pk__in=linked_now).values_list("pk", "public_id"))
    for person in everyone:
        if person.outcome == "linked" and not person.known:
            person.public_id = str(public_ids[person.child_id])
    _create_children([p for p in everyone if p.outcome == "created"], run, now)
    linked = [p for p in everyone if p.outcome in ("linked", "created")]
    _link_children(linked, run, now)
    _reviews([p for p in everyone if p.outcome == "review"], run)
    _flag_source_duplicates([p for p in everyone if p.duplicates], people, run)


def _create_children(created: list[_Person], run: _Run, now: datetime.datetime) -> None:
    if not created:
        return
    children = []
    for person in created:
        incoming = person.record.person
        children.append(
            Child(
                public_id=uuid.uuid4(),
                given_name=incoming.given_name,
                family_name=incoming.family_name,
                date_of_birth=incoming.date_of_birth,
                gender=incoming.gender,
            )
        )
    Child.objects.bulk_create(children)
    stand_ins: dict[int, int] = {}
    names, addresses = [], []
    for person, child in zip(created, children, strict=True):
        stand_ins[person.child_id] = child.pk  # type: ignore[index]
        person.child_id, person.public_id = child.pk, str(child.public_id)
        incoming = person.record.person
        names.append(
            ChildName(
                child=child,
                kind=NameKind.CURRENT,
                given_name=incoming.given_name,
                family_name=incoming.family_name,
            )
        )
        for family in incoming.former_family_names:
            names.append(
                ChildName(
                    child=child,
                    kind=NameKind.FORMER,
                    given_name=incoming.given_name,
                    family_name=family,
                )
            )
        if incoming.postcode:
            postcode = normalise_postcode(incoming.postcode)
            addresses.append(
                Address(
                    child=child,
                    status=AddressStatus.CURRENT,
                    line_1=person.record.address_line or "Address not given",
                    postcode=postcode,
                    postcode_district=postcode_district(postcode),
                )
            )
    for name in names:
        name.set_search_forms()
    ChildName.objects.bulk_create(names)
    Address.objects.bulk_create(addresses)
    _history_created([*children, *addresses], now)
    for person in created:  # a flag may point at a child created earlier in this batch
        person.duplicates = tuple(
            (stand_ins.get(child_id, child_id), score) for child_id, score in person.duplicates
        )


def _link_children(people: list[_Person], run: _Run, now: datetime.datetime) -> None:
    """Source records, identifiers and involvements of people who have a child now."""
    SourceRecord.objects.bulk_create(
        [
            SourceRecord(source=run.source, source_id=p.source_id, child_id=p.child_id)
            for p in people
            if not p.known
        ],
        ignore_conflicts=True,
    )
    identifiers = []
    for person in people:
        for _, _, record in person.rows:
            for kind, value in (("nhs", record.person.nhs_number), ("upn", record.upn)):
                if value:
                    identifiers.append(
                        ChildIdentifier(
                            child_id=person.child_id, kind=kind, value=value, issued_by=run.issuer
                        )
                    )
    ChildIdentifier.objects.bulk_create(identifiers, ignore_conflicts=True)
    wanted: dict[str, tuple[_Person, dict[str, str]]] = {}
    for person in people:
        for _, _, record in person.rows:
            if record.involvement:
                data = record.involvement
                reference = f"{person.source_id}|{data['service_code']}|{data['start']}"
                wanted[reference] = (person, data)  # a later row of the file wins
    if wanted:
        _involvements(wanted, run, now)


def _services(rows: Iterable[dict[str, str]], run: _Run, now: datetime.datetime) -> dict:
    first: dict[str, dict[str, str]] = {}
    for data in rows:
        first.setdefault(data["service_code"], data)
    services = {s.code: s for s in Service.objects.filter(code__in=list(first))}
    missing = [
        Service(
            code=code,
            organisation=run.issuer,
            name=data["service_name"],
            service_type=data["service_type"],
        )
        for code, data in first.items()
        if code not in services
    ]
    if missing:
        Service.objects.bulk_create(missing, ignore_conflicts=True)
        made = Service.objects.filter(code__in=[s.code for s in missing])
        services.update({s.code: s for s in made})
        _history_created([s for s in made], now)
    return services


def _practitioners(
    rows: Iterable[dict[str, str]], services: dict, now: datetime.datetime
) -> dict[tuple, Practitioner]:
    first: dict[tuple, dict[str, str]] = {}
    for data in rows:
        if data["practitioner_name"]:
            service = services[data["service_code"]]
            key = (service.organisation_id, data["practitioner_name"], data["practitioner_email"])
            first.setdefault(key, data)
    if not first:
        return {}
    found: dict[tuple, Practitioner] = {}
    for practitioner in Practitioner.objects.filter(
        organisation_id__in={key[0] for key in first},
        name__in={key[1] for key in first},
        email__in={key[2] for key in first},
    ).order_by("id"):
        found.setdefault(
            (practitioner.organisation_id, practitioner.name, practitioner.email), practitioner
        )
    missing = [
        Practitioner(
            organisation_id=key[0],
            name=key[1],
            email=key[2],
            job_title=data["practitioner_role"],
            phone=data["practitioner_phone"],
        )
        for key, data in first.items()
        if key not in found
    ]
    Practitioner.objects.bulk_create(missing)
    for practitioner in missing:
        found[(practitioner.organisation_id, practitioner.name, practitioner.email)] = practitioner
    _history_created(missing, now)
    return found


_COMPARED = ("child_id", "service_id", "practitioner_id", "role", "start_date", "end_date")


def _involvements(
    wanted: dict[str, tuple[_Person, dict[str, str]]], run: _Run, now: datetime.datetime
) -> None:
    """Create or update each involvement by its natural key; an unchanged one is left be."""
    rows = [data for _, data in wanted.values()]
    services = _services(rows, run, now)
    practitioners = _practitioners(rows, services, now)
    existing = {
        i.external_ref: i
        for i in Involvement.objects.filter(source=run.source, external_ref__in=list(wanted))
    }
    created, changed, before = [], [], []
    for reference, (person, data) in wanted.items():
        service = services[data["service_code"]]
        practitioner = practitioners.get(
            (service.organisation_id, data["practitioner_name"], data["practitioner_email"])
        )
        values = {
            "child_id": person.child_id,
            "service_id": service.pk,
            "practitioner_id": practitioner.pk if practitioner else None,
            "role": data["practitioner_role"],
            "start_date": datetime.date.fromisoformat(data["start"]),
            "end_date": datetime.date.fromisoformat(data["end"]) if data["end"] else None,
        }
        old = existing.get(reference)
        if old is None:
            involvement = Involvement(
                source=run.source,
                external_ref=reference,
                is_sensitive=False,
                updated_at=now,
                **values,
            )
            involvement.service, involvement.practitioner = service, practitioner
            created.append(involvement)
        elif any(getattr(old, name) != value for name, value in values.items()) or (
            old.is_sensitive
        ):
            before.append(
                Involvement(
                    **{f.attname: getattr(old, f.attname) for f in old._meta.concrete_fields}
                )
            )
            for name, value in values.items():
                setattr(old, name, value)
            old.is_sensitive, old.updated_at = False, now
            old.service, old.practitioner = service, practitioner
            changed.append(old)
    _copy_involvements(created)
    if changed:
        Involvement.objects.bulk_update(
            changed, [*_COMPARED, "is_sensitive", "updated_at"], batch_size=1000
        )
    _history_created(created, now)
    _history_updated(before, changed, now)
    _notify_followers(created, before, changed)


_INVOLVEMENT_COLUMNS = (
    "id",
    "public_id",
    "role",
    "start_date",
    "end_date",
    "is_sensitive",
    "child_id",
    "practitioner_id",
    "service_id",
    "basis",
    "basis_by",
    "basis_note",
    "external_ref",
    "source",
    "updated_at",
)


def _copy_involvements(created: list[Involvement]) -> None:
    """New involvements by COPY, their ids taken from the table's sequence first."""
    if not created:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('involvements_involvement', 'id'))"
            " FROM generate_series(1, %s)",
            [len(created)],
        )
        for involvement, (pk,) in zip(created, cursor.fetchall(), strict=True):
            involvement.pk = pk
        columns = ", ".join(_INVOLVEMENT_COLUMNS)
        with cursor.copy(f"COPY involvements_involvement ({columns}) FROM STDIN") as copy:
            for involvement in created:
                copy.write_row(
                    tuple(getattr(involvement, column) for column in _INVOLVEMENT_COLUMNS)
                )


def _notify_followers(
    created: list[Involvement], before: list[Involvement], changed: list[Involvement]
) -> None:
    """Tell the followers of each child that someone started working with them (a new
    current involvement) or stopped (an end date reached), as the page and the API do:
    through involvements.services.involvement_followers_notify, so each follower is told
    only what their own record view shows."""
    today = datetime.date.today()
    events = [
        (i, "started working with")
        for i in created
        if i.start_date <= today and (i.end_date is None or i.end_date >= today)
    ]
    events += [
        (new, "stopped working with")
        for old, new in zip(before, changed, strict=True)
        if old.end_date is None and new.end_date is not None and new.end_date <= today
    ]
    touched = {i.child_id for i, _ in events}
    if not touched:
        return
    followed = set(
        Follow.objects.filter(child_id__in=touched).values_list("child_id", flat=True).distinct()
    )
    if not followed:
        return
    children = Child.objects.in_bulk(followed)
    for involvement, verb in events:
        if involvement.child_id in followed:
            involvement.child = children[involvement.child_id]
            involvement_followers_notify(involvement=involvement, verb=verb, actor=None)


def _reviews(waiting: list[_Person], run: _Run) -> None:
    """New review items, and rows added to the ones already waiting."""
    new, grown = [], []
    for person in waiting:
        rows = []
        for _, _, record in person.rows:
            if record.involvement and record.involvement not in rows:
                rows.append(record.involvement)
        if person.waiting is not None:
            extra = [r for r in rows if r not in person.waiting.rows]
            if extra:
                person.waiting.rows = [*person.waiting.rows, *extra]
                grown.append(person.waiting)
            continue
        new.append(
            ReviewItem(
                source=run.source,
                source_id=person.source_id,
                incoming={**person.rows[0][1]},
                rows=rows,
                candidate_id=person.child_id,
                score=person.score,
                reasons=person.reasons,
                explanation=person.explanation,
            )
        )
    ReviewItem.objects.bulk_create(new)
    if grown:
        ReviewItem.objects.bulk_update(grown, ["rows"])


def _flag_source_duplicates(flagged: list[_Person], people: dict[str, _Person], run: _Run) -> None:
    """ "Possible duplicate in the source": a new child near-identical to another id's child."""
    child_ids = {child_id for p in flagged for child_id, _ in p.duplicates}
    if not child_ids:
        return
    holders: dict[int, str] = {}
    for record in SourceRecord.objects.filter(source=run.source, child_id__in=child_ids).order_by(
        "source_id"
    ):
        holders.setdefault(record.child_id, record.source_id)
    flags = []
    for person in flagged:
        if person.outcome != "created":
            continue
        for child_id, score in person.duplicates:
            other = holders.get(child_id)
            if other and other != person.source_id:
                flags.append(
                    SourceDuplicate(
                        source=run.source,
                        source_id=person.source_id,
                        child_id=person.child_id,
                        other_source_id=other,
                        other_child_id=child_id,
                        score=score,
                    )
                )
    SourceDuplicate.objects.bulk_create(flags, ignore_conflicts=True)


# -- change history (django-auditlog does not see bulk writes: write its rows ourselves) -----


@cache
def _history_fields(model: type[Model]) -> tuple[tuple[str, str], ...]:
    """(name, attname) of the concrete fields django-auditlog records for ``model``."""
    excluded = set(auditlog.get_model_fields(model)["exclude_fields"])
    return tuple((f.name, f.attname) for f in model._meta.concrete_fields if f.name not in excluded)


def _changes(instance: Model, before: Model | None) -> dict[str, list[str]]:
    changes = {}
    for name, attname in _history_fields(type(instance)):
        new = getattr(instance, attname)
        old = getattr(before, attname) if before is not None else None
        if before is None or old != new:
            changes[name] = [str(old), str(new)]
    return changes


def _history_created(instances: list[Model], now: datetime.datetime) -> None:
    _history([(instance, None) for instance in instances], LogEntry.Action.CREATE, now)


def _history_updated(before: list[Model], after: list[Model], now: datetime.datetime) -> None:
    _history(list(zip(after, before, strict=True)), LogEntry.Action.UPDATE, now)


def _history(pairs: list[tuple[Model, Model | None]], action: int, now: datetime.datetime) -> None:
    """One change-history row per instance, as django-auditlog would write it, by COPY."""
    if not pairs:
        return
    cid = get_cid()
    # Looked up before the COPY starts: the connection answers nothing else during one.
    content_types = {
        model: ContentType.objects.get_for_model(model) for model in {type(i) for i, _ in pairs}
    }
    with (
        connection.cursor() as cursor,
        cursor.copy(
            "COPY auditlog_logentry (content_type_id, object_pk, object_id, object_repr, action,"
            " changes, changes_text, cid, timestamp) FROM STDIN"
        ) as copy,
    ):
        for instance, before in pairs:
            changes = _changes(instance, before)
            if not changes:
                continue
            copy.write_row(
                (
                    content_types[type(instance)].pk,
                    str(instance.pk),
                    instance.pk,
                    str(instance),
                    action,
                    json.dumps(changes),
                    "",
                    cid,
                    now,
                )
            )
