"""The benchmark's feed: feeds/hostile_feed.py's noise, about children of the bench population.

    people = index_extract(cursor, children, 20_000, seed)   # children the feed is about
    plant_nhs_numbers(cursor, people)                        # the index's NHS numbers
    feed = hostile_feed(people, 20_000, seed)                # ~90 % known, ~10 % new
    write_feed_csv(path, feed)                               # import_records' columns
    report = score_import(cursor, report_csv, feed, people, source)

The extract takes a random sample of children with every twin (same family name, birthday
and postcode) and every same-name-same-birthday child of each, so that both twins and both
namesakes come from the same source. The planted NHS numbers are removed with the rest of
the import's rows afterwards (national_bench.import_feed deletes every row it added).
"""

import csv
import datetime
import random
from pathlib import Path

from feeds.hostile_feed import FeedPlan, FeedRecord, Person, make_feed, nhs_number
from feeds.matching import LINK, REVIEW
from feeds.quality import Outcome, QualityReport, score

BENCH_HEALTH = "BENCH-NHS"
COLUMNS = [
    "source_id",
    "given_name",
    "family_name",
    "former_family_names",
    "date_of_birth",
    "gender",
    "postcode",
    "nhs_number",
    "service_code",
    "service_name",
    "service_type",
    "involvement_start",
]


def index_extract(cursor, children: int, sample: int, seed: int) -> list[Person]:
    """About ``sample`` children of the population (not shielded, not merged), with their
    twins and namesakes; ``household`` numbers a (family name, postcode) pair."""
    rng = random.Random(seed)
    ids = rng.sample(range(1, children + 1), min(children, sample))
    cursor.execute(
        """
        WITH picked AS (
            SELECT c.id, c.given_name, c.family_name, c.date_of_birth, a.postcode
            FROM records_child c
            LEFT JOIN records_address a ON a.child_id = c.id AND a.status = 'current'
            WHERE c.id = ANY(%s)
        ), related AS (
            SELECT c.id FROM picked p JOIN records_child c
              ON c.date_of_birth = p.date_of_birth AND c.family_name = p.family_name
            UNION SELECT id FROM picked
        )
        SELECT c.id, c.given_name, c.family_name, c.date_of_birth, c.gender,
               coalesce(a.postcode, '')
        FROM records_child c JOIN related r ON r.id = c.id
        LEFT JOIN records_address a ON a.child_id = c.id AND a.status = 'current'
        WHERE NOT c.is_shielded AND c.merged_into_id IS NULL
        ORDER BY c.id
        """,
        [ids],
    )
    households: dict[tuple[str, str], int] = {}
    people = []
    for key, given, family, dob, gender, postcode in cursor.fetchall():
        household = households.setdefault((family, postcode), len(households) + 1)
        people.append(Person(key, given, family, dob, gender, postcode, "", (), household))
    # NHS numbers on three quarters of them, as a health feed would have left; never two
    # children with one number.
    issued: set[str] = set()
    return [
        Person(**{**p.__dict__, "nhs": nhs_number(rng, issued)}) if rng.random() < 0.75 else p
        for p in people
    ]


def plant_nhs_numbers(cursor, people: list[Person]) -> int:
    """Store the people's NHS numbers as the index's identifiers (issued by a bench trust)."""
    cursor.execute(
        "INSERT INTO accounts_organisation (public_id, code, name, organisation_type, "
        "area_districts) VALUES (gen_random_uuid(), %s, 'Bench health', 'health', '') "
        "ON CONFLICT (code) DO NOTHING",
        [BENCH_HEALTH],
    )
    cursor.execute("SELECT id FROM accounts_organisation WHERE code = %s", [BENCH_HEALTH])
    issuer = cursor.fetchone()[0]
    rows = [(p.key, p.nhs) for p in people if p.nhs]
    cursor.executemany(
        "INSERT INTO records_childidentifier (child_id, kind, value, issued_by_id) "
        "VALUES (%s, 'nhs', %s, %s) ON CONFLICT DO NOTHING",
        [(key, value, issuer) for key, value in rows],
    )
    return len(rows)


def hostile_feed(people: list[Person], records: int, seed: int) -> list[FeedRecord]:
    """``records`` feed records about ``people`` (10 % new), each with its truth."""
    rng = random.Random(seed + 1)
    return make_feed(
        rng, people, records, today=datetime.date.today(), plan=FeedPlan(source_prefix="R")
    )


def write_feed_csv(path: Path, feed: list[FeedRecord]) -> int:
    """The feed in import_records' columns; a person with two involvements has two rows."""
    rows = 0
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for record in feed:
            for number in range(record.involvements):
                writer.writerow(
                    [
                        record.source_id,
                        record.given,
                        record.family,
                        ";".join(record.former_families),
                        record.dob.isoformat(),
                        record.gender,
                        record.postcode,
                        record.nhs,
                        f"BENCH-FEED-{number}",
                        f"Benchmark Feed Service {number}",
                        "voluntary",
                        "2026-09-01",
                    ]
                )
                rows += 1
    return rows


def score_import(
    cursor, report_csv: Path, feed: list[FeedRecord], people: list[Person], source: str
) -> QualityReport:
    """The import's decisions (its report, and the review queue for the proposed child),
    scored against the truth exactly as matching_quality scores the matcher."""
    return score(import_outcomes(cursor, report_csv, feed, source), people)


def import_outcomes(
    cursor, report_csv: Path, feed: list[FeedRecord], source: str
) -> list[tuple[FeedRecord, Outcome]]:
    """Each record with what the import decided for it."""
    cursor.execute(
        "SELECT source_id, candidate_id FROM feeds_reviewitem WHERE source = %s", [source]
    )
    proposed = dict(cursor.fetchall())
    first: dict[str, dict] = {}
    with open(report_csv) as handle:
        for row in csv.DictReader(handle):
            first.setdefault(row["source_id"], row)
    public = [row["child_id"] for row in first.values() if row.get("child_id")]
    cursor.execute(
        "SELECT public_id::text, id FROM records_child WHERE public_id::text = ANY(%s)", [public]
    )
    by_public = dict(cursor.fetchall())
    pairs = []
    for record in feed:
        row = first.get(record.source_id, {"outcome": "missing"})
        if row["outcome"] == "linked":
            outcome = Outcome("link", by_public.get(row.get("child_id", "")))
        elif row["outcome"] == "review":
            outcome = Outcome("review", proposed.get(record.source_id))
        else:  # created (rejected rows are counted as not linked)
            outcome = Outcome("create")
        pairs.append((record, outcome))
    return pairs


def recall_ceiling(cursor, pairs: list[tuple[FeedRecord, Outcome]]) -> dict:
    """The recall no matcher comparing these fields could beat, on the index without the
    import (call it after the import's rows are removed).

    For each known person not linked or reviewed with their own child: the children of the
    index that fit the record at least as well as their own child does (``feeds.scoring``'s
    weights, candidates from the blocking without its one-name bound, so every child
    sharing a name key and a date). A record that ``k`` other children fit as well is, at
    best, right once in ``k + 1``; every other record is counted as if it were right. What
    stays below 1 is information the feed does not carry (a new surname after a move: a
    given name, a birthday and a gender that other children share).
    """
    from django.db import transaction

    from feeds import candidates as blocking
    from feeds.matching import Incoming, person_facts
    from feeds.scoring import TF_MIN_COUNT, score_pair

    known = [(record, outcome) for record, outcome in pairs if record.truth is not None]
    missed = {
        number: record
        for number, (record, outcome) in enumerate(known)
        if outcome.decision not in (LINK, REVIEW) or outcome.key != record.truth
    }
    persons = {
        number: person_facts(
            Incoming(
                record.given,
                record.family,
                record.dob,
                record.gender or "U",
                tuple(record.former_families),
                record.postcode,
                record.nhs,
            )
        )
        for number, record in missed.items()
    }
    frequencies = blocking.name_frequencies(cursor, at_least=TF_MIN_COUNT)
    # One transaction: the blocking's staging tables keep their rows until it commits.
    with transaction.atomic():
        found = blocking.candidate_ids(cursor, persons) if persons else {}
        wanted = set().union(*found.values()) | {record.truth for record in missed.values()}
        facts = blocking.candidate_facts(cursor, wanted, source="")
    ties: dict[str, int] = {}
    best_possible = float(len(known) - len(missed))
    for number, record in missed.items():
        own = facts.get(record.truth)
        if own is None:  # the child was merged away or is gone: nothing can find them
            continue
        person = persons[number]
        own_weight = score_pair(person, own, frequencies).weight
        others = sum(
            1
            for child_id in found.get(number, ())
            if child_id != record.truth
            and child_id in facts
            and score_pair(person, facts[child_id], frequencies).weight >= own_weight
        )
        label = str(others) if others < 5 else "5+"
        ties[label] = ties.get(label, 0) + 1
        best_possible += 1 / (1 + others)
    return {
        "recall_ceiling": round(best_possible / len(known), 4) if known else 1.0,
        "missed": len(missed),
        "missed_by_children_fitting_as_well": dict(sorted(ties.items())),
    }
