"""Import benchmark: the set-based pipeline on a large noisy feed, the row-by-row importer on a
small one in the same run, and the matching measured against the truth.

    python bench/import_bench.py --children 100000 --feed-rows 100000 [--baseline-rows 1000]

(``make bench`` runs it as its import section.) The population is the benchmark's own
(``bench.population``, in childindex_bench_<N>). The feed describes known children (90 %)
with the noise of a second source: typos in either name, nicknames, a date one day out
(often across a month end), day and month swapped, a move, a surname change with the old
name on record, several kinds on one person, NHS numbers on a third (held by the index for
those children), the other twin of twins, and new people (10 %, some of them twice: two
rows of one id). Everything the import wrote is removed afterwards.
"""

import argparse
import csv
import datetime
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "childindex.settings")

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
NICKNAMES = {
    "oliver": "Olly",
    "olivia": "Liv",
    "isabella": "Bella",
    "isabelle": "Izzy",
    "thomas": "Tom",
    "william": "Will",
    "james": "Jim",
    "charlotte": "Lottie",
    "alexander": "Alex",
    "samuel": "Sam",
    "benjamin": "Ben",
    "joseph": "Joe",
    "daniel": "Dan",
    "matthew": "Matt",
    "elizabeth": "Beth",
    "jessica": "Jess",
    "katherine": "Kate",
    "rebecca": "Becky",
    "jacob": "Jake",
    "florence": "Flo",
}
TABLES = [
    "records_child",
    "records_childname",
    "records_address",
    "records_childidentifier",
    "involvements_involvement",
    "involvements_service",
    "involvements_practitioner",
    "feeds_sourcerecord",
    "feeds_reviewitem",
    "feeds_sourceduplicate",
    "notifications_notification",
]


def nhs_number(stem: int) -> str:
    digits = f"{stem % 1_000_000_000:09d}"
    total = sum(int(d) * w for d, w in zip(digits, range(10, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    return nhs_number(stem + 1) if check == 10 else digits + str(check)


def _noisy(child: dict, noise: str, rng: random.Random) -> dict:
    from bench.queries import typo

    given, family, dob = child["given"], child["family"], child["dob"]
    postcode, former = child["postcode"] or "", ""
    kinds = [noise] if noise != "several" else rng.sample(["typo", "nickname", "one_day"], 2)
    for kind in kinds:
        if kind == "typo":
            if rng.random() < 0.5:
                family = typo(family, rng)
            else:
                given = typo(given, rng)
        elif kind == "nickname":
            given = NICKNAMES.get(given.lower(), typo(given, rng))
        elif kind == "one_day":
            dob = dob + datetime.timedelta(days=rng.choice([-1, 1]))
        elif kind == "month_end":
            # Across a month end (30 Sep / 1 Oct) where the date allows, else a day out.
            after = dob + datetime.timedelta(days=1)
            dob = after if after.day == 1 or dob.day != 1 else dob - datetime.timedelta(days=1)
        elif kind == "swap" and dob.day <= 12 and dob.day != dob.month:
            swapped = dob.replace(day=dob.month, month=dob.day)
            dob = swapped if swapped <= datetime.date.today() else dob
        elif kind == "moved":
            postcode = "N1 9GU"
        elif kind == "surname" and child["former"]:
            family, former = child["former"], child["family"]
    return {"given": given, "family": family, "dob": dob, "postcode": postcode, "former": former}


def write_feed(cursor, path: Path, children: int, rows: int, seed: int) -> dict:
    """The feed file and its truth: source id -> (child id or None, noise kind)."""
    from bench.queries import sample_children

    rng = random.Random(seed)
    known = sample_children(cursor, rng.sample(range(1, children + 1), min(children, rows)))
    known = known[: int(rows * 0.9)]
    cursor.execute(
        "SELECT a.id, b.id FROM records_child a JOIN records_child b"
        " ON a.date_of_birth = b.date_of_birth AND a.family_name = b.family_name AND a.id < b.id"
        " WHERE a.id = ANY(%s)",
        [[c["id"] for c in known]],
    )
    twin_of = dict(cursor.fetchall())
    truth: dict[str, tuple[int | None, str]] = {}
    noises = ["exact"] * 3 + [
        "typo",
        "nickname",
        "one_day",
        "month_end",
        "swap",
        "moved",
        "surname",
        "several",
    ]
    nhs_holders = []
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        written = 0
        for n, child in enumerate(known):
            noise = "twin" if child["id"] in twin_of else rng.choice(noises)
            person = _noisy(child, "exact" if noise == "twin" else noise, rng)
            nhs = ""
            if rng.random() < 0.33:
                nhs = nhs_number(child["id"] * 7919)
                nhs_holders.append((child["id"], nhs))
            source_id = f"R{n}"
            truth[source_id] = (child["id"], noise)
            writer.writerow(_row(source_id, person, child, nhs, n))
            written += 1
        n = len(known)
        while written < rows:
            source_id = f"N{n}"
            person = {
                "given": rng.choice(["Zed", "Quill", "Wren", "Ottoline", "Caspian"]),
                "family": f"Newfamily{n}",
                "dob": datetime.date(2012, 1, 1) + datetime.timedelta(days=n % 3000),
                "postcode": "",
                "former": "",
            }
            truth[source_id] = (None, "new")
            repeat = 2 if rng.random() < 0.1 and written + 2 <= rows else 1
            for copy in range(repeat):  # two rows of one new person: one child
                writer.writerow(_row(source_id, person, {"gender": "U"}, "", n + copy))
                written += 1
            n += 1
    return {"truth": truth, "nhs_holders": nhs_holders}


def _row(source_id: str, person: dict, child: dict, nhs: str, n: int) -> dict:
    return {
        "source_id": source_id,
        "given_name": person["given"],
        "family_name": person["family"],
        "former_family_names": person["former"],
        "date_of_birth": person["dob"].isoformat(),
        "gender": "U",
        "postcode": person["postcode"],
        "nhs_number": nhs,
        "service_code": f"BENCH-FEED-{n % 7}",
        "service_name": "Benchmark Feed Service",
        "service_type": "voluntary",
        "involvement_start": "2026-09-01",
    }


def _marks(cursor) -> dict[str, int]:
    marks = {}
    for table in TABLES:
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")  # noqa: S608  # nosec B608
        marks[table] = cursor.fetchone()[0]
    return marks


def _remove(cursor, marks: dict[str, int]) -> None:
    cursor.execute("SET session_replication_role = replica")
    for table in TABLES:
        cursor.execute(f"DELETE FROM {table} WHERE id > %s", [marks[table]])  # noqa: S608  # nosec B608
    cursor.execute("SET session_replication_role = origin")


def _score(report: Path, truth: dict, source: str, cursor, marks: dict) -> dict:
    cursor.execute(
        "SELECT public_id::text, id FROM records_child WHERE id > %s OR id = ANY(%s)",
        [marks["records_child"], [c for c, _ in truth.values() if c]],
    )
    by_public = dict(cursor.fetchall())
    cursor.execute(
        "SELECT source_id, candidate_id FROM feeds_reviewitem WHERE source = %s", [source]
    )
    reviewed = dict(cursor.fetchall())
    firsts: dict[str, dict] = {}
    outcomes: dict[str, int] = {}
    rows = 0
    with report.open() as handle:
        for row in csv.DictReader(handle):
            rows += 1
            outcomes[row["outcome"]] = outcomes.get(row["outcome"], 0) + 1
            firsts.setdefault(row["source_id"], row)
    right = wrong = reviewed_right = reviews = created_known = 0
    twin_wrong = 0
    by_noise: dict[str, dict[str, int]] = {}
    for source_id, row in firsts.items():
        expected, noise = truth[source_id]
        tally = by_noise.setdefault(noise, {"linked": 0, "review": 0, "created": 0, "wrong": 0})
        outcome = row["outcome"]
        tally[outcome] = tally.get(outcome, 0) + 1
        if outcome == "linked":
            if expected is not None and by_public.get(row["child_id"]) == expected:
                right += 1
            else:
                wrong += 1
                tally["wrong"] += 1
                twin_wrong += noise == "twin"
        elif outcome == "review":
            reviews += 1
            reviewed_right += expected is not None and reviewed.get(source_id) == expected
        elif outcome == "created" and expected is not None:
            created_known += 1
    existing = sum(1 for c, _ in truth.values() if c is not None)
    return {
        "outcomes": outcomes,
        "people": len(firsts),
        "precision": round(right / (right + wrong), 4) if right + wrong else None,
        "recall": round((right + reviewed_right) / existing, 4) if existing else None,
        "review_rate": round(reviews / len(firsts), 4) if firsts else None,
        "false_links": wrong,
        "false_links_twins": twin_wrong,
        "duplicates_created": created_known,
        "by_noise": by_noise,
    }


def run_import(path: Path, source: str, report: Path, *, row_by_row: bool) -> float:
    from django.core.management import call_command

    started = time.perf_counter()
    if row_by_row:
        from django.conf import settings

        from feeds.importing import import_rows_one_by_one, read_rows, report_writer

        with path.open(newline="") as handle, report.open("w", newline="") as out:
            write = report_writer(out)
            batch: list = []
            for item in read_rows(handle, path.name):
                batch.append(item)
                if len(batch) >= settings.IMPORT_BATCH_ROWS:
                    for outcome in import_rows_one_by_one(batch, source=source, dry_run=False):
                        write(outcome)
                    batch = []
            if batch:
                for outcome in import_rows_one_by_one(batch, source=source, dry_run=False):
                    write(outcome)
    else:
        call_command(
            "import_records", str(path), "--source", source, "--report", str(report), verbosity=0
        )
    return time.perf_counter() - started


def measure(children: int, rows: int, baseline_rows: int, seed: int, workdir: Path) -> dict:
    """Import a feed with the pipeline and a small one row by row; remove both afterwards."""
    from django.db import connection

    from accounts.models import Organisation
    from records.models import IdentifierKind

    results: dict = {}
    for label, count, row_by_row in (
        ("row_by_row", baseline_rows, True),
        ("pipeline", rows, False),
    ):
        if not count:
            continue
        path = workdir / f"feed-{label}.csv"
        report = workdir / f"report-{label}.csv"
        issuer, _ = Organisation.objects.get_or_create(
            code="BENCH-NHS",
            defaults={"name": "Benchmark NHS numbers", "organisation_type": "health"},
        )
        with connection.cursor() as cursor:
            marks = _marks(cursor)
            feed = write_feed(cursor, path, children, count, seed)
            cursor.executemany(
                "INSERT INTO records_childidentifier (child_id, kind, value, issued_by_id)"
                " VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                [(c, IdentifierKind.NHS_NUMBER, v, issuer.pk) for c, v in feed["nhs_holders"]],
            )
        source = f"BENCH{label.upper()}{int(time.time())}"
        seconds = run_import(path, source, report, row_by_row=row_by_row)
        with connection.cursor() as cursor:
            scored = _score(report, feed["truth"], source, cursor, marks)
            _remove(cursor, marks)
        results[label] = {
            "rows": count,
            "seconds": round(seconds, 1),
            "records_per_s": round(count / seconds, 1),
            **scored,
        }
    pipeline = results.get("pipeline", {})
    baseline = results.get("row_by_row", {})
    if pipeline and baseline:
        results["speedup_vs_row_by_row"] = round(
            pipeline["records_per_s"] / baseline["records_per_s"], 1
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--children", type=int, default=int(os.environ.get("BENCH_CHILDREN", 100_000))
    )
    parser.add_argument("--feed-rows", type=int, default=100_000)
    parser.add_argument("--baseline-rows", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    from bench.population import ensure_population

    ensure_population(args.children)
    import django

    django.setup()
    workdir = ROOT / "var" / "bench"
    workdir.mkdir(parents=True, exist_ok=True)
    figures = measure(args.children, args.feed_rows, args.baseline_rows, args.seed, workdir)
    pipeline = figures["pipeline"]
    out = {
        "children": args.children,
        "date": datetime.date.today().isoformat(),
        "machine": f"{os.cpu_count()} cores",
        "command": " ".join(sys.argv),
        "import": figures,
        "import_records_per_s": pipeline["records_per_s"],
        "feed_rows": pipeline["rows"],
        "matching_precision": pipeline["precision"],
        "matching_recall": pipeline["recall"],
        "matching_review_rate": pipeline["review_rate"],
        "matching_false_links_twins": pipeline["false_links_twins"],
        "matching_duplicates_created": pipeline["duplicates_created"],
    }
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    path = results / f"{out['date']}-import-{args.children}.json"
    path.write_text(json.dumps(out, indent=2, default=str) + "\n")
    print(json.dumps({k: v for k, v in out.items() if k != "import"}, indent=2))
    print(f"results: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
