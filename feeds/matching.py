"""Record matching: is this incoming person a child the index already holds?

1. Deterministic: the source's own id is already linked to a child.
2. Probabilistic: candidates and a name/date score from the search engine
   (typos, sound-alikes, nicknames, former and hyphenated names, swapped names,
   day/month swaps), then evidence for and against: an equal NHS number is
   certain; a different one, or a different gender, counts against; the same
   postcode counts for.

Three outcomes, each with its reasons: **link** (certain), **review** (possible),
**create** (no candidate). Never link automatically across a shield, when two
candidates are close (twins), or to a child who already holds a different id from
the same source. Thresholds: MATCH_LINK_SCORE, MATCH_REVIEW_SCORE, MATCH_MARGIN.
The result depends only on what the index holds, not on the order sources arrive.
"""

import datetime
from dataclasses import dataclass, field

from django.conf import settings

from feeds.models import NotSamePair, SourceRecord
from records.identifiers import normalise_nhs_number
from records.models import Address, AddressStatus, Child, ChildIdentifier, IdentifierKind
from records.names import normalise_postcode
from records.search import SearchCriteria, match_candidates

LINK, REVIEW, CREATE = "link", "review", "create"


@dataclass(frozen=True)
class Incoming:
    given_name: str
    family_name: str
    date_of_birth: datetime.date
    gender: str = "U"
    former_family_names: tuple[str, ...] = ()
    postcode: str = ""
    nhs_number: str = ""


@dataclass
class Decision:
    outcome: str
    child: Child | None
    score: int
    reasons: list[str] = field(default_factory=list)


def _evidence(incoming: Incoming, child: Child, base: int) -> tuple[int, list[str]]:
    score, reasons = base, [f"names and date of birth score {base}"]
    nhs = normalise_nhs_number(incoming.nhs_number)
    if nhs:
        held = set(
            ChildIdentifier.objects.filter(child=child, kind=IdentifierKind.NHS_NUMBER).values_list(
                "value", flat=True
            )
        )
        if nhs in held:
            return 100, [*reasons, "same NHS number"]
        if held:
            return 0, [*reasons, "a different NHS number"]
    if incoming.gender in "MF" and child.gender in "MF" and incoming.gender != child.gender:
        score -= 15
        reasons.append("different gender")
    postcode = normalise_postcode(incoming.postcode)
    if (
        postcode
        and Address.objects.filter(
            child=child,
            postcode=postcode,
            status__in=[AddressStatus.CURRENT, AddressStatus.LAST_KNOWN],
        ).exists()
    ):
        score = min(100, score + 5)
        reasons.append("same postcode")
    return score, reasons


def match(incoming: Incoming, *, source: str, source_id: str) -> Decision:
    known = SourceRecord.objects.filter(source=source, source_id=source_id).select_related("child")
    if known:
        return Decision(LINK, known[0].child, 100, ["already linked by this source's id"])

    rejected = set(
        NotSamePair.objects.filter(source=source, source_id=source_id).values_list(
            "child_id", flat=True
        )
    )
    scored: list[tuple[int, Child, list[str]]] = []
    names = [incoming.family_name, *incoming.former_family_names]
    seen: set[int] = set()
    for family in names:
        criteria = SearchCriteria(
            given_name=incoming.given_name,
            family_name=family,
            date_of_birth=incoming.date_of_birth,
        )
        for candidate in match_candidates(criteria=criteria, limit=10):
            child = candidate.child
            if child.pk in rejected or child.pk in seen:
                continue
            seen.add(child.pk)
            score, reasons = _evidence(incoming, child, candidate.score)
            scored.append((score, child, reasons))
    scored.sort(key=lambda item: (-item[0], item[1].pk))
    if not scored or scored[0][0] < settings.MATCH_REVIEW_SCORE:
        best = scored[0][0] if scored else 0
        return Decision(CREATE, None, best, ["no child in the index is a likely match"])

    score, child, reasons = scored[0]
    if score < settings.MATCH_LINK_SCORE:
        return Decision(REVIEW, child, score, [*reasons, "possible match: a person should decide"])
    if child.is_shielded:
        return Decision(
            REVIEW, child, score, [*reasons, "the child is shielded: never linked automatically"]
        )
    if len(scored) > 1 and scored[1][0] >= score - settings.MATCH_MARGIN:
        return Decision(
            REVIEW, child, score, [*reasons, "another child is almost as close (twins?)"]
        )
    if SourceRecord.objects.filter(source=source, child=child).exists():
        return Decision(
            REVIEW,
            child,
            score,
            [*reasons, "the child already holds a different id from this source"],
        )
    return Decision(LINK, child, score, reasons)
