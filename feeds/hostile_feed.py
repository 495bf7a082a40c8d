"""A hostile synthetic feed with known truth: the noise real sources send.

Shared by ``manage.py matching_quality`` (feeds/quality.py) and ``make bench``
(bench/hostile.py, bench/splink_baseline.py), so that the project's own figure, the
national benchmark and the Splink baseline all face the same feed. Pure Python: it
neither reads nor writes the database.

An index is a list of ``Person`` (what the index holds about a child). ``make_index``
builds one for the self-test, with households, twins and same-name-same-birthday children
planted on purpose; the benchmark extracts one from its population instead. ``make_feed``
then describes a sample of those people again as a second source would, one record per
person, each with **several kinds of noise at once**:

- British nicknames and diminutives (Olly, Livvy, Izzy, Kasia, Seun ...) and spellings whose
  phonetic keys differ (Neve/Niamh, Reece/Rhys, Ayesha/Aisha), from the curated table;
- typos in the given name, the family name or both; a middle name added; capitals, accents
  and hyphens changed; given and family names swapped;
- a date of birth one day out, across a month end when the child was born on the 1st or the
  last day of a month; day and month transposed;
- a surname change, sent with the old name as a former name or without it; one half of a
  double-barrelled name; a move to another district; postcode or gender missing;
- NHS numbers on about a third of records (the index holds them for most children);
- both twins and both same-name-same-birthday children sent by the same source;
- people the index has never seen, some of them the unregistered twin of a child it holds
  or a child with the same names born on the next day.
"""

import calendar
import datetime
import random
from collections.abc import Iterable
from dataclasses import dataclass, replace

from records.names import given_name_variants, normalise_name, phonetic_key, uk_given_name_groups

# Given names with the variants British sources really send (keys must be in the curated
# table, records/data/uk_given_names.csv); weights follow recent popularity loosely.
GIVEN_F = {
    "Olivia": 8,
    "Amelia": 8,
    "Isla": 5,
    "Ava": 5,
    "Eva": 3,
    "Evelyn": 3,
    "Isabella": 4,
    "Isobel": 2,
    "Sophia": 4,
    "Sophie": 4,
    "Florence": 3,
    "Imogen": 3,
    "Charlotte": 4,
    "Eleanor": 3,
    "Elizabeth": 3,
    "Matilda": 2,
    "Niamh": 3,
    "Aoife": 2,
    "Siobhan": 1,
    "Caoimhe": 1,
    "Saoirse": 1,
    "Aisha": 3,
    "Ayesha": 2,
    "Fatima": 3,
    "Maryam": 2,
    "Zainab": 2,
    "Katarzyna": 2,
    "Zuzanna": 2,
    "Aleksandra": 1,
    "Oluwaseun": 1,
    "Oluwadamilola": 1,
    "Chiamaka": 1,
    "Ifeoma": 1,
    "Grace": 4,
    "Lily": 4,
    "Poppy": 3,
    "Freya": 3,
    "Ella": 3,
    "Mia": 4,
    "Emily": 4,
    "Jessica": 3,
    "Victoria": 2,
    "Rebecca": 2,
    "Catherine": 2,
    "Hannah": 3,
    "Abigail": 2,
    "Penelope": 1,
    "Harriet": 2,
    "Layla": 3,
    "Leah": 2,
    "Chloe": 3,
    "Zoe": 2,
    "Caitlin": 2,
    "Margaret": 1,
    "Mildred": 1,
}
GIVEN_M = {
    "Oliver": 8, "George": 6, "Muhammad": 6, "Mohammed": 4, "Harry": 5, "Henry": 3,
    "Jack": 5, "John": 2, "Noah": 5, "Leo": 4, "Arthur": 4, "Alfred": 2, "Alfie": 3,
    "Charles": 2, "Charlie": 4, "Thomas": 4, "William": 4, "James": 4, "Alexander": 3,
    "Frederick": 2, "Theodore": 2, "Archibald": 1, "Rhys": 3, "Reece": 1, "Callum": 2,
    "Kieran": 2, "Conor": 2, "Sean": 2, "Cillian": 1, "Oisin": 1, "Jakub": 2, "Kacper": 1,
    "Mateusz": 1, "Aleksander": 1, "Oluwatobi": 1, "Oluwafemi": 1, "Chukwuemeka": 1,
    "Babatunde": 1, "Yusuf": 2, "Ibrahim": 2, "Omar": 2, "Hussain": 1, "Ahmed": 2,
    "Zakariya": 1, "Joshua": 3, "Samuel": 3, "Daniel": 3, "Benjamin": 3, "Matthew": 2,
    "Joseph": 3, "Edward": 2, "Sebastian": 2, "Nathaniel": 1, "Elliott": 1,
}  # fmt: skip
_FAMILY_TEXT = (
    "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson "
    "Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson "
    "Wood Turner Martin Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan "
    "Allen James Scott Phillips Watson Davis Parker Price Bennett Young Griffiths Mitchell "
    "Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox Richards Khan "
    "Marshall Anderson Simpson Ellis Adams Singh Begum Wilkinson Foster Chapman Powell Webb "
    "Rogers Gray Mason Ali Hunt Hussain Campbell Matthews Owen Palmer Holmes Mills Barnes "
    "Knight Lloyd Butler Russell Barker Fisher Stevens Jenkins Murray Dixon Harvey Graham "
    "Pearson Ahmed Fletcher Walsh Kaur Gibson Howard Andrews Stewart Elliott Reynolds "
    "Saunders Payne Fox Ford Pearce Day Brooks West Lawrence Cole Atkinson Bradley Spencer "
    "Gill Dawson Ball Burton Obi Watts Rose Booth Perry Ryan Grant Wells Armstrong "
    "Francis Rees Hayes Hart Hudson Newman Barrett Webster Hunter Gregory Carr Lowe Page "
    "Marsh Riley Dunn Woods Parsons Berry Stone Reid Holland Hawkins Harding Porter Robertson "
    "Newton Nolan Nowak Kowalski Wisniewski Adeyemi Okafor Okonkwo Mensah Osei Boateng "
    "Chowdhury Rahman Islam Akhtar Iqbal Mahmood Sharma Kumar Mistry Nguyen Chen Mohamed "
    "Abdi Yusuf Fernandes Dasilva Popescu Achterberg Whitfield Doyle Brennan Harrington"
    " O'Brien O'Connor Smith-Jones Brown-Okafor McDonald MacDonald"
)
FAMILY = _FAMILY_TEXT.split()
DISTRICTS = [
    f"{area}{n}" for area in ("SE", "N", "E", "B", "M", "LS", "BS", "L") for n in (1, 5, 9, 13)
]

# The noise kinds, with how often each is drawn (a record gets one to three at once).
NOISE_WEIGHTS = {
    "nickname": 10,
    "spelling": 6,
    "typo_given": 8,
    "typo_family": 8,
    "typo_both": 4,
    "middle_name": 4,
    "formatting": 4,
    "swapped_names": 2,
    "dob_one_day": 5,
    "transposed": 5,
    "surname_change_former": 3,
    "surname_change": 3,
    "double_barrel": 3,
    "moved": 10,
    "missing_postcode": 6,
    "missing_gender": 6,
}
NOISE = tuple(NOISE_WEIGHTS)
EXACT = "exact"
MONTH_END = "dob_month_end"


@dataclass(frozen=True)
class Person:
    """A child as the index holds them. ``key`` identifies them (the child's id)."""

    key: int
    given: str
    family: str
    dob: datetime.date
    gender: str = "U"
    postcode: str = ""
    nhs: str = ""
    former_families: tuple[str, ...] = ()
    household: int = 0


@dataclass(frozen=True)
class FeedRecord:
    """One person as the second source sends them, with the truth beside it.

    ``truth`` is the index key of the child this is, or ``None`` for a person new to the
    index. ``kinds`` are the noise applied; ``relation`` says what makes it hard beyond
    the noise: ``twin`` (a twin of the child is in the index), ``namesake`` (another child
    has the same names and birthday), ``new_twin`` / ``new_namesake`` (a new person who is
    the twin, or a same-name child born a day apart, of someone the index holds), ``new``.
    """

    source_id: str
    given: str
    family: str
    dob: datetime.date
    gender: str
    postcode: str
    nhs: str
    former_families: tuple[str, ...]
    truth: int | None
    kinds: tuple[str, ...]
    relation: str = ""
    involvements: int = 1


@dataclass
class FeedPlan:
    """How hostile the feed is (shares of the records)."""

    new_share: float = 0.1
    nhs_share: float = 1 / 3
    exact_share: float = 0.12
    both_twins_share: float = 0.9
    max_kinds: int = 3
    extra_involvement_share: float = 0.25
    source_prefix: str = "H"


def nhs_number(rng: random.Random, issued: set[str] | None = None) -> str:
    """A random NHS number that passes the modulus 11 check (999 prefix: never issued).

    With ``issued``, a number not in it, added to it: the register never gives two people
    one number, and the 999 range holds only about 900,000, so a few thousand drawn at
    random would share some (a feed's number then points at another child: noise no real
    source has)."""
    while True:
        digits = [9, 9, 9] + [rng.randrange(10) for _ in range(6)]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        check = 0 if check == 11 else check
        number = "".join(map(str, [*digits, check]))
        if check != 10 and (issued is None or number not in issued):
            if issued is not None:
                issued.add(number)
            return number


def postcode(rng: random.Random, district: str | None = None) -> str:
    district = district or rng.choice(DISTRICTS)
    return f"{district} {rng.randrange(1, 10)}{rng.choice('ABDEFGHJLNPQRSTUWXYZ')}" + rng.choice(
        "ABDEFGHJLNPQRSTUWXYZ"
    )


def _weighted(rng: random.Random, table: dict[str, int]) -> str:
    names = list(table)
    return rng.choices(names, weights=[table[n] for n in names])[0]


def _given(rng: random.Random, gender: str) -> str:
    return _weighted(rng, GIVEN_F if gender == "F" else GIVEN_M)


def make_index(rng: random.Random, people: int, *, today: datetime.date) -> list[Person]:
    """An index of about ``people`` children in households: siblings, 3 % twins, and about
    1 % same-name-same-birthday children in other households; NHS numbers on 75 %."""
    out: list[Person] = []
    household = 0
    issued: set[str] = set()

    def add(given: str, family: str, dob: datetime.date, gender: str, code: str) -> Person:
        person = Person(
            key=len(out) + 1,
            given=given,
            family=family,
            dob=dob,
            gender=gender,
            postcode=code,
            nhs=nhs_number(rng, issued) if rng.random() < 0.75 else "",
            household=household,
        )
        out.append(person)
        return person

    while len(out) < people:
        household += 1
        family = rng.choice(FAMILY)
        code = postcode(rng)
        # Month ends are over-represented so the one-day-out noise can cross them often.
        for _ in range(rng.choice([1, 1, 1, 2, 2, 3])):
            dob = _birthday(rng, today)
            gender = rng.choice("FM")
            first = add(_given(rng, gender), family, dob, gender, code)
            if rng.random() < 0.03:  # twins: same family, birthday and address
                gender = rng.choice("FM")
                given = _given(rng, gender)
                while given == first.given:
                    given = _given(rng, gender)
                add(given, family, dob, gender, code)
    for index in rng.sample(range(len(out)), max(1, len(out) // 100)):
        twin = out[index]  # a namesake: same names and birthday, another household
        household += 1
        add(twin.given, twin.family, twin.dob, twin.gender, postcode(rng))
    return out


def _birthday(rng: random.Random, today: datetime.date) -> datetime.date:
    day = today - datetime.timedelta(days=rng.randint(120, 17 * 365))
    if rng.random() < 0.15:
        last = calendar.monthrange(day.year, day.month)[1]
        day = day.replace(day=rng.choice([1, last]))
    return min(day, today - datetime.timedelta(days=1))


def make_feed(
    rng: random.Random,
    index: list[Person],
    people: int,
    *,
    today: datetime.date,
    plan: FeedPlan | None = None,
) -> list[FeedRecord]:
    """``people`` records: about ``1 - new_share`` of them about people in ``index`` (both
    twins and both namesakes when one is drawn), the rest new, shuffled."""
    plan = plan or FeedPlan()
    known_wanted = round(people * (1 - plan.new_share))
    by_birth: dict[tuple[str, datetime.date], list[Person]] = {}
    by_household: dict[tuple[int, datetime.date], list[Person]] = {}
    for person in index:
        by_birth.setdefault((_name_key(person), person.dob), []).append(person)
        by_household.setdefault((person.household, person.dob), []).append(person)
    chosen: list[Person] = []
    taken: set[int] = set()
    for person in rng.sample(index, len(index)):
        if len(chosen) >= known_wanted:
            break
        if person.key in taken:
            continue
        group = [person]
        if rng.random() < plan.both_twins_share:
            group += by_household.get((person.household, person.dob), [])
            group += by_birth.get((_name_key(person), person.dob), [])
        for member in group:
            if member.key not in taken and len(chosen) < known_wanted:
                taken.add(member.key)
                chosen.append(member)

    families = sorted({p.family for p in index} | set(FAMILY))
    records: list[FeedRecord] = []
    for person in chosen:
        twins = by_household.get((person.household, person.dob), [])
        namesakes = by_birth.get((_name_key(person), person.dob), [])
        relation = "twin" if len(twins) > 1 else "namesake" if len(namesakes) > 1 else ""
        records.append(_noisy(rng, person, families, plan, relation))
    for _ in range(people - len(records)):
        records.append(_new_person(rng, index, families, today))
    rng.shuffle(records)
    issued = {person.nhs for person in index if person.nhs}
    out = []
    for number, record in enumerate(records):
        extra = rng.random() < plan.extra_involvement_share
        # Health sends an NHS number whether or not the index already holds it.
        nhs = (record.nhs or nhs_number(rng, issued)) if rng.random() < plan.nhs_share else ""
        out.append(
            replace(
                record,
                source_id=f"{plan.source_prefix}{number:07d}",
                nhs=nhs,
                involvements=1 + extra,
            )
        )
    return out


def _name_key(person: Person) -> str:
    return f"{normalise_name(person.given)}|{normalise_name(person.family)}"


def _noisy(
    rng: random.Random, person: Person, families: list[str], plan: FeedPlan, relation: str
) -> FeedRecord:
    record = FeedRecord(
        source_id="",
        given=person.given,
        family=person.family,
        dob=person.dob,
        gender=person.gender,
        postcode=person.postcode,
        nhs=person.nhs,
        former_families=(),
        truth=person.key,
        kinds=(),
        relation=relation,
    )
    if rng.random() < plan.exact_share:
        return replace(record, kinds=(EXACT,))
    count = rng.randint(1, plan.max_kinds)
    wanted: list[str] = []
    if _at_month_end(person.dob) and rng.random() < 0.5:
        wanted.append("dob_one_day")
    while len(wanted) < count:
        kind = _weighted(rng, NOISE_WEIGHTS)
        if kind not in wanted and not _clashes(kind, wanted):
            wanted.append(kind)
    applied: list[str] = []
    # Names typed the wrong way round are the last slip: a new or former surname is the
    # child's family name, never the given name it was swapped with.
    wanted.sort(key=lambda kind: kind == "swapped_names")
    for kind in wanted:
        changed, label = _apply(rng, kind, record, families)
        if label:
            record = changed
            applied.append(label)
    return replace(record, kinds=tuple(applied) or (EXACT,))


# Kinds that change the same field: only one of each group on a record.
_GROUPS = [
    {"nickname", "spelling", "typo_given", "typo_both", "middle_name"},
    {"typo_family", "typo_both", "surname_change_former", "surname_change", "double_barrel"},
    {"dob_one_day", "transposed"},
    {"moved", "missing_postcode"},
]


def _clashes(kind: str, chosen: Iterable[str]) -> bool:
    return any(kind in group and group & set(chosen) for group in _GROUPS)


def _apply(
    rng: random.Random, kind: str, r: FeedRecord, families: list[str]
) -> tuple[FeedRecord, str]:
    """The record with one kind of noise, and its label ('' when it does not apply)."""
    if kind == "nickname":
        other = british_variant(rng, r.given, across_keys=False)
        return (replace(r, given=other), kind) if other else (r, "")
    if kind == "spelling":
        other = british_variant(rng, r.given, across_keys=True)
        return (replace(r, given=other), kind) if other else (r, "")
    if kind == "typo_given":
        return replace(r, given=typo(rng, r.given)), kind
    if kind == "typo_family":
        return replace(r, family=typo(rng, r.family)), kind
    if kind == "typo_both":
        return replace(r, given=typo(rng, r.given), family=typo(rng, r.family)), kind
    if kind == "middle_name":
        middle = _weighted(rng, GIVEN_F if r.gender == "F" else GIVEN_M)
        return replace(r, given=f"{r.given} {middle}"), kind
    if kind == "formatting":
        styles = [str.upper, str.lower, lambda s: f"  {s} "]
        style = rng.choice(styles)
        return replace(r, given=style(r.given), family=style(r.family)), kind
    if kind == "swapped_names":
        return replace(r, given=r.family, family=r.given), kind
    if kind == "dob_one_day":
        if _at_month_end(r.dob):
            step = 1 if r.dob.day != 1 else -1
            return replace(r, dob=r.dob + datetime.timedelta(days=step)), MONTH_END
        return replace(r, dob=r.dob + datetime.timedelta(days=rng.choice([-1, 1]))), kind
    if kind == "transposed":
        if r.dob.day <= 12 and r.dob.day != r.dob.month:
            return replace(r, dob=r.dob.replace(day=r.dob.month, month=r.dob.day)), kind
        return r, ""
    if kind in ("surname_change_former", "surname_change"):
        new_family = rng.choice([f for f in families if f != r.family])
        former = (r.family,) if kind == "surname_change_former" else ()
        return replace(r, family=new_family, former_families=former), kind
    if kind == "double_barrel":
        other = rng.choice([f for f in families if f != r.family])
        barrelled = f"{r.family}-{other}" if rng.random() < 0.5 else f"{other}-{r.family}"
        return replace(r, family=barrelled), kind
    if kind == "moved":
        return replace(r, postcode=postcode(rng)), kind
    if kind == "missing_postcode":
        return (replace(r, postcode=""), kind) if r.postcode else (r, "")
    if kind == "missing_gender":
        return (replace(r, gender="U"), kind) if r.gender != "U" else (r, "")
    raise ValueError(kind)


def _new_person(
    rng: random.Random, index: list[Person], families: list[str], today: datetime.date
) -> FeedRecord:
    roll = rng.random()
    if roll < 0.15 and index:
        # The twin the index has never been told about: same family, birthday, address.
        sibling = rng.choice(index)
        gender = rng.choice("FM")
        given = _given(rng, gender)
        while normalise_name(given) in given_name_variants(normalise_name(sibling.given)):
            given = _given(rng, gender)
        return FeedRecord(
            "", given, sibling.family, sibling.dob, gender, sibling.postcode, "", (), None,
            (), "new_twin",
        )  # fmt: skip
    if roll < 0.22 and index:
        # Same names as a child the index holds, born a few days apart, elsewhere.
        other = rng.choice(index)
        dob = other.dob + datetime.timedelta(days=rng.choice([-3, -2, 2, 3]))
        dob = min(dob, today - datetime.timedelta(days=1))
        return FeedRecord(
            "", other.given, other.family, dob, other.gender, postcode(rng), "", (), None,
            (), "new_namesake",
        )  # fmt: skip
    gender = rng.choice("FM")
    return FeedRecord(
        "", _given(rng, gender), rng.choice(families), _birthday(rng, today), gender,
        postcode(rng) if rng.random() < 0.8 else "", "", (), None, (), "new",
    )  # fmt: skip


def _at_month_end(day: datetime.date) -> bool:
    return day.day == 1 or day.day == calendar.monthrange(day.year, day.month)[1]


def british_variant(rng: random.Random, given: str, *, across_keys: bool) -> str:
    """Another name the same person goes by in the UK table: a nickname or diminutive, or
    (``across_keys``) a spelling or transliteration, preferring one whose phonetic key
    differs; '' when the table knows none."""
    norm = normalise_name(given)
    kinds = {"spelling", "transliteration"} if across_keys else {"nickname"}
    variants = sorted(
        {
            n
            for kind, names in uk_given_name_groups()
            if kind in kinds and norm in names
            for n in names
        }
        - {norm}
    )
    if across_keys:
        key = phonetic_key(norm)
        variants = [v for v in variants if phonetic_key(v) != key] or variants
    return rng.choice(variants).title() if variants else ""


def typo(rng: random.Random, word: str) -> str:
    """One keyboard slip: a swapped pair, a dropped, doubled or wrong letter."""
    if len(word) < 3:
        return word + word[-1:]
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
