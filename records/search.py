"""Finding a child: layered matching that stays fast at millions of children.

Two steps:

1. **Candidates** come from the database through indexes only: exact or
   sound-alike (metaphone) or trigram word-similar names in ``ChildName``
   (current, former and alias names), plus every child born on the date of
   birth given (or on that date with day and month swapped). Partial dates,
   age ranges and postcodes narrow the candidates as hard filters.
2. **Scoring** in Python compares each candidate's names with the query
   (edit-distance ratio, phonetic keys, nicknames, swapped given/family names,
   parts of double-barrelled names) and the date of birth, then ranks exact
   matches first. Only the top ``cap`` are returned; more than that asks the
   user to refine.

Trigram similarity alone misses real variants (Catherine/Kathryn scores 0.06),
hence the phonetic keys and nickname table.
"""

import contextlib
import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from rapidfuzz import fuzz

from accounts.models import User
from records.access import (
    child_access,
    children_identifiable_for_audit,
    children_visible_to,
    may_search_hidden_fields,
)
from records.models import Address, AddressStatus, Child, ChildName, NameKind
from records.names import given_name_variants, normalise_name, phonetic_key

# How many candidates the database may hand to the scorer for one search.
CANDIDATE_LIMIT = 250
NAME_WEIGHT = 0.6
DOB_WEIGHT = 0.4
MIN_SCORE = 0.6
MIN_NAME_SCORE = 0.5
FORMER_NAME_FACTOR = 0.97
SWAPPED_NAME_FACTOR = 0.95
LIVE_ADDRESS = (AddressStatus.CURRENT, AddressStatus.LAST_KNOWN)


@dataclass(frozen=True)
class SearchCriteria:
    """What the user typed, already validated and normalised by the form."""

    given_name: str = ""
    family_name: str = ""
    date_of_birth: datetime.date | None = None
    birth_year: int | None = None
    birth_month: int | None = None
    age_from: int | None = None
    age_to: int | None = None
    postcode: str = ""

    @property
    def postcode_is_district(self) -> bool:
        return bool(self.postcode) and " " not in self.postcode

    def for_audit(self) -> dict[str, Any]:
        """The criteria as entered, for the audit event (never for logs)."""
        values = {
            "given_name": self.given_name,
            "family_name": self.family_name,
            "date_of_birth": self.date_of_birth.isoformat() if self.date_of_birth else None,
            "birth_year": self.birth_year,
            "birth_month": self.birth_month,
            "age_from": self.age_from,
            "age_to": self.age_to,
            "postcode": self.postcode,
        }
        return {key: value for key, value in values.items() if value not in (None, "")}


@dataclass(frozen=True)
class Match:
    child: Child
    score: int
    exact: bool
    postcode_district: str
    matched_former_name: str = ""


@dataclass(frozen=True)
class SearchOutcome:
    matches: list[Match]
    more_than_cap: bool
    considered: int = 0
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _NameQuery:
    given: str
    family: str
    given_key: str
    family_key: str
    given_variants: frozenset[str]

    @classmethod
    def from_criteria(cls, criteria: SearchCriteria) -> "_NameQuery":
        given = normalise_name(criteria.given_name)
        family = normalise_name(criteria.family_name)
        return cls(
            given=given,
            family=family,
            given_key=phonetic_key(given),
            family_key=phonetic_key(family),
            given_variants=given_name_variants(given),
        )


def search_children(
    *, user: User, criteria: SearchCriteria, cap: int, for_audit: bool = False
) -> SearchOutcome:
    """Children matching the criteria that the user may find, best first, at most ``cap``.

    ``for_audit`` searches the children an auditor may identify, and shows no location.
    """
    query = _NameQuery.from_criteria(criteria)
    base = children_identifiable_for_audit(user) if for_audit else children_visible_to(user)
    broad = not (criteria.date_of_birth or any(_birth_window(criteria)) or criteria.postcode)
    if broad and query.family and query.given:
        # Names alone: if the names as spelt already match too many, say so at once, before
        # the slower look for a word inside double-barrelled family names.
        sounding = _candidates(user, base, criteria, query, word_of_family=False)
        if len(sounding.values_list("id", flat=True)[: CANDIDATE_LIMIT + 1]) > CANDIDATE_LIMIT:
            return SearchOutcome(matches=[], more_than_cap=True, considered=CANDIDATE_LIMIT + 1)
    candidates = list(_candidates(user, base, criteria, query)[: CANDIDATE_LIMIT + 1])
    if len(candidates) > CANDIDATE_LIMIT:
        # Too many to rank fairly: ask for more detail rather than show an arbitrary few.
        return SearchOutcome(matches=[], more_than_cap=True, considered=len(candidates))
    if not candidates:
        return SearchOutcome(matches=[], more_than_cap=False, considered=0)

    children = {child.id: child for child in candidates}
    candidate_ids = list(children)
    names: dict[int, list[ChildName]] = {}
    for name in ChildName.objects.filter(child_id__in=candidate_ids):
        names.setdefault(name.child_id, []).append(name)
    districts = dict(
        Address.objects.filter(child_id__in=candidate_ids, status__in=LIVE_ADDRESS).values_list(
            "child_id", "postcode_district"
        )
    )

    scored: list[Match] = []
    for child_id, child in children.items():
        # The postcode district is a location: hidden for a shielded child unless policy allows.
        sees = child_access(user, child).sees_location and not for_audit
        district = districts.get(child_id, "") if sees else ""
        match = _score(child, names.get(child_id, []), criteria, query, district)
        if match is not None:
            scored.append(match)
    scored.sort(
        key=lambda m: (not m.exact, -m.score, m.child.family_name, m.child.given_name, m.child.id)
    )
    return SearchOutcome(
        matches=scored[:cap],
        more_than_cap=len(scored) > cap,
        considered=len(children),
    )


def _candidates(
    user: User,
    children: QuerySet[Child],
    criteria: SearchCriteria,
    query: _NameQuery,
    *,
    word_of_family: bool = True,
) -> QuerySet[Child]:
    start, end = _birth_window(criteria)
    if start is not None:
        children = children.filter(date_of_birth__gte=start)
    if end is not None:
        children = children.filter(date_of_birth__lte=end)

    if criteria.postcode:
        field_name = "postcode_district" if criteria.postcode_is_district else "postcode"
        at_address = Address.objects.filter(
            status__in=LIVE_ADDRESS, **{field_name: criteria.postcode}
        ).values("child_id")
        children = children.filter(id__in=at_address)
        # A shielded child must never be found through where they live.
        if not may_search_hidden_fields(user):
            children = children.filter(is_shielded=False)

    if query.family or query.given:
        if criteria.date_of_birth is not None:
            sql, params = _full_dob_sql(criteria.date_of_birth, query)
        else:
            sql, params = _names_sql(query, start, end, word_of_family=word_of_family)
        # Only constant SQL fragments are joined in these builders; every value is a parameter.
        children = children.filter(id__in=RawSQL(sql, params))  # noqa: S611  # nosec B611
    elif criteria.date_of_birth is not None:
        children = children.filter(date_of_birth__in=_plausible_dates(criteria.date_of_birth))
    return children.order_by()


# A name as typed "sounds right" when it is the same, a known variant or has the same
# phonetic key; it is "close" when it sounds right, differs by at most two keystrokes, or is
# one word of a double-barrelled name. A candidate needs one name that sounds right and the
# other close, so one typo is forgiven but a stranger who merely shares a birthday is not.
# The cheap comparisons come first: most rows are rejected before any edit distance.
_SOUNDS_FAMILY = "(n.family_norm = %(f)s OR n.family_key = %(fk)s)"
_SOUNDS_GIVEN = "(n.given_norm = ANY(%(gv)s) OR n.given_key = ANY(%(gkeys)s))"
_CLOSE_FAMILY = (
    "(n.family_norm = %(f)s OR n.family_key = %(fk)s OR levenshtein(n.family_norm, %(f)s) <= 2"
    " OR (strpos(n.family_norm, ' ') > 0 AND similarity(n.family_norm, %(f)s) >= 0.3)"
    " OR (strpos(%(f)s, ' ') > 0 AND similarity(n.family_norm, %(f)s) >= 0.3))"
)
_CLOSE_GIVEN = (
    "(n.given_norm = ANY(%(gv)s) OR n.given_key = ANY(%(gkeys)s)"
    " OR levenshtein(n.given_norm, %(g)s) <= 2)"
)
# Names typed the wrong way round: both must sound right (swapped and mistyped is rare).
_SWAPPED = (
    "((n.family_norm = %(g)s OR n.family_key = %(gk)s)"
    " AND (n.given_norm = ANY(%(fv)s) OR n.given_key = ANY(%(fkeys)s)))"
)


def _params(query: _NameQuery) -> dict:
    f, g = query.family, query.given
    return {
        "f": f or "~",
        "fk": query.family_key or "~",
        "g": g or "~",
        "gk": query.given_key or "~",
        "gv": sorted(query.given_variants | {g}) if g else [],
        "gkeys": sorted({phonetic_key(v) for v in query.given_variants | {g}} - {""}) or ["~"],
        "fkeys": sorted({phonetic_key(v) for v in given_name_variants(f) | {f}} - {""}) or ["~"],
        "fv": sorted(given_name_variants(f) | {f}) if f else [],
        "initial": len(g) == 1,
    }


def _names_sql(
    query: _NameQuery,
    start: datetime.date | None,
    end: datetime.date | None,
    *,
    word_of_family: bool = True,
) -> tuple[str, list]:
    """Names like the query without a full date of birth, within the birth window if any.

    Each branch is one range of an index that starts with a phonetic key and the date of
    birth: the family name sounds right and the given name is close, or the given name
    sounds right (or is a variant) and the family name is close; and the same with the
    names typed the wrong way round. With no window at all, both names must sound right,
    which keeps a bare common name (a few thousand children) to an index read.
    """
    f, g = query.family, query.given
    params = {
        **_params(query),
        "start": start or datetime.date(1900, 1, 1),
        "end": end or datetime.date(2999, 12, 31),
    }
    window = "n.date_of_birth BETWEEN %(start)s AND %(end)s"
    given_close = (
        "(n.given_norm = ANY(%(gv)s) OR n.given_key = ANY(%(gkeys)s)"
        " OR levenshtein(n.given_norm, %(g)s) <= 2"
        " OR (%(initial)s AND left(n.given_norm, 1) = %(g)s))"
    )
    branches = []
    if f and g:
        if start is None and end is None:
            branches += [
                "n.family_key = %(fk)s AND n.given_key = ANY(%(gkeys)s)",
                "n.family_key = %(gk)s AND n.given_key = ANY(%(fkeys)s)",
            ]
            if word_of_family:  # Smith for O'Connor-Smith: a word of a double-barrelled name
                branches.append(
                    "strpos(n.family_norm, ' ') > 0 AND n.family_norm %%> %(f)s"
                    " AND n.given_key = ANY(%(gkeys)s)"
                )
        else:
            branches += [
                f"n.family_key = %(fk)s AND {window} AND {given_close}",
                f"n.given_key = ANY(%(gkeys)s) AND {window} AND {_CLOSE_FAMILY}",
                f"n.family_key = %(gk)s AND {window} AND n.given_key = ANY(%(fkeys)s)",
            ]
        if query.given and len(g) == 1:  # an initial: only the family name can lead
            branches = [b for b in branches if not b.startswith("n.given_key")]
    elif f:
        branches.append(f"n.family_key = %(fk)s AND {window}")
        # Part of a double-barrelled family name (Smith for O'Connor-Smith).
        params["parts"] = [phonetic_key(part) for part in f.split()] if " " in f else ["~"]
        branches.append(f"n.family_key = ANY(%(parts)s) AND {window}")
    else:
        branches.append(f"n.given_key = ANY(%(gkeys)s) AND {window}")
    select = "SELECT n.child_id FROM records_childname n WHERE "
    sql = " UNION ".join(select + branch for branch in branches)
    return _positional(sql, params)


def _full_dob_sql(dob: datetime.date, query: _NameQuery) -> tuple[str, list]:
    """Children named anything like the query born on the date (or with day and month
    swapped), and children whose names sound the same born within a year of it.

    Both halves are index ranges on the names' copy of the date of birth, so the cost
    depends on how many children share a birthday (about 1,700 in England), not on N.
    """
    f, g = query.family, query.given
    params = {
        **_params(query),
        "dates": _plausible_dates(dob),
        "day": dob.day,
        "month": dob.month,
        "year": dob.year,
        "low": dob.replace(month=1, day=1) - datetime.timedelta(days=366),
        "high": dob.replace(month=12, day=31) + datetime.timedelta(days=366),
    }
    on_the_day = "SELECT n.child_id FROM records_childname n WHERE n.date_of_birth = ANY(%(dates)s)"
    within_a_year = "n.date_of_birth BETWEEN %(low)s AND %(high)s"
    day, month, year = (
        f"extract({part} FROM n.date_of_birth) = %({part})s" for part in ("day", "month", "year")
    )
    two_of_three = f"(({day} AND {month}) OR ({year} AND ({day} OR {month})))"
    select = "SELECT n.child_id FROM records_childname n WHERE "
    if f and g:
        close = (
            f"(({_SOUNDS_FAMILY} AND {_CLOSE_GIVEN}) OR ({_SOUNDS_GIVEN} AND {_CLOSE_FAMILY})"
            f" OR {_SWAPPED})"
        )
        parts = [
            f"{on_the_day} AND {close}",
            # A mistyped date of birth: both names sound right, born within a year, and two
            # of day, month and year as given (fewer would score nothing for the date).
            f"{select}n.family_key = %(fk)s AND {within_a_year} AND n.given_key = ANY(%(gkeys)s)"
            f" AND {two_of_three}",
            f"{select}n.family_key = %(gk)s AND {within_a_year} AND n.given_key = ANY(%(fkeys)s)"
            f" AND {two_of_three}",
        ]
    elif f:
        parts = [f"{on_the_day} AND ({_CLOSE_FAMILY} OR n.given_norm = %(f)s)"]
    else:
        parts = [f"{on_the_day} AND ({_CLOSE_GIVEN} OR n.family_norm = %(g)s)"]
    sql = " UNION ".join(parts)
    return _positional(sql, params)


def _positional(sql: str, params: dict) -> tuple[str, list]:
    """Named placeholders to the positional ones a RawSQL expression needs."""
    values: list = []

    def take(match: re.Match) -> str:
        values.append(params[match.group(1)])
        return "%s"

    return re.sub(r"%\((\w+)\)s", take, sql), values


def _plausible_dates(dob: datetime.date) -> list[datetime.date]:
    """The date itself and, where it is a real date, the date with day and month swapped."""
    dates = [dob]
    if dob.day <= 12 and dob.day != dob.month:
        with contextlib.suppress(ValueError):
            dates.append(dob.replace(month=dob.day, day=dob.month))
    return dates


def _birth_window(
    criteria: SearchCriteria, today: datetime.date | None = None
) -> tuple[datetime.date | None, datetime.date | None]:
    today = today or datetime.date.today()
    start: datetime.date | None = None
    end: datetime.date | None = None
    if criteria.date_of_birth is None and criteria.birth_year is not None:
        if criteria.birth_month is not None:
            start = datetime.date(criteria.birth_year, criteria.birth_month, 1)
            next_month = start.replace(day=28) + datetime.timedelta(days=4)
            end = next_month - datetime.timedelta(days=next_month.day)
        else:
            start = datetime.date(criteria.birth_year, 1, 1)
            end = datetime.date(criteria.birth_year, 12, 31)
    if criteria.age_to is not None:
        # Older than age_to + 1 on their last birthday is out of range.
        oldest = _years_before(today, criteria.age_to + 1) + datetime.timedelta(days=1)
        start = max(start, oldest) if start else oldest
    if criteria.age_from is not None:
        youngest = _years_before(today, criteria.age_from)
        end = min(end, youngest) if end else youngest
    return start, end


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _field_similarity(query: str, query_key: str, norm: str, key: str) -> float:
    if query == norm:
        return 1.0
    best = fuzz.ratio(query, norm) / 100
    if query_key and query_key == key:
        best = max(best, 0.9)
    if query in norm.split() or norm in query.split():
        best = max(best, 0.92)
    return best


def _given_similarity(query: _NameQuery | None, given: str, given_key: str, norm: str, key: str):
    if given == norm:
        return 1.0
    if len(given) == 1:
        return 0.75 if norm.startswith(given) else 0.0
    best = _field_similarity(given, given_key, norm, key)
    variants = query.given_variants if query is not None else given_name_variants(given)
    if norm in variants:
        best = max(best, 0.9)
    return best


def _name_score(name: ChildName, query: _NameQuery) -> float:
    def combined(family: str, family_key: str, given: str, given_key: str, q) -> float:
        parts: list[tuple[float, float]] = []
        if family:
            parts.append(
                (0.55, _field_similarity(family, family_key, name.family_norm, name.family_key))
            )
        if given:
            parts.append(
                (0.45, _given_similarity(q, given, given_key, name.given_norm, name.given_key))
            )
        total_weight = sum(weight for weight, _ in parts)
        return sum(weight * value for weight, value in parts) / total_weight

    straight = combined(query.family, query.family_key, query.given, query.given_key, query)
    best = straight
    if query.family and query.given:
        swapped = combined(query.given, query.given_key, query.family, query.family_key, None)
        best = max(best, swapped * SWAPPED_NAME_FACTOR)
    if name.kind != NameKind.CURRENT:
        best *= FORMER_NAME_FACTOR
    return best


def _dob_score(actual: datetime.date, wanted: datetime.date) -> float:
    if actual == wanted:
        return 1.0
    if actual in _plausible_dates(wanted):
        return 0.85
    same = sum([actual.year == wanted.year, actual.month == wanted.month, actual.day == wanted.day])
    return 0.6 if same == 2 else 0.0


def _score(
    child: Child,
    names: list[ChildName],
    criteria: SearchCriteria,
    query: _NameQuery,
    district: str,
) -> Match | None:
    components: list[tuple[float, float]] = []
    name_score = None
    best_name: ChildName | None = None
    if query.family or query.given:
        for name in names:
            score = _name_score(name, query)
            if name_score is None or score > name_score:
                name_score, best_name = score, name
        name_score = name_score or 0.0
        if name_score < MIN_NAME_SCORE:
            return None
        components.append((NAME_WEIGHT, name_score))
    dob_score = None
    if criteria.date_of_birth is not None:
        dob_score = _dob_score(child.date_of_birth, criteria.date_of_birth)
        components.append((DOB_WEIGHT, dob_score))

    # With only filters given (no name, no full date), every child that passed them matches.
    total = 1.0
    if components:
        total = sum(w * v for w, v in components) / sum(w for w, _ in components)
    if total < MIN_SCORE:
        return None
    exact = (name_score in (None, 1.0)) and (dob_score in (None, 1.0))
    if best_name is not None and best_name.kind != NameKind.CURRENT:
        exact = False
    former = ""
    if best_name is not None and best_name.kind != NameKind.CURRENT:
        former = f"{best_name.given_name} {best_name.family_name}"
    return Match(
        child=child,
        score=round(total * 100),
        exact=exact,
        postcode_district=district,
        matched_former_name=former,
    )


def match_candidates(*, criteria: SearchCriteria, limit: int = 10) -> list[Match]:
    """Every child (shielded ones too) scored against the criteria, best first.

    For record matching by feeds only: the results are never shown to a user as
    search results, and a possible match to a shielded child always goes to review.
    """
    query = _NameQuery.from_criteria(criteria)
    unfiltered = SearchCriteria(
        given_name=criteria.given_name,
        family_name=criteria.family_name,
        date_of_birth=criteria.date_of_birth,
    )
    ids = list(
        _candidates(
            None, Child.objects.filter(merged_into__isnull=True), unfiltered, query
        ).values_list("id", flat=True)[:CANDIDATE_LIMIT]
    )
    children = {child.id: child for child in Child.objects.filter(id__in=ids)}
    names: dict[int, list[ChildName]] = {}
    for name in ChildName.objects.filter(child_id__in=ids):
        names.setdefault(name.child_id, []).append(name)
    scored = [
        match
        for child_id, child in children.items()
        if (match := _score(child, names.get(child_id, []), unfiltered, query, "")) is not None
    ]
    scored.sort(key=lambda m: (-m.score, m.child.id))
    return scored[:limit]
