"""Fellegi-Sunter scoring of one incoming person against the children who might be them.

Pure: no database, no clock. The caller (the bulk pipeline, ``feeds.matching.match`` and
the quality harness) gathers the facts about each candidate child once, in sets, and asks
``decide`` for the outcome. Every decision is explained field by field.

The model (docs/matching.md): each field of a pair (given name, family name, date of birth,
gender, postcode, NHS number, UPN) falls into one agreement level. A level has two
probabilities: **m**, how often a true match shows it, and **u**, how often two different
children show it by chance. Its weight is log2(m / u) bits: positive when the level is
evidence for a match, negative against. For an exact name the u is the name's frequency
in the index when the index holds enough of it (term-frequency adjustment): sharing
"Smith" proves less than sharing "Ptolemy"; the u of a shared postcode is read from the
index too. The weights add up to a match weight; with the prior, about -log2 of the number
of children in the index (how unlikely a person is to be one particular child rather than
new), its logistic is the probability shown as the score (0-100). The thresholds
MATCH_LINK_SCORE and MATCH_REVIEW_SCORE apply to that score; MATCH_MARGIN is in bits of
match weight.
"""

import datetime
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

import jellyfish
from rapidfuzz.distance import OSA

from records.names import given_name_variants, phonetic_key

LINK, REVIEW, CREATE = "link", "review", "create"

# The prior: how unlikely an incoming person is to be one particular child before anything is
# compared, against the person being new to the index. A feed is mostly about children the
# index holds (KNOWN_SHARE of its people, each one of the N children, so KNOWN_SHARE / N for
# a given child); the alternative is a new person, or a child the blocking did not propose
# (MISSED_SHARE of the known). In bits: log2(KNOWN_SHARE / N) - log2(1 - KNOWN_SHARE +
# KNOWN_SHARE * MISSED_SHARE), which is -log2(N) + 2.9. N (children in the index) is never
# taken below MIN_INDEX_SIZE, so that a young or test index does not link on thin evidence:
# -7.0 bits up to 1,000 children, -20.5 at 11 million.
KNOWN_SHARE = 0.9
MISSED_SHARE = 0.02
MIN_INDEX_SIZE = 1000


def prior_weight(children: int) -> float:
    """The prior in bits for an index of ``children`` children."""
    known = math.log2(KNOWN_SHARE / max(children, MIN_INDEX_SIZE))
    return known - math.log2(1 - KNOWN_SHARE + KNOWN_SHARE * MISSED_SHARE)


PRIOR_WEIGHT = prior_weight(MIN_INDEX_SIZE)
# Exact names need at least this many holders in the index before their own frequency is
# used as u: a small index says nothing reliable about how common a name is.
TF_MIN_COUNT = 20
# Shared postcodes are read from the index once it holds this many children with one, from
# a sample of about this many addresses.
POSTCODE_MIN_COUNT = 1000
POSTCODE_SAMPLE_ROWS = 200_000
FORMER_NAME_PENALTY = 0.5
SWAPPED_NAME_PENALTY = 1.0

# (m, u) per agreement level; see docs/matching.md for how these were estimated and how to
# re-estimate them. The u of an exact name is the name's own share of the index when it is
# common (term frequency); the u of a shared postcode or district is read from the index.
GIVEN = {
    "exact": (0.62, 0.006),
    "equivalent": (0.3, 0.01),
    "close": (0.07, 0.004),
    "different": (0.01, 0.98),
}
FAMILY = {
    "exact": (0.7, 0.004),
    "equivalent": (0.16, 0.0025),
    "close": (0.09, 0.004),
    "different": (0.05, 0.99),
}
DATE_OF_BIRTH = {
    "exact": (0.78, 0.00025),
    "one_day": (0.18, 0.0005),
    "transposed": (0.03, 0.00006),
    "two_parts": (0.005, 0.01),
    "year_only": (0.003, 0.05),
    "different": (0.002, 0.94),
}
GENDER = {"same": (0.99, 0.5), "different": (0.01, 0.5)}
POSTCODE = {"same": (0.66, 0.0005), "district": (0.01, 0.03), "different": (0.33, 0.97)}
NHS_NUMBER = {"same": (0.98, 0.000001), "different": (0.000001, 0.99)}
UPN = {"same": (0.98, 0.000004), "different": (0.0002, 0.99)}
# Dates close enough for names alone to link: anything further needs an identifier or a person.
CLOSE_DATES = ("exact", "one_day", "transposed")

LEVEL_WORDS = {
    "exact": "the same",
    "equivalent": "a known variant, nickname or sound-alike",
    "close": "a near spelling",
    "different": "different",
    "one_day": "one day apart",
    "transposed": "day and month swapped",
    "two_parts": "two of day, month and year the same",
    "year_only": "only the year the same",
    "same": "the same",
    "district": "the same district only",
}
FIELD_WORDS = {
    "given_name": "Given name",
    "family_name": "Family name",
    "date_of_birth": "Date of birth",
    "gender": "Gender",
    "postcode": "Postcode",
    "nhs_number": "NHS number",
    "upn": "UPN",
}


def weight(table: Mapping[str, tuple[float, float]], level: str, u: float | None = None) -> float:
    m, default_u = table[level]
    return math.log2(m / (u if u is not None else default_u))


class NameFacts(NamedTuple):
    """One name a child is or was known by, in the forms the index stores (a tuple: made
    by the hundred thousand per import)."""

    given_norm: str
    family_norm: str
    given_key: str
    family_key: str
    kind: str = "current"


@dataclass(frozen=True)
class Person:
    """The incoming person, normalised: names as ``records.names.normalise_name`` makes them."""

    given_norm: str
    family_norm: str
    given_key: str
    family_key: str
    date_of_birth: datetime.date
    gender: str = "U"
    former_family: tuple[tuple[str, str], ...] = ()  # (normalised, key) of former family names
    postcode: str = ""
    nhs_number: str = ""
    upn: str = ""


@dataclass
class Candidate:
    """What the index holds about one child that might be the incoming person."""

    child_id: int
    date_of_birth: datetime.date
    gender: str
    names: list[NameFacts]
    is_shielded: bool = False
    postcodes: frozenset[str] = frozenset()
    nhs_numbers: frozenset[str] = frozenset()
    upns: frozenset[str] = frozenset()
    # This source's ids already linked to the child: the source says those are other people.
    source_ids: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class NameFrequencies:
    """What the index says about how common things are, read once per import.

    ``total`` is the number of children (current names), which sets the prior; ``given``
    and ``family`` count the current names held by at least TF_MIN_COUNT children;
    ``postcode_u`` and ``district_u`` are the chance that two different children share a
    full postcode or only its district (``None``: the index is too small to say).
    """

    given: Mapping[str, int]
    family: Mapping[str, int]
    total: int
    postcode_u: float | None = None
    district_u: float | None = None

    def u(self, counts: Mapping[str, int], name: str) -> float | None:
        count = counts.get(name, 0)
        if count < TF_MIN_COUNT or not self.total:
            return None
        return count / self.total

    @property
    def prior(self) -> float:
        """The prior in bits: how unlikely a person is to be one particular child."""
        return prior_weight(self.total)


NO_FREQUENCIES = NameFrequencies({}, {}, 0)


@dataclass(frozen=True)
class Contribution:
    field: str
    level: str
    weight: float

    def as_dict(self) -> dict[str, object]:
        return {"field": self.field, "level": self.level, "weight": round(self.weight, 1)}


@dataclass(frozen=True)
class PairScore:
    child_id: int
    weight: float
    contributions: tuple[Contribution, ...]
    matched_name_kind: str = "current"
    swapped: bool = False
    prior: float = PRIOR_WEIGHT

    @property
    def score(self) -> int:
        return probability_score(self.weight, self.prior)

    def level(self, name: str) -> str:
        for contribution in self.contributions:
            if contribution.field == name:
                return contribution.level
        return ""

    def explanation(self) -> list[dict[str, object]]:
        return [
            {"field": "prior", "level": "", "weight": round(self.prior, 1)},
            *(c.as_dict() for c in self.contributions),
        ]


@dataclass(frozen=True)
class Verdict:
    outcome: str
    child_id: int | None
    score: int
    reasons: list[str]
    explanation: list[dict[str, object]] = field(default_factory=list)
    # Children of the same source that are near-identical: "possible duplicate in the source".
    source_duplicates: tuple[tuple[int, int], ...] = ()  # (child id, score)


def probability_score(match_weight: float, prior: float = PRIOR_WEIGHT) -> int:
    """The match weight with the prior as a percentage probability, 0-100."""
    log_odds = match_weight + prior
    if log_odds > 60:
        return 100
    if log_odds < -60:
        return 0
    return round(100 / (1 + 2 ** (-log_odds)))


@lru_cache(maxsize=65536)
def variant_keys(name: str) -> frozenset[str]:
    """The phonetic keys of a given name's known variants."""
    return frozenset(phonetic_key(v) for v in given_name_variants(name)) - {""}


def _close(a: str, b: str) -> bool:
    # Slips rarely hit the first letter, and names that differ there are usually other
    # names (Ava, Eva; Mia, Pia): twins are given such pairs.
    if a[0] != b[0] and a[:2] != b[1::-1]:
        return False
    # Optimal string alignment: two letters typed the wrong way round are one slip (Aav, Ava).
    distance = OSA.distance(a, b, score_cutoff=2)
    if distance <= 1 or (distance == 2 and min(len(a), len(b)) >= 5):
        return True
    return jellyfish.jaro_winkler_similarity(a, b) >= 0.9


# Names repeat across a feed (thousands of Olivias): a pair of names is compared once.
@lru_cache(maxsize=262144)
def given_level(a: str, a_key: str, b: str, b_key: str) -> str:
    level = _given_level(a, a_key, b, b_key)
    if level in ("exact", "equivalent") or (" " not in a and " " not in b):
        return level
    # A middle name added or dropped (Oliver for Olly James): the best pair of words.
    return _best_of_words(a, b, _given_level, level)


def _given_level(a: str, a_key: str, b: str, b_key: str) -> str:
    if not a or not b:
        return "different"
    if a == b:
        return "exact"
    if b in given_name_variants(a) or a in given_name_variants(b):
        return "equivalent"
    if a_key and a_key == b_key:
        return "equivalent"
    if b_key and b_key in variant_keys(a):  # Kate -> Katherine, which sounds like Catherine
        return "equivalent"
    if len(a) == 1 or len(b) == 1:  # an initial
        return "close" if a[0] == b[0] else "different"
    if a in b.split() or b in a.split():  # Mary for Mary Jane
        return "equivalent"
    return "close" if _close(a, b) else "different"


@lru_cache(maxsize=262144)
def family_level(a: str, a_key: str, b: str, b_key: str) -> str:
    level = _family_level(a, a_key, b, b_key)
    if level in ("exact", "equivalent") or (" " not in a and " " not in b):
        return level
    # One half of a double-barrelled name, mistyped (Smith for Snith-Jones).
    return _best_of_words(a, b, _family_level, level)


def _family_level(a: str, a_key: str, b: str, b_key: str) -> str:
    if not a or not b:
        return "different"
    if a == b:
        return "exact"
    if a_key and a_key == b_key:
        return "equivalent"
    if a in b.split() or b in a.split():  # Smith for O'Connor Smith
        return "equivalent"
    return "close" if _close(a, b) else "different"


def _best_of_words(a: str, b: str, compare: Callable[[str, str, str, str], str], level: str) -> str:
    """The best level between a word of one name and the other name or one of its words,
    at most "equivalent": a whole name agreeing counts more than a word of it."""
    for x in {a, *a.split()}:
        for y in {b, *b.split()}:
            if (x, y) == (a, b):
                continue
            found = compare(x, _word_key(x), y, _word_key(y))
            if found in ("exact", "equivalent"):
                return "equivalent"
            if found == "close":
                level = "close"
    return level


@lru_cache(maxsize=65536)
def _word_key(word: str) -> str:
    return phonetic_key(word)


def date_level(a: datetime.date, b: datetime.date) -> str:
    if a == b:
        return "exact"
    if abs((a - b).days) == 1:  # across a month or year end too: 30 Sep / 1 Oct
        return "one_day"
    if a.day == b.month and a.month == b.day and a.year == b.year:
        return "transposed"
    same = (a.year == b.year) + (a.month == b.month) + (a.day == b.day)
    if same == 2:
        return "two_parts"
    if a.year == b.year:
        return "year_only"
    return "different"


def _names(
    person: Person, candidate: Candidate, frequencies: NameFrequencies
) -> tuple[float, list[Contribution], str, bool]:
    """The best-agreeing pairing of the person's names with the child's (former names and
    names typed the wrong way round included)."""
    incoming = [(person.given_norm, person.given_key, person.family_norm, person.family_key, 0.0)]
    incoming += [
        (person.given_norm, person.given_key, norm, key, FORMER_NAME_PENALTY)
        for norm, key in person.former_family
    ]
    best: tuple[float, list[Contribution], str, bool] | None = None
    for name in candidate.names:
        penalty_kind = 0.0 if name.kind == "current" else FORMER_NAME_PENALTY
        for given, given_key, family, family_key, penalty in incoming:
            for swapped in (False, True):
                if swapped:
                    g_level = given_level(family, family_key, name.given_norm, name.given_key)
                    f_level = family_level(given, given_key, name.family_norm, name.family_key)
                else:
                    g_level = given_level(given, given_key, name.given_norm, name.given_key)
                    f_level = family_level(family, family_key, name.family_norm, name.family_key)
                g_u = (
                    frequencies.u(frequencies.given, name.given_norm)
                    if g_level == "exact"
                    else None
                )
                f_u = (
                    frequencies.u(frequencies.family, name.family_norm)
                    if f_level == "exact"
                    else None
                )
                g_weight = weight(GIVEN, g_level, g_u)
                f_weight = weight(FAMILY, f_level, f_u)
                total = g_weight + f_weight - penalty - penalty_kind
                total -= SWAPPED_NAME_PENALTY if swapped else 0.0
                if best is None or total > best[0]:
                    contributions = [
                        Contribution("given_name", g_level, g_weight),
                        Contribution("family_name", f_level, f_weight),
                    ]
                    if penalty or penalty_kind:
                        contributions.append(
                            Contribution("former_name", "used", -(penalty + penalty_kind))
                        )
                    if swapped:
                        contributions.append(
                            Contribution("swapped_names", "used", -SWAPPED_NAME_PENALTY)
                        )
                    kind = name.kind if not penalty else "former"
                    best = (total, contributions, kind, swapped)
    if best is None:  # a child without names: nothing agrees
        different = [
            Contribution("given_name", "different", weight(GIVEN, "different")),
            Contribution("family_name", "different", weight(FAMILY, "different")),
        ]
        return sum(c.weight for c in different), different, "current", False
    return best


def score_pair(
    person: Person, candidate: Candidate, frequencies: NameFrequencies = NO_FREQUENCIES
) -> PairScore:
    """Every field's agreement level and weight, and their sum."""
    names_weight, contributions, kind, swapped = _names(person, candidate, frequencies)
    total = names_weight
    level = date_level(person.date_of_birth, candidate.date_of_birth)
    contributions.append(Contribution("date_of_birth", level, weight(DATE_OF_BIRTH, level)))
    if person.gender in "MF" and candidate.gender in "MF" and person.gender and candidate.gender:
        level = "same" if person.gender == candidate.gender else "different"
        contributions.append(Contribution("gender", level, weight(GENDER, level)))
    if person.postcode and candidate.postcodes:
        if person.postcode in candidate.postcodes:
            level = "same"
        elif person.postcode.split(" ")[0] in {p.split(" ")[0] for p in candidate.postcodes}:
            level = "district"
        else:
            level = "different"
        shared = {"same": frequencies.postcode_u, "district": frequencies.district_u}.get(level)
        contributions.append(Contribution("postcode", level, weight(POSTCODE, level, shared)))
    for name, value, held, table in (
        ("nhs_number", person.nhs_number, candidate.nhs_numbers, NHS_NUMBER),
        ("upn", person.upn, candidate.upns, UPN),
    ):
        if value and held:
            level = "same" if value in held else "different"
            contributions.append(Contribution(name, level, weight(table, level)))
    total = sum(c.weight for c in contributions)
    return PairScore(
        candidate.child_id, total, tuple(contributions), kind, swapped, frequencies.prior
    )


def _names_compatible(pair: PairScore) -> bool:
    return pair.level("given_name") != "different" or pair.level("family_name") != "different"


def _identifier_agrees(pair: PairScore) -> bool:
    return "same" in (pair.level("nhs_number"), pair.level("upn"))


def _near_identical(pair: PairScore, link_score: int) -> bool:
    """Whether the pair would link on the score and the rules of ``decide``."""
    return (
        pair.score >= link_score
        and "different" not in (pair.level("given_name"), pair.level("family_name"))
        and pair.level("gender") != "different"
        and pair.level("date_of_birth") in CLOSE_DATES
    )


def _identifier_differs(pair: PairScore) -> bool:
    return "different" in (pair.level("nhs_number"), pair.level("upn")) and not _identifier_agrees(
        pair
    )


def decide(
    person: Person,
    candidates: Iterable[Candidate],
    *,
    source_id: str,
    link_score: int,
    review_score: int,
    margin: float,
    frequencies: NameFrequencies = NO_FREQUENCIES,
    not_same: frozenset[int] = frozenset(),
) -> Verdict:
    """Link, review or create, with the reasons and the winning pair's field contributions.

    Rules on top of the score, in order: a shielded child is never linked (nor bypassed by a
    new child) automatically; a child holding another id from this source is never linked
    (the source says they are different people: a new child is created, and flagged as a
    possible duplicate in the source when near-identical); an agreeing NHS number or UPN
    with compatible names links; a child whose NHS number or UPN differs from the person's
    is another person unless the score links anyway; two children within ``margin`` bits of
    each other (twins, namesakes) go to review; so does a best child whose given name or
    gender is different,
    whose family name is different without the postcode to confirm it (a surname change, or a
    stranger born on the same day), or whose date of birth is further from the person's than
    a slip (one day, day and month swapped).
    """
    pool = [c for c in candidates if c.child_id not in not_same]
    facts = {c.child_id: c for c in pool}
    pairs = sorted(
        (score_pair(person, c, frequencies) for c in pool),
        key=lambda p: (-p.weight, p.child_id),
    )
    shielded = [p for p in pairs if facts[p.child_id].is_shielded and p.score >= review_score]
    same_source = [
        p for p in pairs if facts[p.child_id].source_ids - {source_id} and p not in shielded
    ]
    # Two different NHS numbers (or UPNs) are two people: such a child is never proposed to
    # a reviewer, nor makes another child's link doubtful, on a score short of a link.
    eligible = [
        p
        for p in pairs
        if p not in same_source and (p.score >= link_score or not _identifier_differs(p))
    ]
    # Near-identical only, as a link would need: twins (another given name or gender, the
    # same family, birthday and address) and namesakes (the same given name and birthday,
    # another family name) score as high in a young index but are not a source's duplicate.
    duplicates = tuple((p.child_id, p.score) for p in same_source if _near_identical(p, link_score))

    if shielded:
        pair = shielded[0]
        return Verdict(
            REVIEW,
            pair.child_id,
            pair.score,
            [_summary(pair), "the child is shielded: never linked or duplicated automatically"],
            pair.explanation(),
        )
    if not eligible or eligible[0].score < review_score:
        if eligible and _identifier_agrees(eligible[0]):
            pair = eligible[0]
            return Verdict(
                REVIEW,
                pair.child_id,
                max(pair.score, review_score),
                [_summary(pair), "the same identifier but the rest disagrees"],
                pair.explanation(),
                duplicates,
            )
        best = eligible[0].score if eligible else 0
        reasons = ["no child in the index is a likely match"]
        if duplicates:
            reasons.append("possible duplicate in the source: another of its ids is near-identical")
        return Verdict(
            CREATE,
            None,
            best,
            reasons,
            eligible[0].explanation() if eligible else [],
            duplicates,
        )
    pair = eligible[0]
    reasons = [_summary(pair)]
    explanation = pair.explanation()
    runner_up = eligible[1] if len(eligible) > 1 else None
    if runner_up is not None and runner_up.weight >= pair.weight - margin:
        return Verdict(
            REVIEW,
            pair.child_id,
            pair.score,
            [*reasons, "another child is almost as close (twins or namesakes?)"],
            explanation,
        )
    if _identifier_agrees(pair):
        if _names_compatible(pair):
            return Verdict(
                LINK, pair.child_id, max(pair.score, link_score), reasons, explanation, duplicates
            )
        return Verdict(
            REVIEW,
            pair.child_id,
            pair.score,
            [*reasons, "the same identifier but different names"],
            explanation,
        )
    if pair.score < link_score:
        return Verdict(
            REVIEW,
            pair.child_id,
            pair.score,
            [*reasons, "possible match: a person should decide"],
            explanation,
        )
    if pair.level("given_name") == "different":
        return Verdict(
            REVIEW,
            pair.child_id,
            pair.score,
            [*reasons, "the given names differ (a twin or sibling?)"],
            explanation,
        )
    if pair.level("gender") == "different":
        return Verdict(
            REVIEW,
            pair.child_id,
            pair.score,
            [*reasons, "a boy and a girl with alike names (twins?)"],
            explanation,
        )
    if pair.level("family_name") == "different" and pair.level("postcode") != "same":
        return Verdict(
            REVIEW,
            pair.child_id,
            pair.score,
            [*reasons, "a new family name with nothing but the given name and date to confirm it"],
            explanation,
        )
    if pair.level("date_of_birth") not in CLOSE_DATES:
        return Verdict(
            REVIEW,
            pair.child_id,
            pair.score,
            [*reasons, "the dates of birth are further apart than a slip (a namesake?)"],
            explanation,
        )
    return Verdict(LINK, pair.child_id, pair.score, reasons, explanation, duplicates)


def _summary(pair: PairScore) -> str:
    agreeing = [
        FIELD_WORDS.get(c.field, c.field).lower() + " " + LEVEL_WORDS.get(c.level, c.level)
        for c in pair.contributions
        if c.field in FIELD_WORDS
    ]
    return f"score {pair.score}: " + ", ".join(agreeing)


def explanation_rows(explanation: list[dict[str, object]]) -> list[tuple[str, str, str]]:
    """(field, level in words, signed weight) for the review page."""
    rows = []
    for item in explanation:
        name = str(item.get("field", ""))
        value = float(item.get("weight", 0))  # type: ignore[arg-type]
        if name == "prior":
            rows.append(("Before comparing (prior)", "", f"{value:+.1f}"))
            continue
        label = FIELD_WORDS.get(name, name.replace("_", " ").capitalize())
        level = str(item.get("level", ""))
        rows.append((label, LEVEL_WORDS.get(level, level), f"{value:+.1f}"))
    return rows


def review_log_odds(review_score: int) -> float:
    """The match weight plus prior, in bits, at which a pair scores ``review_score``."""
    p = min(max(review_score, 1), 99) / 100
    return math.log2(p / (1 - p))


# Bits of slack on the bound below: scores are rounded, and the bound must never be the
# reason a pair that could reach review is not scored.
ONE_NAME_SLACK = 0.5


def one_name_may_review(
    person: Person, frequencies: NameFrequencies, review_score: int
) -> tuple[bool, bool]:
    """Whether a child agreeing with the person on the family name alone (first) or the
    given name alone (second) could score ``review_score``: the other name different, the
    date of birth the same, no postcode or identifier shared (the blocking finds children
    sharing those by rules of their own).

    The bound takes the best weight the agreeing name could have (exact, with its own
    frequency in the index, or a variant), the same date and gender, and the prior. In a small
    index the prior is weak and such children can reach review, so the blocking proposes
    them; in a large one only a rare name carries enough weight, and for a common name the
    blocking leaves out children whose other name is different (``feeds.candidates``).
    """
    family_names = [person.family_norm, *(norm for norm, _ in person.former_family)]
    family_agree = max(
        weight(FAMILY, "equivalent"),
        *(weight(FAMILY, "exact", frequencies.u(frequencies.family, n)) for n in family_names),
        # Names typed the wrong way round: the given name agreeing with a family name.
        weight(FAMILY, "exact", frequencies.u(frequencies.family, person.given_norm)),
    )
    given_agree = max(
        weight(GIVEN, "equivalent"),
        weight(GIVEN, "exact", frequencies.u(frequencies.given, person.given_norm)),
        weight(GIVEN, "exact", frequencies.u(frequencies.given, person.family_norm)),
    )
    base = frequencies.prior + weight(DATE_OF_BIRTH, "exact")
    if person.gender in ("M", "F"):
        base += weight(GENDER, "same")
    floor = review_log_odds(review_score) - ONE_NAME_SLACK
    return (
        base + family_agree + weight(GIVEN, "different") >= floor,
        base + given_agree + weight(FAMILY, "different") >= floor,
    )
