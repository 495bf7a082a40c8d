"""Bulk import of people and their involvements from a case management system: reading
and validating rows, and the row-by-row path.

CSV (UTF-8, header row) or JSON Lines, one row per involvement; rows sharing a
``source_id`` are one person. Each row is validated into a typed ``FeedRecord``. Files are
imported by the set-based pipeline (``feeds.pipeline.import_file``); the row-by-row path
here (``import_rows_one_by_one``) is what the pipeline falls back to for a batch that the
database refuses, so that one bad row never blocks the good ones, and the baseline the
benchmark compares the pipeline with. Bad rows are reported with their line number and
reason.
"""

import csv
import datetime
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.db import DatabaseError, transaction
from django.utils import timezone

from accounts.models import Organisation, OrganisationType, User
from audit.models import Action
from audit.services import audit_event_record
from feeds.matching import CREATE, LINK, Incoming, match
from feeds.models import ReviewItem, ReviewStatus, SourceRecord
from involvements.models import (
    SENSITIVE_SERVICE_TYPES,
    Involvement,
    Practitioner,
    Service,
    ServiceType,
)
from involvements.services import involvement_followers_notify
from records.identifiers import nhs_number_valid, normalise_nhs_number
from records.models import AddressStatus, ChildIdentifier, IdentifierKind
from records.names import normalise_postcode
from records.services import AddressInput, NameInput, child_create

COLUMNS = [
    "source_id",
    "given_name",
    "family_name",
    "former_family_names",
    "date_of_birth",
    "gender",
    "address_line",
    "postcode",
    "nhs_number",
    "upn",
    "service_code",
    "service_name",
    "service_type",
    "practitioner_name",
    "practitioner_role",
    "practitioner_phone",
    "practitioner_email",
    "involvement_start",
    "involvement_end",
]
REQUIRED = ["source_id", "given_name", "family_name", "date_of_birth"]
GENDERS = {"M", "F", "X", "U"}
# The longest value each column may hold (the width of the column it lands in).
MAX_LENGTHS = {
    "source_id": 100,
    "given_name": 100,
    "family_name": 100,
    "address_line": 200,
    "upn": 40,
    "service_code": 40,
    "service_name": 200,
    "practitioner_name": 200,
    "practitioner_role": 120,
    "practitioner_phone": 40,
    "practitioner_email": 254,
}


class RowError(ValueError):
    """A row that cannot be imported; the message is the reason in the report."""


@dataclass
class RowOutcome:
    line: int
    source_id: str
    outcome: str  # linked / created / review / rejected
    child_id: str = ""
    score: int | str = ""
    reason: str = ""


@dataclass
class ImportSummary:
    rows: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    def add(self, outcome: RowOutcome) -> None:
        self.rows += 1
        self.outcomes[outcome.outcome] = self.outcomes.get(outcome.outcome, 0) + 1


def read_rows(handle: IO[str], name: str) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) pairs from a CSV or JSON Lines file, streamed.

    The handle should decode with ``errors="surrogateescape"`` (as ``import_file`` opens it):
    a line that is not UTF-8, or holds a NUL character, becomes an error row for the report
    instead of stopping the import or reaching the database.
    """
    if name.endswith((".jsonl", ".ndjson", ".json")):
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, {"__error__": f"not valid JSON: {exc.msg}"}
                continue
            except (ValueError, RecursionError):  # numbers too long, nesting too deep
                yield number, {"__error__": "not valid JSON: a value is too large or too deep"}
                continue
            if not isinstance(value, dict):
                yield number, {"__error__": "each line must be a JSON object"}
                continue
            yield number, _checked({str(k): "" if v is None else str(v) for k, v in value.items()})
        return
    reader = csv.reader(handle)
    try:
        fieldnames = next(reader, [])
    except csv.Error as exc:
        raise RowError(f"the header row is not valid CSV: {exc}") from exc
    missing = [column for column in REQUIRED if column not in fieldnames]
    if missing:
        shown = ", ".join(missing)
        if any(_unsafe(column) for column in fieldnames):
            raise RowError(f"the header row is not UTF-8 text and lacks the columns: {shown}")
        raise RowError(f"the header row lacks the columns: {shown}")
    # As csv.DictReader reads them (a short row's missing values are empty, a long row's
    # extra values dropped), without its per-row overhead; the line number is the one
    # DictReader gives: where the row starts, or the last good row's for a malformed one.
    width = len(fieldnames)
    named = [(index, key) for index, key in enumerate(fieldnames) if key]
    line = 0
    while True:
        try:
            values = next(reader)
            line = reader.line_num
            while not values:  # blank lines
                values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # a field over the size limit, a stray quote
            yield line, {"__error__": f"not valid CSV: {exc}"}
            continue
        if len(values) < width:
            values += [""] * (width - len(values))
        yield line, _checked({key: values[index].strip() for index, key in named})


_SURROGATES = re.compile("[\ud800-\udfff]")


def _unsafe(text: str) -> str:
    """Why ``text`` cannot be stored as it is, or "" if it can."""
    if "\x00" in text:
        return "it contains a NUL character"
    # Undecodable bytes arrive as lone surrogates (surrogateescape); JSON can spell them too.
    if _SURROGATES.search(text):
        return "it is not valid UTF-8 text"
    return ""


def _checked(row: dict[str, str]) -> dict[str, str]:
    """The row, or an error row (without its unsafe values) if any key or value is unsafe."""
    text = "".join(row) + "".join(row.values())
    if "\x00" not in text and not _SURROGATES.search(text):
        return row
    for key, value in row.items():
        problem = _unsafe(key) or _unsafe(value)
        if problem:
            return {"__error__": f"the line cannot be imported: {problem}"}
    return row


def _date(value: str, column: str, *, required: bool = False) -> datetime.date | None:
    if not value:
        if required:
            raise RowError(f"{column} is missing")
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise RowError(f"{column} must be a date as YYYY-MM-DD, not {value!r}") from exc


@dataclass(frozen=True)
class FeedRecord:
    """One valid row: the person it describes and the involvement it carries, if any.

    ``involvement`` is a plain dict (the form ``involvement_upsert`` takes and a review item
    keeps while it waits).
    """

    person: Incoming
    address_line: str = ""
    involvement: dict[str, str] | None = None

    @property
    def upn(self) -> str:
        return self.person.upn


# Looked up once: ``ServiceType.values`` builds a new list on every use.
_SERVICE_TYPES = tuple(ServiceType.values)
_SERVICE_TYPE_SET = frozenset(_SERVICE_TYPES)


def parse(row: dict[str, str]) -> FeedRecord:
    """Validate one row; raises RowError with the reason."""
    if "__error__" in row:
        raise RowError(row["__error__"])
    get = row.get
    for column in REQUIRED:
        if not get(column):
            raise RowError(f"{column} is missing")
    for column, longest in MAX_LENGTHS.items():
        if len(get(column, "")) > longest:
            raise RowError(f"{column} is longer than {longest} characters")
    born = _date(row["date_of_birth"], "date_of_birth", required=True)
    today = datetime.date.today()
    if born > today:
        raise RowError("date_of_birth is in the future")
    if (today - born).days > 26 * 366:
        raise RowError("date_of_birth is too long ago: the index holds children and young people")
    gender = (get("gender") or "U").upper()
    if gender not in GENDERS:
        raise RowError(f"gender must be one of M, F, X, U, not {get('gender')!r}")
    postcode = get("postcode", "")
    if postcode and not normalise_postcode(postcode):
        raise RowError(f"postcode {postcode!r} is not a UK postcode")
    nhs = get("nhs_number", "")
    if nhs:
        nhs = normalise_nhs_number(nhs)
        if nhs and not nhs_number_valid(nhs):
            raise RowError("nhs_number fails the modulus 11 check")
    start = _date(get("involvement_start", ""), "involvement_start")
    end = _date(get("involvement_end", ""), "involvement_end")
    if end and start and end < start:
        raise RowError("involvement_end is before involvement_start")
    service_type = get("service_type", "") or ServiceType.OTHER
    if get("service_code") and service_type not in _SERVICE_TYPE_SET:
        raise RowError(f"service_type {service_type!r} is not one of {', '.join(_SERVICE_TYPES)}")
    if row.get("service_code") and not start:
        raise RowError("involvement_start is missing")
    if service_type in SENSITIVE_SERVICE_TYPES:
        raise RowError(
            "sensitive-service involvements cannot come by feed: they need a recorded basis"
        )
    return FeedRecord(
        person=Incoming(
            given_name=row["given_name"],
            family_name=row["family_name"],
            date_of_birth=born,
            gender=gender,
            former_family_names=_former_names(row.get("former_family_names", "")),
            postcode=postcode,
            nhs_number=nhs,
            upn=row.get("upn", "").strip().upper(),
        ),
        address_line=row.get("address_line", ""),
        involvement={
            "service_code": row.get("service_code", ""),
            "service_name": row.get("service_name", "") or row.get("service_code", ""),
            "service_type": service_type,
            "practitioner_name": row.get("practitioner_name", ""),
            "practitioner_role": row.get("practitioner_role", "") or "Practitioner",
            "practitioner_phone": row.get("practitioner_phone", ""),
            "practitioner_email": row.get("practitioner_email", ""),
            "start": start.isoformat() if start else "",
            "end": end.isoformat() if end else "",
        }
        if row.get("service_code")
        else None,
    )


def _former_names(value: str) -> tuple[str, ...]:
    if not value:
        return ()
    names = tuple(name.strip() for name in value.split(";") if name.strip())
    if any(len(name) > MAX_LENGTHS["family_name"] for name in names):
        raise RowError(
            f"a former family name is longer than {MAX_LENGTHS['family_name']} characters"
        )
    return names


def source_organisation(source: str) -> Organisation:
    """The organisation that issues a feed's identifiers (made the first time)."""
    organisation, _ = Organisation.objects.get_or_create(
        code=f"SRC-{source}"[:40],
        defaults={"name": f"{source} (feed)", "organisation_type": OrganisationType.OTHER},
    )
    return organisation


def _create_child(parsed: FeedRecord, source: str):
    person = parsed.person
    addresses = []
    if person.postcode:
        addresses.append(
            AddressInput(
                line_1=parsed.address_line or "Address not given",
                postcode=person.postcode,
                status=AddressStatus.CURRENT,
            )
        )
    return child_create(
        given_name=person.given_name,
        family_name=person.family_name,
        date_of_birth=person.date_of_birth,
        gender=person.gender,
        former_names=[
            NameInput(person.given_name, family) for family in person.former_family_names
        ],
        addresses=addresses,
    )


def _identifiers(child, parsed: FeedRecord, source: str) -> None:
    issuer = source_organisation(source)
    for kind, value in (
        (IdentifierKind.NHS_NUMBER, parsed.person.nhs_number),
        (IdentifierKind.UPN, parsed.upn),
    ):
        if value:
            ChildIdentifier.objects.get_or_create(
                kind=kind, value=value, issued_by=issuer, defaults={"child": child}
            )


def involvement_upsert(
    child,
    data: dict[str, Any],
    source: str,
    source_id: str,
    external_ref: str = "",
    organisation: Organisation | None = None,
    actor: User | None = None,
) -> None:
    """Create or update one involvement by its natural key; repeating it changes nothing.

    With ``organisation`` (an API client's), a service code belonging to another
    organisation is refused: a system writes only about its own services. The child's
    followers are told when a current involvement arrives or one ends, as when a
    practitioner records it on the page (each told only what their record view shows).
    """
    if organisation is not None and (
        Service.objects.filter(code=data["service_code"])
        .exclude(organisation=organisation)
        .exists()
    ):
        raise RowError("that service code belongs to another organisation")
    organisation = organisation or source_organisation(source)
    service, _ = Service.objects.get_or_create(
        code=data["service_code"],
        defaults={
            "organisation": organisation,
            "name": data["service_name"],
            "service_type": data["service_type"],
        },
    )
    practitioner = None
    if data["practitioner_name"]:
        practitioner, _ = Practitioner.objects.get_or_create(
            organisation=service.organisation,
            name=data["practitioner_name"],
            email=data["practitioner_email"],
            defaults={"job_title": data["practitioner_role"], "phone": data["practitioner_phone"]},
        )
    start = datetime.date.fromisoformat(data["start"])
    end = datetime.date.fromisoformat(data["end"]) if data["end"] else None
    reference = external_ref or f"{source_id}|{data['service_code']}|{data['start']}"
    fields = {
        "child": child,
        "service": service,
        "practitioner": practitioner,
        "role": data["practitioner_role"],
        "start_date": start,
        "end_date": end,
        "is_sensitive": False,
    }
    existing = Involvement.objects.filter(source=source, external_ref=reference).first()
    if existing is not None and all(
        getattr(existing, name) == value for name, value in fields.items()
    ):
        return
    involvement, created = Involvement.objects.update_or_create(
        source=source,
        external_ref=reference,
        defaults={**fields, "updated_at": timezone.now()},
    )
    today = datetime.date.today()
    if created and start <= today and (end is None or end >= today):
        verb = "started working with"
    elif not created and existing.end_date is None and end is not None and end <= today:
        verb = "stopped working with"
    else:
        return
    involvement_followers_notify(involvement=involvement, verb=verb, actor=actor)


def _handle(line: int, row: dict[str, str], source: str) -> RowOutcome:
    source_id = row.get("source_id", "")
    try:
        parsed = parse(row)
    except RowError as error:
        return RowOutcome(line, source_id, "rejected", reason=str(error))
    open_review = ReviewItem.objects.filter(
        source=source, source_id=source_id, status=ReviewStatus.OPEN
    ).first()
    if open_review is not None:
        if parsed.involvement and parsed.involvement not in open_review.rows:
            open_review.rows = [*open_review.rows, parsed.involvement]
            open_review.save(update_fields=["rows"])
        return RowOutcome(line, source_id, "review", reason="waiting for review")
    decision = match(parsed.person, source=source, source_id=source_id)
    reasons = "; ".join(decision.reasons)
    if decision.outcome == LINK:
        child, outcome = decision.child, "linked"
    elif decision.outcome == CREATE:
        child, outcome = _create_child(parsed, source), "created"
    else:
        ReviewItem.objects.create(
            source=source,
            source_id=source_id,
            incoming={**row},
            rows=[parsed.involvement] if parsed.involvement else [],
            candidate=decision.child,
            score=decision.score,
            reasons=decision.reasons,
            explanation=decision.explanation,
        )
        return RowOutcome(line, source_id, "review", score=decision.score, reason=reasons)
    SourceRecord.objects.get_or_create(
        source=source, source_id=source_id, defaults={"child": child}
    )
    _identifiers(child, parsed, source)
    if parsed.involvement:
        involvement_upsert(child, parsed.involvement, source, source_id)
    return RowOutcome(line, source_id, outcome, str(child.public_id), decision.score, reasons)


def import_rows_one_by_one(
    batch: list[tuple[int, dict[str, str]]], *, source: str, dry_run: bool
) -> list[RowOutcome]:
    """One batch, atomic, each row in its own savepoint through ``match``: the slow path.

    With ``dry_run`` the batch is rolled back: the outcomes say what would happen.
    """
    outcomes: list[RowOutcome] = []
    with transaction.atomic():
        for line, row in batch:
            try:
                with transaction.atomic():
                    outcomes.append(_handle(line, row, source))
            except (DatabaseError, ValueError) as error:
                outcomes.append(
                    RowOutcome(line, row.get("source_id", ""), "rejected", reason=str(error)[:200])
                )
        batch_audit(batch, outcomes, source=source, dry_run=dry_run)
        if dry_run:
            transaction.set_rollback(True)
    return outcomes


def batch_audit(
    batch: list[tuple[int, dict[str, str]]],
    outcomes: list[RowOutcome],
    *,
    source: str,
    dry_run: bool,
) -> None:
    """The batch's ``feed.import`` event: its line range and the count of each outcome."""
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.outcome] = counts.get(outcome.outcome, 0) + 1
    audit_event_record(
        action=Action.FEED_IMPORT,
        object_type="feed",
        object_id=source,
        details={
            "first_line": batch[0][0],
            "last_line": batch[-1][0],
            "counts": counts,
            "dry_run": dry_run,
            "at": timezone.now().isoformat(),
        },
    )


def report_writer(handle: io.TextIOBase) -> Callable[[RowOutcome], None]:
    writer = csv.writer(handle)
    writer.writerow(["line", "source_id", "outcome", "child_id", "score", "reason"])

    def write(outcome: RowOutcome) -> None:
        writer.writerow(
            [
                outcome.line,
                outcome.source_id,
                outcome.outcome,
                outcome.child_id,
                outcome.score,
                outcome.reason,
            ]
        )

    return write
