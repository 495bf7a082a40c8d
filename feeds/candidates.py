"""Candidate children for incoming people, found in sets by blocking joins on indexed keys.

The people of a batch (or the one person of ``feeds.matching.match``) are written to
temporary staging tables: their blocking keys (a phonetic key of a name with one plausible
date of birth) and their identifiers. Statements for the whole batch then join them with
the index, in passes; each pass is for the people the ones before did not settle (found
no child sharing both name keys, nor an identifier):

1. family-name key and date of birth (``childname_family_dob``), NHS number and UPN
   (``identifier_unique_per_issuer``);
2. given-name key, or a known variant's key, and date of birth (``childname_given_dob``),
   names typed the wrong way round, and both keys with a date whose year or month is one
   out (a mistyped date);
3. a wider look: children at the same postcode born on one of the dates
   (``address_postcode_idx``: a child who kept their address but whose names are garbled),
   and children born on the same day whose given and family names start with the same
   letters, or whose given name is at most two keystrokes from the person's
   (``childname_dob``, read from the index alone; ``levenshtein`` is fuzzystrmatch's).

The dates are the one given, a day either side (30 Sep / 1 Oct) and the day and month
swapped; current, former and alias names of the child and former family names of the
person all take part, and so do each word of a given name with a middle name (Ava for Ava
Zainab) and each half of a double-barrelled family name. Where a child agreeing on one
name and the date could not reach review (``feeds.scoring.one_name_may_review``: a common
name in a large index), the join keeps only children whose other name is near the
person's (docs/matching.md, "Only pairs that could reach review").

Only these pairs are scored. The facts about the candidates (names, postcodes, identifiers,
this source's ids) are then read in one query each.
"""

import contextlib
import datetime
from collections.abc import Iterable, Mapping
from functools import lru_cache

from feeds.scoring import (
    POSTCODE_MIN_COUNT,
    POSTCODE_SAMPLE_ROWS,
    Candidate,
    NameFacts,
    NameFrequencies,
    Person,
    one_name_may_review,
)
from records.names import given_name_variants, phonetic_key

_STAGING = """
CREATE TEMP TABLE IF NOT EXISTS feed_stage_key2 (
    row_key integer NOT NULL, side text NOT NULL, key text NOT NULL, dob date NOT NULL,
    other_keys text NOT NULL, other_norm text NOT NULL, any_other boolean NOT NULL
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS feed_stage_id (
    row_key integer NOT NULL, kind text NOT NULL, value text NOT NULL
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS feed_stage_place (
    row_key integer NOT NULL, postcode text NOT NULL, dob date NOT NULL
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS feed_stage_day (
    row_key integer NOT NULL, dob date NOT NULL, given text NOT NULL,
    given_initial text NOT NULL, family_initial text NOT NULL
) ON COMMIT DELETE ROWS;
TRUNCATE feed_stage_key2, feed_stage_id, feed_stage_place, feed_stage_day;
"""

# Each row: the person, the child, and the child's name keys (its current name's, for an
# identifier), so that the caller can tell a candidate sharing both name keys from a weaker
# one.
#
# A staged key row says what the child's other name must look like, unless ``any_other``:
# one of the person's keys for it (``other_keys``, as "|key|key|": a variant or sound-alike),
# or a near spelling of ``other_norm`` (one of the person's names for it, or a word of one):
# starting with its first letter or its second (two letters typed the wrong way round) and
# at most three keystrokes away, or an initial, a long name or several words, which the
# scorer compares more loosely. Anything else is "different" to the scorer
# (``feeds.scoring._close``), and the pair is not worth scoring. The checks read the index
# entry alone (``childname_family_dob`` carries the given name, ``childname_given_dob``
# the family name).
_SIDE = """
SELECT k.row_key, n.child_id, n.given_key, n.family_key FROM feed_stage_key2 k
  JOIN records_childname n ON n.{key} = k.key AND n.date_of_birth = k.dob
 WHERE k.side = '{side}' AND (k.any_other OR strpos(k.other_keys, '|' || n.{other_key} || '|') > 0
       OR (k.other_norm <> '' AND strpos(n.{other}, ' ') > 0)
       OR (k.other_norm <> '' AND strpos(left(k.other_norm, 2), left(n.{other}, 1)) > 0
           AND (length(k.other_norm) < 3 OR length(n.{other}) < 3 OR length(n.{other}) >= 12
                OR levenshtein_less_equal(n.{other}, k.other_norm, 3) <= 3)))
"""
_BY_IDENTIFIER = """
SELECT s.row_key, i.child_id, n.given_key, n.family_key FROM feed_stage_id s
  JOIN records_childidentifier i ON i.kind = s.kind AND i.value = s.value
  LEFT JOIN records_childname n ON n.child_id = i.child_id AND n.kind = 'current'
"""
# The two sides differ only in which name is the key and which the other: column names,
# fixed here, never input.
_FAMILY_SIDE = _SIDE.format(side="f", key="family_key", other_key="given_key", other="given_norm")
_GIVEN_SIDE = _SIDE.format(side="g", key="given_key", other_key="family_key", other="family_norm")
_CANDIDATES = "UNION".join([_FAMILY_SIDE, _GIVEN_SIDE, _BY_IDENTIFIER])

_WIDER = """
SELECT p.row_key, a.child_id FROM feed_stage_place p
  JOIN records_address a ON a.postcode = p.postcode AND a.status IN ('current', 'last_known')
  JOIN records_child c ON c.id = a.child_id AND c.date_of_birth = p.dob
UNION
SELECT d.row_key, n.child_id FROM feed_stage_day d
  JOIN records_childname n ON n.date_of_birth = d.dob
 WHERE left(n.given_norm, 1) = d.given_initial
   AND (left(n.family_norm, 1) = d.family_initial
        OR levenshtein_less_equal(n.given_norm, d.given, 2) <= 2)
"""


def loose_dates(dob: datetime.date) -> list[datetime.date]:
    """The date, a day either side, and the day and month swapped."""
    dates = [dob]
    for days in (-1, 1):
        with contextlib.suppress(OverflowError):
            dates.append(dob + datetime.timedelta(days=days))
    if dob.day <= 12 and dob.day != dob.month:
        with contextlib.suppress(ValueError):
            dates.append(dob.replace(month=dob.day, day=dob.month))
    return dates


def tight_dates(dob: datetime.date) -> list[datetime.date]:
    """Dates with the year or the month one out: candidates only if both names sound alike."""
    dates = []
    for year, month in (
        (dob.year - 1, dob.month),
        (dob.year + 1, dob.month),
        (dob.year, dob.month - 1),
        (dob.year, dob.month + 1),
    ):
        if 1 <= month <= 12:
            with contextlib.suppress(ValueError):
                dates.append(dob.replace(year=year, month=month))
    return dates


def _words(normalised: str) -> list[str]:
    """The words of a name of several (Ava Zainab, Smith Jones); [] for a one-word name."""
    words = normalised.split()
    return words if len(words) > 1 else []


def _own_family_keys(person: Person) -> frozenset[str]:
    """Keys of the person's family names: current, former, each half of a double-barrelled one."""
    return _family_name_keys((person.family_norm, *(norm for norm, _ in person.former_family)))


@lru_cache(maxsize=65536)
def _family_name_keys(names: tuple[str, ...]) -> frozenset[str]:
    keys = set()
    for norm in names:
        keys |= {phonetic_key(norm), *(phonetic_key(word) for word in _words(norm))}
    return frozenset(keys - {""})


@lru_cache(maxsize=65536)
def _own_given_keys_of(given_norm: str) -> frozenset[str]:
    names = {given_norm, *_words(given_norm)}
    variants = set(names)
    for name in names:
        variants |= given_name_variants(name)
    return frozenset({phonetic_key(variant) for variant in variants} - {""})


def _own_given_keys(person: Person) -> frozenset[str]:
    """Keys of the given name, its known variants, and of each word of a given name with a
    middle name and its variants."""
    return _own_given_keys_of(person.given_norm)


def family_keys(person: Person) -> set[str]:
    """Keys of the person's family names, and the given name's (names the wrong way round)."""
    return set(_own_family_keys(person) | {person.given_key}) - {""}


def given_keys(person: Person) -> set[str]:
    """Keys of the given name and its variants, and the family name's (the wrong way round)."""
    keys = set(_own_given_keys(person) | {person.family_key})
    keys |= {phonetic_key(word) for word in _words(person.family_norm)}
    return keys - {""}


@lru_cache(maxsize=65536)
def _spellings(*names: str) -> tuple[str, ...]:
    """The names and, of a name of several words, each word: what a near spelling is
    measured against (``feeds.scoring`` compares words of such names too)."""
    found = set()
    for name in names:
        if name:
            found |= {name, *name.split()}
    return tuple(sorted(found))


def _key_list(keys: Iterable[str]) -> str:
    return "|" + "|".join(sorted(keys)) + "|"


def blocking_rows(
    row_key: int,
    person: Person,
    open_sides: tuple[bool, bool] = (True, True),
    passes: tuple[int, ...] = (1, 2),
) -> Iterable[tuple]:
    """(row_key, side, key, dob, other_keys, other_norm, any_other) rows for the staging
    table. ``open_sides`` says whether a child agreeing on the family name alone, and on the
    given name alone, could reach review (``feeds.scoring.one_name_may_review``); where not,
    the child's other name must not be different: a row per spelling it may be near.

    Pass 1 is the family name's keys (current, former, halves); pass 2, for a person pass 1
    did not settle, the given name's keys, names typed the wrong way round, and both keys
    with a mistyped year or month."""
    own_family, own_given = _own_family_keys(person), _own_given_keys(person)
    family_spellings = _spellings(person.family_norm, *(norm for norm, _ in person.former_family))
    given_spellings = _spellings(person.given_norm)
    family_open, given_open = open_sides
    either = family_open or given_open
    given_list, family_list = _key_list(own_given), _key_list(own_family)
    wrong_way_given = {person.family_key} | {phonetic_key(w) for w in _words(person.family_norm)}
    # Names the wrong way round: the child's given name is compared with the person's
    # family name as a given name (Melia for Amelia), its family name with the given name.
    family_as_given = _key_list(_own_given_keys_of(person.family_norm) | {person.family_key})
    given_as_family = _key_list(_family_name_keys((person.given_norm,)) | own_given)
    # (pass, side, keys, the other name's keys, its spellings, whether any other name will
    # do); names typed the wrong way round: the given name as the child's family name, and
    # the family name as the child's given name.
    plan = [
        (1, "f", own_family, given_list, given_spellings, family_open),
        (2, "g", own_given, family_list, family_spellings, given_open),
        (2, "f", {person.given_key} - {""}, family_as_given, family_spellings, either),
        (2, "g", wrong_way_given - {""}, given_as_family, given_spellings, either),
    ]
    plan = [step for step in plan if step[0] in passes]
    for dob in loose_dates(person.date_of_birth):
        for _, side, keys, other_keys, spellings, any_other in plan:
            for key in keys:
                if any_other or not spellings:
                    yield (row_key, side, key, dob, other_keys, "", any_other)
                    continue
                for spelling in spellings:
                    yield (row_key, side, key, dob, other_keys, spelling, False)
    if 2 in passes and person.family_key and person.given_key:
        for dob in tight_dates(person.date_of_birth):
            yield (row_key, "f", person.family_key, dob, f"|{person.given_key}|", "", False)


def wider_rows(row_key: int, person: Person) -> tuple[list[tuple], list[tuple]]:
    """(place rows, same-day rows) for a person the name keys did not settle."""
    places = []
    if " " in person.postcode:  # a full postcode, not a district alone
        places = [(row_key, person.postcode, dob) for dob in loose_dates(person.date_of_birth)]
    days = []
    if person.given_norm and person.family_norm:
        given, family = person.given_norm, person.family_norm
        for first, second in {(given, family), (family, given)}:  # the wrong way round too
            days.append((row_key, person.date_of_birth, first, first[0], second[0]))
    return places, days


def _settled(person: Person, name_keys: set[tuple[str | None, str | None]]) -> bool:
    """Whether some candidate shares both name keys with the person, each with its own name
    (Hallie Hill does not settle Holly Kingsmore, nor Rosie Ross Rosie Falby). A child found by an
    identifier alone does not settle it: a mistyped number may belong to another child,
    and the person's own child must still be looked for by name."""
    own_given, own_family = _own_given_keys(person), _own_family_keys(person)
    # The wrong way round: the child's given name is the person's family name, and the
    # child's family name the person's given name.
    family_as_given = _own_given_keys_of(person.family_norm)
    given_as_family = _family_name_keys((person.given_norm,))
    return any(
        (given in own_given and family in own_family)
        or (given in family_as_given and family in given_as_family)
        for given, family in name_keys
    )


def candidate_ids(
    cursor,
    people: Mapping[int, Person],
    *,
    frequencies: NameFrequencies | None = None,
    review_score: int | None = None,
) -> dict[int, set[int]]:
    """Child ids that might be each person, by the person's key in ``people``.

    With ``frequencies`` and ``review_score``, children agreeing on one name only are
    proposed only where such a child could reach review (``one_name_may_review``);
    without them, always.
    """
    cursor.execute(_STAGING)
    sides = {
        row_key: (
            one_name_may_review(person, frequencies, review_score)
            if frequencies is not None and review_score is not None
            else (True, True)
        )
        for row_key, person in people.items()
    }
    with cursor.copy(
        "COPY feed_stage_id (row_key, kind, value) FROM STDIN (FORMAT BINARY)"
    ) as copy:
        copy.set_types(["int4", "text", "text"])
        for row_key, person in people.items():
            if person.nhs_number:
                copy.write_row((row_key, "nhs", person.nhs_number))
            if person.upn:
                copy.write_row((row_key, "upn", person.upn))
    # No ANALYZE of the staging tables: with hash and merge joins off the plan is the same
    # nested loop either way, and sampling thousands of rows per batch cost more than it saved.
    # The staging tables are small and the index large: probe its indexes row by row
    # rather than hash the whole names table.
    cursor.execute("SET LOCAL enable_hashjoin = off")
    cursor.execute("SET LOCAL enable_mergejoin = off")
    found: dict[int, set[int]] = {}
    name_keys: dict[int, set[tuple[str | None, str | None]]] = {}
    waiting = list(people)
    for step in (1, 2):
        cursor.execute("TRUNCATE feed_stage_key2")
        # Binary COPY with the types given: the rows need no text formatting on either side.
        with cursor.copy(
            "COPY feed_stage_key2 (row_key, side, key, dob, other_keys, other_norm, any_other)"
            " FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.set_types(["int4", "text", "text", "date", "text", "text", "bool"])
            for row_key in waiting:
                for row in blocking_rows(row_key, people[row_key], sides[row_key], (step,)):
                    copy.write_row(row)
        cursor.execute(_CANDIDATES)
        for row_key, child_id, given_key, family_key in cursor.fetchall():
            found.setdefault(row_key, set()).add(child_id)
            name_keys.setdefault(row_key, set()).add((given_key, family_key))
        cursor.execute("TRUNCATE feed_stage_id")  # identifiers are joined once
        waiting = [
            row_key
            for row_key in waiting
            if not _settled(people[row_key], name_keys.get(row_key, set()))
        ]
        if not waiting:
            break
    unsettled = waiting
    if unsettled:
        with cursor.copy("COPY feed_stage_place (row_key, postcode, dob) FROM STDIN") as place:
            for row_key in unsettled:
                for row in wider_rows(row_key, people[row_key])[0]:
                    place.write_row(row)
        with cursor.copy(
            "COPY feed_stage_day (row_key, dob, given, given_initial, family_initial) FROM STDIN"
        ) as day:
            for row_key in unsettled:
                for row in wider_rows(row_key, people[row_key])[1]:
                    day.write_row(row)
        cursor.execute("ANALYZE feed_stage_place")
        cursor.execute("ANALYZE feed_stage_day")
        cursor.execute(_WIDER)
        for row_key, child_id in cursor.fetchall():
            found.setdefault(row_key, set()).add(child_id)
    cursor.execute("RESET enable_hashjoin")
    cursor.execute("RESET enable_mergejoin")
    return found


def candidate_facts(cursor, child_ids: Iterable[int], *, source: str) -> dict[int, Candidate]:
    """What the index holds about each child (merged-away duplicates left out)."""
    ids = sorted(set(child_ids))
    if not ids:
        return {}
    cursor.execute(
        "SELECT id, date_of_birth, gender, is_shielded FROM records_child"
        " WHERE id = ANY(%s) AND merged_into_id IS NULL",
        [ids],
    )
    facts = {
        child_id: Candidate(child_id, dob, gender, [], is_shielded=shielded)
        for child_id, dob, gender, shielded in cursor.fetchall()
    }
    ids = sorted(facts)
    if not ids:
        return {}
    cursor.execute(
        "SELECT child_id, given_norm, family_norm, given_key, family_key, kind"
        " FROM records_childname WHERE child_id = ANY(%s)",
        [ids],
    )
    for child_id, *name in cursor.fetchall():
        facts[child_id].names.append(NameFacts(*name))
    postcodes: dict[int, set[str]] = {}
    cursor.execute(
        "SELECT child_id, postcode FROM records_address WHERE child_id = ANY(%s)"
        " AND status IN ('current', 'last_known') AND postcode <> ''",
        [ids],
    )
    for child_id, postcode in cursor.fetchall():
        postcodes.setdefault(child_id, set()).add(postcode)
    identifiers: dict[tuple[int, str], set[str]] = {}
    cursor.execute(
        "SELECT child_id, kind, value FROM records_childidentifier"
        " WHERE child_id = ANY(%s) AND kind IN ('nhs', 'upn')",
        [ids],
    )
    for child_id, kind, value in cursor.fetchall():
        identifiers.setdefault((child_id, kind), set()).add(value)
    cursor.execute(
        "SELECT child_id, source_id FROM feeds_sourcerecord WHERE child_id = ANY(%s)"
        " AND source = %s",
        [ids, source],
    )
    for child_id, source_id in cursor.fetchall():
        facts[child_id].source_ids.add(source_id)
    for child_id, candidate in facts.items():
        candidate.postcodes = frozenset(postcodes.get(child_id, ()))
        candidate.nhs_numbers = frozenset(identifiers.get((child_id, "nhs"), ()))
        candidate.upns = frozenset(identifiers.get((child_id, "upn"), ()))
    return facts


def not_same_pairs(cursor, *, source: str, source_ids: Iterable[str]) -> dict[str, set[int]]:
    """Children a reviewer said are not this source's person: never proposed again."""
    cursor.execute(
        "SELECT source_id, child_id FROM feeds_notsamepair WHERE source = %s"
        " AND source_id = ANY(%s)",
        [source, sorted(set(source_ids))],
    )
    pairs: dict[str, set[int]] = {}
    for source_id, child_id in cursor.fetchall():
        pairs.setdefault(source_id, set()).add(child_id)
    return pairs


def name_frequencies(
    cursor, *, at_least: int, postcodes_at_least: int = POSTCODE_MIN_COUNT
) -> NameFrequencies:
    """How common names and postcodes are in the index (one scan of names, one of addresses).

    Current given and family names held by at least ``at_least`` children; the number of
    children; and the chance that two different children share a full postcode, or only its
    district, once at least ``postcodes_at_least`` children have one (households included:
    a shared postcode must prove more than living in one household).
    """
    cursor.execute("SELECT count(*) FROM records_childname WHERE kind = 'current'")
    total = cursor.fetchone()[0]
    counts = {}
    for column in ("given_norm", "family_norm"):
        cursor.execute(
            f"SELECT {column}, count(*) FROM records_childname WHERE kind = 'current'"  # noqa: S608  # nosec B608
            f" GROUP BY {column} HAVING count(*) >= %s",
            [at_least],
        )
        counts[column] = dict(cursor.fetchall())
    # A large index is sampled (a fixed share of rows, the same rows each time): the share
    # of pairs that share a postcode is the same in a fair sample, and a grouped scan of
    # millions of addresses would hold an import up for seconds.
    percent = min(100.0, 100.0 * POSTCODE_SAMPLE_ROWS / max(total, 1))
    cursor.execute(
        "SELECT by_postcode, sum(n * (n - 1))::float8, sum(n)::float8 FROM ("
        " SELECT grouping(postcode_district) = 1 AS by_postcode, count(*) AS n"
        " FROM records_address TABLESAMPLE BERNOULLI (%s) REPEATABLE (17)"
        " WHERE status IN ('current', 'last_known') AND postcode <> ''"
        " GROUP BY GROUPING SETS ((postcode), (postcode_district))) AS groups"
        " GROUP BY by_postcode",
        [percent],
    )
    shared = {}
    for by_postcode, pairs, held in cursor.fetchall():
        if held >= max(postcodes_at_least, 2):
            shared["postcode" if by_postcode else "district"] = max(
                pairs / (held * (held - 1)), 1 / (held * (held - 1))
            )
    return NameFrequencies(
        counts["given_norm"],
        counts["family_norm"],
        total,
        postcode_u=shared.get("postcode"),
        district_u=shared.get("district"),
    )
