"""Search queries with the errors people really make, each with the child it should find.

Categories (the quality measure): exact, typo, phonetic, nickname, swapped, former,
transposed (day and month). All give a full date of birth, as a practitioner with a family
in front of them usually can; the latency mix adds the harder shapes: year of birth only,
name only, partial date of birth with a postcode, and a postcode district alone.
"""

import datetime
import random
from dataclasses import dataclass

from records.search import SearchCriteria

PHONETIC = [
    {"muhammad", "mohammed", "mohammad"},
    {"catherine", "kathryn", "katherine"},
    {"sophia", "sofia"},
    {"sophie", "sofie"},
    {"isabelle", "isobel", "isabel"},
    {"aisha", "ayesha"},
    {"lily", "lilly", "lillie"},
    {"elliot", "elliott"},
    {"jon", "john"},
    {"caitlin", "kaitlyn"},
    {"zara", "sara"},
    {"philip", "phillip", "filip"},
    {"matilda", "mathilda"},
    {"freya", "freyja"},
    {"theo", "teo"},
    {"layla", "leila", "laila"},
    {"evie", "evey"},
    {"jakub", "jacob"},
    {"leah", "lea"},
    {"hannah", "hanna"},
]
NICKNAMES = {
    "william": "bill",
    "alexander": "alex",
    "robert": "bob",
    "thomas": "tom",
    "edward": "ted",
    "elizabeth": "liz",
    "charlotte": "lottie",
    "margaret": "maggie",
    "benjamin": "ben",
    "samuel": "sam",
    "joseph": "joe",
    "daniel": "dan",
    "matthew": "matt",
    "jessica": "jess",
    "christopher": "chris",
    "jonathan": "jon",
    "nathan": "nate",
    "zachary": "zach",
    "rebecca": "becky",
    "katherine": "kate",
    "isabella": "bella",
    "abigail": "abby",
    "michael": "mike",
    "frederick": "fred",
    "harrison": "harry",
    "penelope": "penny",
    "eleanor": "ellie",
    "florence": "flo",
    "alfred": "alf",
    "sebastian": "seb",
    "oliver": "ollie",
    "theodore": "theo",
    "henry": "harry",
    "james": "jim",
    "samantha": "sam",
    "jennifer": "jen",
    "victoria": "vicky",
    "patrick": "paddy",
    "anthony": "tony",
}
QUALITY = ["exact", "typo", "phonetic", "nickname", "swapped", "former", "transposed"]
SHAPES = [
    "exact",
    "typo",
    "nickname",
    "former",
    "year_only",
    "name_only",
    "partial_postcode",
    "district_only",
]


@dataclass
class Query:
    category: str
    criteria: SearchCriteria
    child_id: int


def typo(word: str, rng: random.Random) -> str:
    """One keyboard slip: a swapped pair, a dropped, doubled or wrong letter."""
    if len(word) < 4:
        return word + word[-1]
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == 1:
        return word[:i] + word[i + 1 :]
    if kind == 2:
        return word[:i] + word[i] + word[i:]
    letter = rng.choice([c for c in "aeioustnrl" if c != word[i].lower()])
    return word[:i] + letter + word[i + 1 :]


def phonetic_variant(given: str, rng: random.Random) -> str | None:
    low = given.lower()
    for group in PHONETIC:
        if low in group:
            return rng.choice(sorted(group - {low})).title()
    return None


def sample_children(cursor, ids: list[int]) -> list[dict]:
    cursor.execute(
        """
        SELECT c.id, c.given_name, c.family_name, c.date_of_birth, a.postcode,
               a.postcode_district,
               (SELECT family_name FROM records_childname n
                 WHERE n.child_id = c.id AND n.kind = 'former' LIMIT 1)
        FROM records_child c
        LEFT JOIN records_address a ON a.child_id = c.id AND a.status = 'current'
        WHERE c.id = ANY(%s) AND NOT c.is_shielded AND c.merged_into_id IS NULL
        """,
        [ids],
    )
    keys = ["id", "given", "family", "dob", "postcode", "district", "former"]
    return [dict(zip(keys, row, strict=True)) for row in cursor.fetchall()]


def _ids_with(cursor, condition: str, params: list, limit: int, seed: int) -> list[int]:
    cursor.execute("SELECT setseed(%s)", [(seed % 1000) / 1000])
    cursor.execute(
        f"SELECT id FROM (SELECT child_id AS id FROM records_childname WHERE {condition} "
        f"LIMIT {limit * 20}) s ORDER BY random() LIMIT {limit}",
        params,
    )
    return [row[0] for row in cursor.fetchall()]


def quality_queries(cursor, children: int, per_category: int, seed: int) -> list[Query]:
    """``per_category`` queries in each error category, with the child each should find."""
    rng = random.Random(seed)
    ids = rng.sample(range(1, children + 1), min(children, per_category * 6))
    pool = sample_children(cursor, ids)
    rng.shuffle(pool)
    phonetic_names = sorted({n.title() for g in PHONETIC for n in g})
    nick_names = sorted(n.title() for n in NICKNAMES)
    phonetic_pool = sample_children(
        cursor,
        _ids_with(
            cursor,
            "kind = 'current' AND given_name = ANY(%s)",
            [phonetic_names],
            per_category * 2,
            seed,
        ),
    )
    nick_pool = sample_children(
        cursor,
        _ids_with(
            cursor,
            "kind = 'current' AND given_name = ANY(%s)",
            [nick_names],
            per_category * 2,
            seed + 1,
        ),
    )
    former_pool = sample_children(
        cursor, _ids_with(cursor, "kind = 'former'", [], per_category * 2, seed + 2)
    )
    out: list[Query] = []

    def add(category: str, child: dict, **criteria) -> None:
        out.append(Query(category, SearchCriteria(**criteria), child["id"]))

    it = iter(pool)
    for _ in range(per_category):
        c = next(it)
        add("exact", c, given_name=c["given"], family_name=c["family"], date_of_birth=c["dob"])
        c = next(it)
        if rng.random() < 0.5:
            add(
                "typo",
                c,
                given_name=c["given"],
                family_name=typo(c["family"], rng),
                date_of_birth=c["dob"],
            )
        else:
            add(
                "typo",
                c,
                given_name=typo(c["given"], rng),
                family_name=c["family"],
                date_of_birth=c["dob"],
            )
        c = next(it)
        add("swapped", c, given_name=c["family"], family_name=c["given"], date_of_birth=c["dob"])
    for c in phonetic_pool[:per_category]:
        variant = phonetic_variant(c["given"], rng)
        if variant:
            add("phonetic", c, given_name=variant, family_name=c["family"], date_of_birth=c["dob"])
    for c in nick_pool[:per_category]:
        add(
            "nickname",
            c,
            given_name=NICKNAMES[c["given"].lower()].title(),
            family_name=c["family"],
            date_of_birth=c["dob"],
        )
    for c in former_pool[:per_category]:
        if c["former"]:
            add("former", c, given_name=c["given"], family_name=c["former"], date_of_birth=c["dob"])
    transposable = [c for c in pool if c["dob"].day <= 12 and c["dob"].day != c["dob"].month]
    for c in transposable[:per_category]:
        dob = c["dob"]
        add(
            "transposed",
            c,
            given_name=c["given"],
            family_name=c["family"],
            date_of_birth=dob.replace(month=dob.day, day=dob.month),
        )
    return out


def latency_queries(cursor, children: int, per_shape: int, seed: int) -> list[Query]:
    """The mix of query shapes timed for latency (each still names the child it is about)."""
    rng = random.Random(seed + 99)
    pool = sample_children(cursor, rng.sample(range(1, children + 1), per_shape * 10))
    quality = quality_queries(cursor, children, per_shape, seed + 7)
    out = [q for q in quality if q.category in ("exact", "typo", "nickname", "former")]
    it = iter(pool)
    for _ in range(per_shape):
        c = next(it)
        out.append(
            Query(
                "year_only",
                SearchCriteria(
                    given_name=c["given"], family_name=c["family"], birth_year=c["dob"].year
                ),
                c["id"],
            )
        )
        c = next(it)
        out.append(
            Query(
                "name_only", SearchCriteria(given_name=c["given"], family_name=c["family"]), c["id"]
            )
        )
        c = next(it)
        out.append(
            Query(
                "partial_postcode",
                SearchCriteria(
                    given_name=c["given"],
                    birth_year=c["dob"].year,
                    birth_month=c["dob"].month,
                    postcode=c["postcode"] or "",
                ),
                c["id"],
            )
        )
        c = next(it)
        out.append(Query("district_only", SearchCriteria(postcode=c["district"] or ""), c["id"]))
    return out


def as_form(criteria: SearchCriteria) -> dict[str, str]:
    """The search form's fields for these criteria (for searches over HTTP)."""
    data = {
        "given_name": criteria.given_name,
        "family_name": criteria.family_name,
        "postcode": criteria.postcode,
    }
    if criteria.date_of_birth:
        dob: datetime.date = criteria.date_of_birth
        data.update(dob_day=str(dob.day), dob_month=str(dob.month), dob_year=str(dob.year))
    else:
        if criteria.birth_year:
            data["dob_year"] = str(criteria.birth_year)
        if criteria.birth_month:
            data["dob_month"] = str(criteria.birth_month)
    return {k: v for k, v in data.items() if v}
