"""Import benchmark: the set-based pipeline on a large noisy feed, the row-by-row importer on a
small one in the same run, the same feed again (a repeated daily feed), the matching measured
against the truth, and optionally an initial load of an empty index.

    python bench/import_bench.py --children 100000 --feed-rows 100000 [--baseline-rows 1000]
    python bench/import_bench.py ... --initial-load 1000000    # and a 1M-row file, empty index
    python bench/import_bench.py --feed-rows 0 --baseline-rows 0 --initial-load 1000000

(``make bench`` runs ``measure`` as its import section.) The population is the benchmark's
own (``bench.population``, in childindex_bench_<N>). The feed describes known children (90 %)
with the noise of a second source: typos in either name, nicknames, a date one day out
(often across a month end), day and month swapped, a move, a surname change with the old
name on record, several kinds on one person, NHS numbers on a third (held by the index for
those children), the other twin of twins, and new people (10 %, some of them twice: two
rows of one id). Everything the import wrote is removed afterwards. The initial load
(``write_initial_file``) goes into a database of its own, made afresh and dropped after.

Each import reports its wall-clock rate and the machine's load average, the CPU seconds of
this process and of its PostgreSQL backend (on a shared machine the rate per CPU second
says more than the wall clock), the seconds of each phase of the pipeline, and the rate in
each tenth of the file. IMPORT_BATCH_ROWS applies as it does to ``import_records``.
"""

import argparse
import contextlib
import csv
import datetime
import gc
import json
import os
import random
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
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


def _new_person(rng: random.Random, family: str, n: int) -> dict:
    """Someone the index has never held: a rare given name and a family name of their own."""
    return {
        "given": rng.choice(["Zed", "Quill", "Wren", "Ottoline", "Caspian"]),
        "family": f"{family}{n}",
        "dob": datetime.date(2012, 1, 1) + datetime.timedelta(days=n % 3000),
        "postcode": "",
        "former": "",
    }


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
            person = _new_person(rng, "Newfamily", n)
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


def write_daily_feed(first: Path, path: Path, seed: int) -> dict[str, int]:
    """The source's next day, after ``first``: most ids sent again (70 % unchanged, 20 %
    with an involvement at another of its services from today), 10 % not sent, and new
    people (a tenth as many rows again, under new ids) who need matching. Returns the
    counts of each kind of row."""
    rng = random.Random(seed + 1)
    counts = {"unchanged": 0, "changed": 0, "new": 0}
    with first.open(newline="") as handle, path.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        rows = list(csv.DictReader(handle))
        for n, row in enumerate(rows):
            draw = rng.random()
            if draw < 0.1:
                continue
            if draw < 0.3:
                row = {**row, "service_code": f"BENCH-DAILY-{n % 7}"}
                row["involvement_start"] = "2026-12-01"
                counts["changed"] += 1
            else:
                counts["unchanged"] += 1
            writer.writerow(row)
        for n in range(len(rows) // 10):
            person = _new_person(rng, "Dailyfamily", n)
            writer.writerow(_row(f"D{n}", person, {"gender": "U"}, "", n))
            counts["new"] += 1
    return counts


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


def run_import(
    path: Path,
    source: str,
    report: Path,
    *,
    row_by_row: bool,
    timings: dict | None = None,
    marks: list | None = None,
) -> float:
    """Seconds to import ``path``: through ``feeds.pipeline.import_file`` (what
    ``import_records`` runs, here with its phases timed, and (rows done, seconds) added to
    ``marks`` after each batch) or row by row."""
    from django.conf import settings

    from feeds.importing import import_rows_one_by_one, read_rows, report_writer
    from feeds.pipeline import import_file

    started = time.perf_counter()
    done = [0]

    def progress(rows: int) -> None:
        done[0] += rows
        if marks is not None:
            marks.append((done[0], time.perf_counter() - started))

    with report.open("w", newline="") as out:
        write = report_writer(out)
        if not row_by_row:
            import_file(path, source=source, report=write, timings=timings, progress=progress)
            return time.perf_counter() - started
        with path.open(newline="") as handle:
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
    return time.perf_counter() - started


def load_average() -> list[float]:
    """The machine's 1, 5 and 15 minute load averages (other work sharing the cores)."""
    return [round(x, 1) for x in os.getloadavg()]


def phases(timings: dict[str, float], seconds: float) -> dict[str, dict[str, float]]:
    """Seconds per phase of the pipeline (wall clock, and CPU of the thread that ran it),
    with what the batches spent elsewhere (the commit and its deferred foreign-key checks)
    as ``commit``. What the second thread did while the batch before was written (the next
    batch's preparation) is apart, as ``beside`` and ``beside_cpu``: its wall clock overlaps
    the main thread's, and the main thread's ``wait_prepared`` is what it waited for it."""
    out: dict[str, dict[str, float]] = {}
    outside = ("batch", "read", "row_by_row", "wait_prepared")
    for kind, suffix in (("wall", ""), ("cpu", "_cpu")):
        values = {
            name: timings[name + suffix]
            for name in timings
            if not name.endswith("_cpu") and name + suffix in timings
        }
        beside = {
            k.removeprefix("beside_"): v for k, v in values.items() if k.startswith("beside_")
        }
        values = {k: v for k, v in values.items() if not k.startswith("beside_")}
        inside = sum(v for k, v in values.items() if k not in outside)
        out[kind] = {k: round(v, 2) for k, v in sorted(values.items()) if k != "batch"}
        out[kind]["commit"] = round(values.get("batch", 0.0) - inside, 2)
        if beside:
            out[f"beside{suffix}"] = {k: round(v, 2) for k, v in sorted(beside.items())}
    out["wall"]["unaccounted"] = round(
        seconds
        - timings.get("batch", 0.0)
        - timings.get("read", 0.0)
        - timings.get("wait_prepared", 0.0),
        2,
    )
    return out


def backend_cpu(cursor) -> float:
    """CPU seconds used so far by this connection's PostgreSQL backend (Linux /proc), or
    nan where that cannot be read (another machine's server)."""
    cursor.execute("SELECT pg_backend_pid()")
    pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _timed_import(path: Path, source: str, report: Path, *, row_by_row: bool, rows: int) -> dict:
    """Import ``path`` and say how long it took, with the CPU seconds of this process and of
    its PostgreSQL backend and the machine's load average (other work sharing the cores)."""
    from django.db import connection

    timings: dict[str, float] = {}
    load_before = load_average()
    with connection.cursor() as cursor:
        pg_before = backend_cpu(cursor)
    # The harness's own objects (the feed's truth: a million entries) out of the garbage
    # collector's sight, as in import_records, which holds none of them.
    gc.collect()
    gc.freeze()
    cpu_before = time.process_time()
    marks: list[tuple[int, float]] = []
    try:
        seconds = run_import(
            path, source, report, row_by_row=row_by_row, timings=timings, marks=marks
        )
    finally:
        gc.unfreeze()
    cpu = time.process_time() - cpu_before
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with connection.cursor() as cursor:
        pg_cpu = backend_cpu(cursor) - pg_before
    return {
        "rows": rows,
        "seconds": round(seconds, 1),
        "records_per_s": round(rows / seconds, 1),
        "load_average_before": load_before,
        "load_average_after": load_average(),
        # On a machine shared with other work the CPU seconds say more than the wall clock.
        "python_cpu_seconds": round(cpu, 1),
        "postgres_cpu_seconds": round(pg_cpu, 1),
        # The second process's Python (its database backend is not counted).
        "beside_python_cpu_seconds": round(timings.get("beside_prepare_cpu", 0.0), 1),
        "records_per_cpu_s": round(
            rows / (cpu + timings.get("beside_prepare_cpu", 0.0) + pg_cpu), 1
        ),
        "max_rss_mb": round(rss / 1024),  # this process's peak so far (Linux: kB)
        **({"phases": phases(timings, seconds)} if timings else {}),
        **({"records_per_s_by_tenth": by_tenth(marks, rows)} if len(marks) >= 10 else {}),
    }


def overlap_ab(children: int, rows: int, seed: int, workdir: Path) -> dict:
    """One first feed imported twice into the same index, each time removed afterwards:
    batch after batch (``IMPORT_OVERLAP`` off), then with the next batch matched in the
    second process. The overlap's gain, measured in one run on one machine."""
    from django.conf import settings
    from django.db import connection

    from accounts.models import Organisation
    from records.models import IdentifierKind

    path = workdir / "feed-overlap-ab.csv"
    issuer, _ = Organisation.objects.get_or_create(
        code="BENCH-NHS",
        defaults={"name": "Benchmark NHS numbers", "organisation_type": "health"},
    )
    out: dict = {}
    with connection.cursor() as cursor:
        marks = _marks(cursor)
        feed = write_feed(cursor, path, children, rows, seed)
        holders = [(c, IdentifierKind.NHS_NUMBER, v, issuer.pk) for c, v in feed["nhs_holders"]]
        out["prewarm"] = prewarm(cursor)
    before = settings.IMPORT_OVERLAP
    try:
        for label, overlap in (("sequential", False), ("overlapped", True)):
            settings.IMPORT_OVERLAP = overlap
            with connection.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO records_childidentifier (child_id, kind, value, issued_by_id)"
                    " VALUES (%s, %s, %s, %s) ON CONFLICT DO NOTHING",
                    holders,
                )
            source = f"BENCHAB{label.upper()}{int(time.time())}"
            report = workdir / f"report-overlap-ab-{label}.csv"
            out[label] = _timed_import(path, source, report, row_by_row=False, rows=rows)
            with connection.cursor() as cursor:
                out[label].update(_score(report, feed["truth"], source, cursor, marks))
                _remove(cursor, marks)
    finally:
        settings.IMPORT_OVERLAP = before
    out["speedup"] = round(
        out["overlapped"]["records_per_s"] / out["sequential"]["records_per_s"], 2
    )
    return out


def by_tenth(marks: list[tuple[int, float]], rows: int) -> list[float]:
    """Rows per second in each tenth of the file (does the rate fall as the index grows?)."""
    rates, last_rows, last_seconds = [], 0, 0.0
    for tenth in range(1, 11):
        target = rows * tenth / 10
        done, seconds = next(((r, s) for r, s in marks if r >= target), marks[-1])
        if seconds > last_seconds:
            rates.append(round((done - last_rows) / (seconds - last_seconds), 1))
        last_rows, last_seconds = done, seconds
    return rates


def fan_out(path: Path, people: int = 2000) -> float:
    """Candidate children per person (the blocking join's pairs) for the first ``people``
    valid rows of ``path``, against the index as it stands: what scoring has to weigh."""
    from django.conf import settings
    from django.db import connection, transaction

    from feeds import candidates as blocking
    from feeds.importing import RowError, parse, read_rows
    from feeds.matching import name_frequencies, person_facts

    facts = {}
    with path.open(newline="") as handle:
        for _, row in read_rows(handle, path.name):
            with contextlib.suppress(RowError):
                facts[len(facts)] = person_facts(parse(row).person)
            if len(facts) >= people:
                break
    frequencies = name_frequencies(fresh=True)
    with transaction.atomic(), connection.cursor() as cursor:
        found = blocking.candidate_ids(
            cursor, facts, frequencies=frequencies, review_score=settings.MATCH_REVIEW_SCORE
        )
    return round(sum(len(ids) for ids in found.values()) / max(len(facts), 1), 2)


# What an import reads (the names' blocking indexes, the candidates' facts) and the indexes
# its writes go into: read into the operating system's cache before a measured import, as a
# running service holds them, so that the figure is the steady state and not the first
# reads from disk after a load.
WARM_TABLES = [
    "records_childname",
    "records_child",
    "records_address",
    "records_childidentifier",
    "feeds_sourcerecord",
]
WARM_INDEXES_OF = ["involvements_involvement", "involvements_service", "feeds_reviewitem"]


def prewarm(cursor) -> dict:
    """Read WARM_TABLES and their indexes, and the indexes of WARM_INDEXES_OF, into the OS
    cache with pg_prewarm; {"seconds", "megabytes"}, or {"skipped": why} where the
    extension is not there to create (a server the benchmark does not own)."""
    from django.db import DatabaseError

    started = time.perf_counter()
    try:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
    except DatabaseError as error:  # a figure without the warm-up, and the file says so
        return {"skipped": str(error).splitlines()[0]}
    cursor.execute(
        "SELECT c.oid FROM pg_class c WHERE c.relname = ANY(%s)"
        " UNION SELECT i.indexrelid FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid"
        " WHERE t.relname = ANY(%s)",
        [WARM_TABLES, WARM_TABLES + WARM_INDEXES_OF],
    )
    blocks = 0
    for (oid,) in cursor.fetchall():
        cursor.execute("SELECT pg_prewarm(%s, 'read')", [oid])
        blocks += cursor.fetchone()[0]
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "megabytes": round(blocks * 8192 / 2**20),
    }


def measure(children: int, rows: int, baseline_rows: int, seed: int, workdir: Path) -> dict:
    """Import a feed with the pipeline and a small one row by row, then the pipeline's feed
    again (every person known, nothing changed: a repeated daily feed); remove it all."""
    from django.conf import settings
    from django.db import connection

    from accounts.models import Organisation
    from records.models import IdentifierKind

    results: dict = {"batch_rows": settings.IMPORT_BATCH_ROWS}
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
        with connection.cursor() as cursor:
            results.setdefault("prewarm", prewarm(cursor))
        pairs = fan_out(path)
        figures = _timed_import(path, source, report, row_by_row=row_by_row, rows=count)
        figures["candidates_per_person"] = pairs
        with connection.cursor() as cursor:
            figures.update(_score(report, feed["truth"], source, cursor, marks))
        if not row_by_row:
            repeat = workdir / f"report-{label}-repeat.csv"
            results["repeat"] = _timed_import(path, source, repeat, row_by_row=False, rows=count)
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM records_child WHERE id > %s", [marks["records_child"]]
                )
                results["repeat"]["children_created"] = (
                    cursor.fetchone()[0] - figures["outcomes"]["created"]
                )
            # The next day's feed: mostly known ids, some changed, some new people.
            daily = workdir / f"feed-{label}-daily.csv"
            kinds = write_daily_feed(path, daily, seed)
            results["daily"] = _timed_import(
                daily,
                source,
                workdir / f"report-{label}-daily.csv",
                row_by_row=False,
                rows=sum(kinds.values()),
            )
            results["daily"]["rows_by_kind"] = kinds
        with connection.cursor() as cursor:
            _remove(cursor, marks)
        results[label] = figures
    pipeline = results.get("pipeline", {})
    baseline = results.get("row_by_row", {})
    if pipeline and baseline:
        results["speedup_vs_row_by_row"] = round(
            pipeline["records_per_s"] / baseline["records_per_s"], 1
        )
    return results


# -- initial load of an empty index ---------------------------------------------------------

INITIAL_DATABASE = "childindex_bench_initial"
INITIAL_COLUMNS = [*COLUMNS, "address_line"]


def write_initial_file(path: Path, rows: int, seed: int) -> dict:
    """A source's first full extract, for an index that holds no one yet.

    Households of one to three children (about 2 % twins: same family name and birthday),
    given and family names with British frequencies (bench/names.py, so same-name
    same-birthday children occur by chance too), dates of birth over 0-17 years, a
    postcode per household, NHS numbers on a third. About 1.3 rows a person (a second
    involvement), the second row somewhere in the next 20,000 rows, so one person's rows
    fall in different batches. 1 % of people are sent again under a second id (``D...``)
    with a typo or a nickname: the source's own duplicates. 0.1 % of rows are malformed
    (ids ``X...``). Returns counts only, so that the benchmark's memory is the import's.
    """
    import heapq

    import numpy as np

    from bench.names import family_names, given_names
    from bench.queries import typo

    rng = random.Random(seed)
    pick = np.random.default_rng(seed)
    boys, boy_w, girls, girl_w = given_names()
    families, family_w = family_names()
    today = datetime.date(2026, 11, 1)
    later: list[tuple[int, int, dict]] = []  # (row number to write at, tie, row)
    counts = {"rows": 0, "people": 0, "second_ids": 0, "bad_rows": 0}
    chunk = 4096

    def draws() -> Iterator[tuple[int, int, int]]:
        p_family = np.array(family_w) / sum(family_w)
        p_boy, p_girl = np.array(boy_w) / sum(boy_w), np.array(girl_w) / sum(girl_w)
        while True:
            fam = pick.choice(len(families), size=chunk, p=p_family)
            boy = pick.choice(len(boys), size=chunk, p=p_boy)
            girl = pick.choice(len(girls), size=chunk, p=p_girl)
            yield from zip(fam.tolist(), boy.tolist(), girl.tolist(), strict=True)

    names = draws()
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=INITIAL_COLUMNS)
        writer.writeheader()

        def write(row: dict) -> None:
            counts["rows"] += 1
            writer.writerow(row)
            if row["source_id"].startswith("D"):
                counts["second_ids"] += 1
                counts["people"] += 1
            if counts["rows"] < rows and rng.random() < 0.001:
                counts["rows"] += 1
                counts["bad_rows"] += 1
                writer.writerow({**row, "source_id": f"X{counts['rows']}", "gender": "Q"})
            while later and later[0][0] <= counts["rows"] < rows:
                write(heapq.heappop(later)[2])

        person = 0
        while counts["rows"] < rows:
            family_index, _, _ = next(names)
            family = families[family_index]
            postcode = f"{rng.choice('BMLSEN')}{rng.randint(1, 40)} {rng.randint(1, 9)}"
            postcode += rng.choice("ABDEFGHJLNPQRSTUWXYZ") + rng.choice("ABDEFGHJLNPQRSTUWXYZ")
            born = today - datetime.timedelta(days=rng.randint(0, 17 * 365))
            for child in range(rng.choice([1, 1, 2, 2, 3])):
                if counts["rows"] >= rows:
                    break
                if child and rng.random() > 0.05:  # an older sibling; else a twin
                    born -= datetime.timedelta(days=rng.randint(400, 1500))
                _, boy, girl = next(names)
                gender = rng.choice("MF")
                given = boys[boy] if gender == "M" else girls[girl]
                person += 1
                counts["people"] += 1
                district = postcode.split(" ")[0]
                row = {
                    "source_id": f"I{person}",
                    "given_name": given,
                    "family_name": family,
                    "former_family_names": "",
                    "date_of_birth": born.isoformat(),
                    "gender": gender,
                    "postcode": postcode,
                    "address_line": f"{rng.randint(1, 200)} {family} Road",
                    "nhs_number": nhs_number(person * 7919) if rng.random() < 0.33 else "",
                    "service_code": f"INIT-SCH-{district}",
                    "service_name": f"{district} School",
                    "service_type": "school",
                    "involvement_start": "2026-09-01",
                }
                at = counts["rows"]
                write(row)
                if rng.random() < 0.3:  # a GP as well, further on in the file
                    gp = {**row, "service_code": f"INIT-GP-{district}", "service_type": "gp"}
                    gp["service_name"] = f"{district} Medical Practice"
                    heapq.heappush(later, (at + rng.randint(1, 20_000), person, gp))
                if rng.random() < 0.01:  # the source's own duplicate, under a second id
                    again = {**row, "source_id": f"D{person}", "nhs_number": ""}
                    if rng.random() < 0.5:
                        again["family_name"] = typo(family, rng)
                    else:
                        again["given_name"] = NICKNAMES.get(given.lower(), typo(given, rng))
                    heapq.heappush(later, (at + rng.randint(1, 20_000), -person, again))
    return counts


def initial_load(rows: int, seed: int, workdir: Path) -> dict:
    """Import a generated file of ``rows`` rows into an empty index (its own database,
    made afresh and dropped after) and check that each person of the file became one
    child: every row of an id on the same child, and one child per id."""
    import psycopg

    from bench.population import server_url, use_database

    base = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/childindex")
    with psycopg.connect(server_url(base), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{INITIAL_DATABASE}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{INITIAL_DATABASE}"')
    use_database(INITIAL_DATABASE)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.db import connection

    path = workdir / "initial.csv"
    report = workdir / "report-initial.csv"
    truth = write_initial_file(path, rows, seed)
    figures = _timed_import(path, "INITIAL", report, row_by_row=False, rows=truth["rows"])
    # The same people against the full index: how far the blocking join fans out at its size.
    figures["candidates_per_person_at_end"] = fan_out(path)
    with connection.cursor() as cursor:  # the report checked in the database, not in memory
        cursor.execute(
            "CREATE TEMP TABLE report (line int, source_id text, outcome text, child_id text,"
            " score text, reason text)"
        )
        with (
            report.open("rb") as handle,
            cursor.copy("COPY report FROM STDIN (FORMAT csv, HEADER true)") as copy,
        ):
            while data := handle.read(1 << 20):
                copy.write(data)
        cursor.execute("SELECT outcome, count(*) FROM report GROUP BY outcome")
        outcomes = dict(cursor.fetchall())
        cursor.execute(
            "SELECT count(*) FILTER (WHERE children > 1), count(*) FROM"
            " (SELECT count(DISTINCT child_id) AS children FROM report WHERE child_id <> ''"
            " GROUP BY source_id) AS ids"
        )
        split, with_child = cursor.fetchone()
        counted = {}
        for table in ("records_child", "feeds_reviewitem", "involvements_involvement"):
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608  # nosec B608
            counted[table] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(DISTINCT source_id) FILTER (WHERE source_id LIKE 'D%%'),"
            " count(DISTINCT source_id) FROM feeds_sourceduplicate"
        )
        second_flagged, flagged = cursor.fetchone()
    connection.close()
    with psycopg.connect(server_url(base), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{INITIAL_DATABASE}" WITH (FORCE)')
    children, reviews = counted["records_child"], counted["feeds_reviewitem"]
    people = with_child + reviews
    figures.update(
        {
            "outcomes": outcomes,
            "people_in_file": truth["people"],
            "bad_rows": truth["bad_rows"],
            "children_created": children,
            "reviews": reviews,
            "involvements": counted["involvements_involvement"],
            # Within-file dedupe: every id's rows on one child, one child per id.
            "ids_split_over_children": split,
            "children_per_person": round(children / people, 4) if people else None,
            "second_ids_flagged": second_flagged,
            "second_ids_in_file": truth["second_ids"],
            "other_ids_flagged": flagged - second_flagged,
        }
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--children", type=int, default=int(os.environ.get("BENCH_CHILDREN", 100_000))
    )
    parser.add_argument("--feed-rows", type=int, default=100_000)
    parser.add_argument("--baseline-rows", type=int, default=1_000)
    parser.add_argument(
        "--initial-load",
        type=int,
        default=0,
        metavar="ROWS",
        help="also import a generated file of ROWS rows into an empty index",
    )
    parser.add_argument(
        "--overlap-ab",
        type=int,
        default=0,
        metavar="ROWS",
        help="also import a ROWS-row first feed batch after batch and overlapped, one run",
    )
    parser.add_argument("--initial-load-run", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    workdir = ROOT / "var" / "bench"
    workdir.mkdir(parents=True, exist_ok=True)
    if args.initial_load_run:  # the initial load's own process (its own database)
        print(json.dumps(initial_load(args.initial_load_run, args.seed, workdir), default=str))
        return

    out: dict = {
        "children": args.children,
        "date": datetime.date.today().isoformat(),
        "machine": f"{os.cpu_count()} cores",
        "command": " ".join(sys.argv),
    }
    if args.feed_rows or args.baseline_rows:
        from bench.population import ensure_population

        base_url = os.environ.get("DATABASE_URL", "")
        ensure_population(args.children)
        import django

        django.setup()
        figures = measure(args.children, args.feed_rows, args.baseline_rows, args.seed, workdir)
        out["import"] = figures
        if "pipeline" in figures:
            pipeline = figures["pipeline"]
            out.update(
                {
                    "import_records_per_s": pipeline["records_per_s"],
                    "feed_rows": pipeline["rows"],
                    "import_batch_rows": figures["batch_rows"],
                    "import_records_per_cpu_s": pipeline["records_per_cpu_s"],
                    "import_repeat_records_per_s": figures["repeat"]["records_per_s"],
                    "import_daily_records_per_s": figures["daily"]["records_per_s"],
                    "import_speedup_vs_row_by_row": figures.get("speedup_vs_row_by_row"),
                    "import_load_average": pipeline["load_average_before"],
                    "import_max_rss_mb": pipeline["max_rss_mb"],
                    "matching_precision": pipeline["precision"],
                    "matching_recall": pipeline["recall"],
                    "matching_review_rate": pipeline["review_rate"],
                    "matching_false_links_twins": pipeline["false_links_twins"],
                    "matching_duplicates_created": pipeline["duplicates_created"],
                }
            )
        os.environ["DATABASE_URL"] = base_url
    if args.overlap_ab:
        from bench.population import ensure_population

        base_url = os.environ.get("DATABASE_URL", "")
        ensure_population(args.children)
        import django

        django.setup()
        ab = out["overlap_ab"] = overlap_ab(args.children, args.overlap_ab, args.seed, workdir)
        out.update(
            {
                "import_overlap_ab_rows": args.overlap_ab,
                "import_sequential_records_per_s": ab["sequential"]["records_per_s"],
                "import_overlapped_records_per_s": ab["overlapped"]["records_per_s"],
                "import_overlap_speedup": ab["speedup"],
            }
        )
        os.environ["DATABASE_URL"] = base_url
    if args.initial_load:
        done = subprocess.run(  # noqa: S603  # nosec B603
            [sys.executable, __file__, "--initial-load-run", str(args.initial_load)]
            + ["--seed", str(args.seed)],
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
        initial = json.loads(done.stdout.strip().splitlines()[-1])
        out["initial_load"] = initial
        out.update(
            {
                "initial_load_rows": initial["rows"],
                "initial_load_seconds": initial["seconds"],
                "initial_load_records_per_s": initial["records_per_s"],
                "initial_load_children": initial["children_created"],
                "initial_load_ids_split": initial["ids_split_over_children"],
                "initial_load_load_average": initial["load_average_before"],
                "initial_load_records_per_cpu_s": initial["records_per_cpu_s"],
                "initial_load_max_rss_mb": initial["max_rss_mb"],
            }
        )
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    if "import" in out:
        name = f"{args.children}"
    elif "overlap_ab" in out:
        name = f"overlap-{args.children}"
    else:
        name = f"initial-{args.initial_load}"
    path = results / f"{out['date']}-import-{name}.json"
    path.write_text(json.dumps(out, indent=2, default=str) + "\n")
    print(
        json.dumps(
            {k: v for k, v in out.items() if k not in ("import", "initial_load", "overlap_ab")},
            indent=2,
        )
    )
    print(f"results: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
