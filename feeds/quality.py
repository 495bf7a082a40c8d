"""The matcher's precision and recall on a hostile synthetic feed with known truth.

``run`` builds an index of N children (households, twins, same-name-same-birthday
children, NHS numbers on most) and sends it a feed from a second source
(feeds/hostile_feed.py: several kinds of noise per person, both twins and both namesakes,
NHS numbers on a third, 10 % new people, some of them unregistered twins). Each record
goes through ``feeds.matching.match`` in feed order and its decision is applied as an
import would (a link or a new child records the source's id; a new child is created), so
that later records see earlier ones. Everything happens in a transaction that is rolled
back: the index is left as it was.

``score`` turns (record, decision) pairs into the figures; it is what the benchmark and
the Splink baseline use too, so every figure is counted the same way.
"""

import datetime
import random
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import transaction

from accounts.models import Organisation, OrganisationType
from feeds import estimation
from feeds.hostile_feed import FeedPlan, FeedRecord, Person, make_feed, make_index
from feeds.matching import CREATE, LINK, REVIEW, Incoming, match, person_facts
from feeds.models import SourceRecord
from feeds.scoring import Candidate, NameFacts
from records.models import ChildIdentifier, IdentifierKind
from records.names import normalise_name, normalise_postcode, phonetic_key
from records.services import AddressInput, NameInput, child_create

SOURCE = "QUALITY"


@dataclass(frozen=True)
class Outcome:
    """What the matcher decided for one record: LINK, REVIEW or CREATE, and the index key
    of the child it linked to or proposed (``None`` for a new child)."""

    decision: str
    key: int | None = None


@dataclass
class QualityReport:
    records: int = 0
    known: int = 0
    new_people: int = 0
    linked_right: int = 0
    linked_wrong: int = 0
    new_linked: int = 0
    reviewed_right: int = 0
    reviewed_other: int = 0
    reviews: int = 0
    created_existing: int = 0
    new_created: int = 0
    false_links: dict[str, int] = field(default_factory=dict)
    by_noise: dict[str, dict[str, int]] = field(default_factory=dict)
    by_relation: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def links(self) -> int:
        return self.linked_right + self.linked_wrong + self.new_linked

    @property
    def precision(self) -> float:
        """Right links out of all automatic links."""
        return self.linked_right / self.links if self.links else 1.0

    @property
    def recall(self) -> float:
        """Known people linked to the right child or sent to review with it."""
        return (self.linked_right + self.reviewed_right) / self.known if self.known else 1.0

    @property
    def link_recall(self) -> float:
        return self.linked_right / self.known if self.known else 1.0

    @property
    def review_rate(self) -> float:
        return self.reviews / self.records if self.records else 0.0

    @property
    def duplicates_created(self) -> int:
        """New children made for people the index already held."""
        return self.created_existing

    def as_dict(self) -> dict:
        return {
            "records": self.records,
            "known": self.known,
            "new": self.new_people,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "link_recall": round(self.link_recall, 4),
            "review_rate": round(self.review_rate, 4),
            "linked_right": self.linked_right,
            "linked_wrong": self.linked_wrong,
            "new_linked": self.new_linked,
            "reviewed_right": self.reviewed_right,
            "reviewed_other": self.reviewed_other,
            "duplicates_created": self.duplicates_created,
            "new_created": self.new_created,
            "false_links": dict(sorted(self.false_links.items())),
            "by_noise": {k: dict(v) for k, v in sorted(self.by_noise.items())},
            "by_relation": {k: dict(v) for k, v in sorted(self.by_relation.items())},
        }


def score(
    pairs: Iterable[tuple[FeedRecord, Outcome]], index: Iterable[Person] = ()
) -> QualityReport:
    """The figures for records and what was decided for each.

    A false link is put down to how the wrong child relates to the right one: ``twin``
    (same household and birthday), ``namesake`` (same names and birthday), ``sibling``,
    ``new_twin`` / ``new_namesake`` / ``new`` for a person new to the index (by the
    record's relation), else ``other``.
    """
    people = {person.key: person for person in index}
    report = QualityReport()
    for record, outcome in pairs:
        report.records += 1
        right = record.truth is not None and outcome.key == record.truth
        column = outcome.decision
        if outcome.decision == LINK and not right:
            column = "wrong"
        elif outcome.decision == REVIEW and not right and record.truth is not None:
            column = "review_other"
        for kind in record.kinds:
            _tally(report.by_noise, kind, column)
        _tally(report.by_relation, record.relation or "plain", column)
        if outcome.decision == REVIEW:
            report.reviews += 1
        if record.truth is None:
            report.new_people += 1
            if outcome.decision == LINK:
                report.new_linked += 1
                _tally_false(report, record.relation or "new")
            elif outcome.decision == CREATE:
                report.new_created += 1
            continue
        report.known += 1
        if outcome.decision == LINK:
            if right:
                report.linked_right += 1
            else:
                report.linked_wrong += 1
                _tally_false(report, _relation(people, record.truth, outcome.key))
        elif outcome.decision == REVIEW:
            if right:
                report.reviewed_right += 1
            else:
                report.reviewed_other += 1
        else:
            report.created_existing += 1
    return report


def _tally(table: dict[str, dict[str, int]], row: str, column: str) -> None:
    counts = table.setdefault(row, {LINK: 0, REVIEW: 0, CREATE: 0, "wrong": 0, "review_other": 0})
    counts[column] += 1


def _tally_false(report: QualityReport, kind: str) -> None:
    report.false_links[kind] = report.false_links.get(kind, 0) + 1


def _relation(people: dict[int, Person], truth: int, linked: int | None) -> str:
    right, wrong = people.get(truth), people.get(linked) if linked is not None else None
    if right is None or wrong is None:
        return "other"
    if right.household == wrong.household:
        return "twin" if right.dob == wrong.dob else "sibling"
    if (right.given, right.family, right.dob) == (wrong.given, wrong.family, wrong.dob):
        return "namesake"
    return "other"


def run(
    people: int = 300,
    seed: int = 7,
    feed_share: float = 0.9,
    today: datetime.date | None = None,
) -> QualityReport:
    """Index ``people`` children, send a feed about ``feed_share`` of that many people
    (10 % of them new), and score the matcher's decisions. Changes nothing.

    The people's ages are counted back from ``today`` (the real date unless given): give it
    to get the same feed on any day."""
    rng = random.Random(seed)  # nosec B311  # a reproducible synthetic feed, not a secret
    today = today or datetime.date.today()
    index = make_index(rng, people, today=today)
    feed = make_feed(rng, index, max(1, round(people * feed_share)), today=today, plan=FeedPlan())
    with transaction.atomic():
        health = Organisation.objects.create(
            code="QUALITY-NHS", name="Synthetic health", organisation_type=OrganisationType.HEALTH
        )
        children = {person.key: _create(person, health) for person in index}
        keys = {child.pk: key for key, child in children.items()}
        pairs: list[tuple[FeedRecord, Outcome]] = []
        for record in feed:
            decision = match(_incoming(record), source=SOURCE, source_id=record.source_id)
            linked = decision.child.pk if decision.child is not None else None
            if decision.outcome == LINK:
                SourceRecord.objects.get_or_create(
                    source=SOURCE, source_id=record.source_id, defaults={"child": decision.child}
                )
            elif decision.outcome == CREATE:
                child = _create(_as_person(record), health)
                SourceRecord.objects.create(source=SOURCE, source_id=record.source_id, child=child)
            pairs.append((record, Outcome(decision.outcome, keys.get(linked))))
        transaction.set_rollback(True)
    return score(pairs, index)


def estimate(
    people: int = 2000, seed: int = 7, today: datetime.date | None = None
) -> estimation.Estimate:
    """The model's m and u estimated on the same index and feed as ``run`` (no database):
    u from random pairs, m by expectation maximisation and, with the feed's truth, counted."""
    rng = random.Random(seed)  # nosec B311  # a reproducible synthetic feed, not a secret
    today = today or datetime.date.today()
    index = make_index(rng, people, today=today)
    feed = make_feed(rng, index, max(1, round(people * 0.9)), today=today, plan=FeedPlan())
    children = [_candidate(person) for person in index]
    incoming = [(person_facts(_incoming(record)), record.truth) for record in feed]
    return estimation.estimate(incoming, children, rng=rng)


def _candidate(person: Person) -> Candidate:
    given, family = normalise_name(person.given), normalise_name(person.family)
    return Candidate(
        person.key,
        person.dob,
        person.gender,
        [NameFacts(given, family, phonetic_key(given), phonetic_key(family))],
        postcodes=frozenset({normalise_postcode(person.postcode)} - {""}),
        nhs_numbers=frozenset({person.nhs} - {""}),
    )


def _incoming(record: FeedRecord) -> Incoming:
    return Incoming(
        given_name=record.given,
        family_name=record.family,
        date_of_birth=record.dob,
        gender=record.gender,
        former_family_names=record.former_families,
        postcode=record.postcode,
        nhs_number=record.nhs,
    )


def _as_person(record: FeedRecord) -> Person:
    return Person(
        key=0,
        given=record.given.strip(),
        family=record.family.strip(),
        dob=record.dob,
        gender=record.gender,
        postcode=record.postcode,
        nhs=record.nhs,
        former_families=record.former_families,
    )


def _create(person: Person, health: Organisation):
    child = child_create(
        given_name=person.given,
        family_name=person.family,
        date_of_birth=person.dob,
        gender=person.gender,
        former_names=[NameInput(person.given, family) for family in person.former_families],
        addresses=[AddressInput(line_1="1 Road", postcode=person.postcode)]
        if person.postcode
        else [],
    )
    if person.nhs:
        ChildIdentifier.objects.get_or_create(
            kind=IdentifierKind.NHS_NUMBER,
            value=person.nhs,
            issued_by=health,
            defaults={"child": child},
        )
    return child
