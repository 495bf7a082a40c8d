"""Record matching: is this incoming person a child the index already holds?

1. Deterministic: the source's own id is already linked to a child.
2. Candidates by blocking joins on indexed keys (``feeds.candidates``): name keys with the
   date of birth (one day out and day/month swaps included), NHS number, UPN, former names.
3. Fellegi-Sunter scoring and the decision rules (``feeds.scoring``), explained per field.

Three outcomes, each with its reasons: **link** (certain), **review** (possible),
**create** (no candidate). Never link automatically across a shield, when two candidates
are close (twins, namesakes), or to a child who already holds a different id from the same
source (a new child is created instead). Thresholds: MATCH_LINK_SCORE, MATCH_REVIEW_SCORE,
MATCH_MARGIN. The bulk pipeline (``feeds.pipeline``) takes the same decisions in sets.
"""

import datetime
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction

from feeds import candidates as blocking
from feeds.models import SourceRecord
from feeds.scoring import CREATE, LINK, REVIEW, TF_MIN_COUNT, NameFrequencies, Person, decide
from records.identifiers import normalise_nhs_number
from records.models import Child
from records.names import normalise_name, normalise_postcode, phonetic_key

__all__ = ["CREATE", "LINK", "REVIEW", "Decision", "Incoming", "match", "person_facts"]


@dataclass(frozen=True)
class Incoming:
    given_name: str
    family_name: str
    date_of_birth: datetime.date
    gender: str = "U"
    former_family_names: tuple[str, ...] = ()
    postcode: str = ""
    nhs_number: str = ""
    upn: str = ""


@dataclass
class Decision:
    outcome: str
    child: Child | None
    score: int
    reasons: list[str] = field(default_factory=list)
    explanation: list[dict[str, object]] = field(default_factory=list)
    source_duplicates: list[Child] = field(default_factory=list)


def person_facts(incoming: Incoming) -> Person:
    """The incoming person in the normalised forms the index stores."""
    given, family = normalise_name(incoming.given_name), normalise_name(incoming.family_name)
    former = []
    for name in incoming.former_family_names:
        norm = normalise_name(name)
        if norm and norm != family:
            former.append((norm, phonetic_key(norm)))
    return Person(
        given_norm=given,
        family_norm=family,
        given_key=phonetic_key(given),
        family_key=phonetic_key(family),
        date_of_birth=incoming.date_of_birth,
        gender=incoming.gender or "U",
        former_family=tuple(former),
        postcode=normalise_postcode(incoming.postcode),
        nhs_number=normalise_nhs_number(incoming.nhs_number),
        upn=incoming.upn.strip().upper(),
    )


_frequencies: dict[str, tuple[float, NameFrequencies]] = {}
FREQUENCIES_SECONDS = 600


def name_frequencies(*, fresh: bool = False) -> NameFrequencies:
    """How common each name is in the index, recounted at most every ten minutes."""
    cached = _frequencies.get(connection.alias)
    if cached and not fresh and time.monotonic() - cached[0] < FREQUENCIES_SECONDS:
        return cached[1]
    with connection.cursor() as cursor:
        counted = blocking.name_frequencies(cursor, at_least=TF_MIN_COUNT)
    _frequencies[connection.alias] = (time.monotonic(), counted)
    return counted


def match(incoming: Incoming, *, source: str, source_id: str) -> Decision:
    """The decision for one person; the bulk pipeline takes the same one in sets."""
    known = SourceRecord.objects.filter(source=source, source_id=source_id).select_related("child")
    if known:
        return Decision(LINK, known[0].child, 100, ["already linked by this source's id"])
    person = person_facts(incoming)
    frequencies = name_frequencies()
    with transaction.atomic(), connection.cursor() as cursor:
        found = blocking.candidate_ids(
            cursor,
            {0: person},
            frequencies=frequencies,
            review_score=settings.MATCH_REVIEW_SCORE,
        ).get(0, set())
        facts = blocking.candidate_facts(cursor, found, source=source)
        not_same = blocking.not_same_pairs(cursor, source=source, source_ids=[source_id])
    verdict = decide(
        person,
        facts.values(),
        source_id=source_id,
        link_score=settings.MATCH_LINK_SCORE,
        review_score=settings.MATCH_REVIEW_SCORE,
        margin=settings.MATCH_MARGIN,
        frequencies=frequencies,
        not_same=frozenset(not_same.get(source_id, ())),
    )
    wanted = {verdict.child_id, *(child_id for child_id, _ in verdict.source_duplicates)}
    children = Child.objects.in_bulk([child_id for child_id in wanted if child_id])
    return Decision(
        verdict.outcome,
        children.get(verdict.child_id) if verdict.child_id else None,
        verdict.score,
        verdict.reasons,
        verdict.explanation,
        [children[child_id] for child_id, _ in verdict.source_duplicates if child_id in children],
    )
