"""National-scale benchmark: search, record page, load, import and audit at N children.

    make bench                                    # 1,000,000 children (the default)
    make bench BENCH_CHILDREN=11000000            # all of England
    .venv/bin/python bench/national_bench.py --children 100000 --quick

Everything is measured in one run and written to bench/results/<date>-<children>.json;
docs/performance.md's results table and the charts in docs/images/ are redrawn from it.
The population is loaded once (bench/population.py) and reused while unchanged.
"""

import argparse
import csv
import datetime
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "childindex.settings")
# Pages render without collectstatic's manifest; the rate limit would stop a load test.
os.environ.setdefault(
    "STATICFILES_BACKEND", "django.contrib.staticfiles.storage.StaticFilesStorage"
)
os.environ.setdefault("SEARCH_RATE_LIMIT", "1000000/m")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
RESULTS = ROOT / "bench" / "results"
BENCH_USER = "bench-practitioner"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def summary(ms: list[float]) -> dict:
    return {
        "n": len(ms),
        "p50_ms": round(pct(ms, 0.5), 2),
        "p95_ms": round(pct(ms, 0.95), 2),
        "p99_ms": round(pct(ms, 0.99), 2),
    }


# -- setup inside the benchmark database ---------------------------------------------------


def bench_user():
    from accounts.models import User
    from accounts.roles import Role
    from tests.factories import make_organisation, make_user

    user = User.objects.filter(username=BENCH_USER).first()
    if user is None:
        user = make_user(
            BENCH_USER, roles=(Role.PRACTITIONER,), organisation=make_organisation("BENCH")
        )
    return user


def bench_accounts(count: int) -> list[dict]:
    """Practitioner accounts for the load test, each with its own authenticator (a TOTP
    code may be used once, so every simulated user signs in as a different account)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.models import Organisation, User
    from accounts.roles import Role
    from tests.factories import PASSWORD, make_user

    organisation = Organisation.objects.get(code="BENCH")
    accounts = []
    for number in range(count):
        username = f"bench-load-{number}"
        user = User.objects.filter(username=username).first() or make_user(
            username, roles=(Role.PRACTITIONER,), organisation=organisation
        )
        device = TOTPDevice.objects.get(user=user)
        accounts.append({"username": username, "password": PASSWORD, "key": device.key})
    return accounts


def child_with_involvements(count: int):
    """A child known to ``count`` services (made once and kept in the benchmark database)."""
    from involvements.models import Involvement, Service
    from records.models import Child
    from records.services import CarerInput
    from tests.factories import make_child

    family = f"Benchmarkchild{count}"
    child = Child.objects.filter(family_name=family).first()
    if child is None:
        child = make_child(
            "Robin",
            family,
            datetime.date(2014, 6, 1),
            carers=[CarerInput(name=f"Alex {family}", relationship="Parent", phone="07700 900123")],
        )
        services = list(Service.objects.filter(service_type="voluntary")[:count])
        Involvement.objects.bulk_create(
            Involvement(
                child=child,
                service=services[i % len(services)],
                role="Family support worker",
                start_date=datetime.date(2025, 1, 1) + datetime.timedelta(days=i),
            )
            for i in range(count)
        )
    return child


# -- measurements --------------------------------------------------------------------------


def search_latency(user, queries, cap: int) -> tuple[dict, dict]:
    from records.search import search_children

    by_category: dict[str, list[float]] = {}
    rank: dict[str, list[int | None]] = {}
    for query in queries:
        started = time.perf_counter()
        outcome = search_children(user=user, criteria=query.criteria, cap=cap)
        elapsed = (time.perf_counter() - started) * 1000
        by_category.setdefault(query.category, []).append(elapsed)
        if outcome.more_than_cap and not outcome.matches:  # "too many: add the date of birth"
            by_category.setdefault("over_broad_answer", []).append(elapsed)
        ids = [m.child.id for m in outcome.matches]
        rank.setdefault(query.category, []).append(
            ids.index(query.child_id) if query.child_id in ids else None
        )
    return by_category, rank


def naive_search(criteria, cap: int):
    """What a first attempt would do: case-insensitive substring matches with the ORM."""
    from records.models import Child

    children = Child.objects.all()
    if criteria.given_name:
        children = children.filter(given_name__icontains=criteria.given_name)
    if criteria.family_name:
        children = children.filter(family_name__icontains=criteria.family_name)
    if criteria.date_of_birth:
        children = children.filter(date_of_birth=criteria.date_of_birth)
    if criteria.birth_year:
        children = children.filter(date_of_birth__year=criteria.birth_year)
    if criteria.birth_month:
        children = children.filter(date_of_birth__month=criteria.birth_month)
    if criteria.postcode:
        children = children.filter(addresses__postcode__icontains=criteria.postcode)
    return list(children.order_by("family_name", "given_name")[:cap])


def naive_latency(queries, cap: int) -> tuple[dict, dict]:
    by_category: dict[str, list[float]] = {}
    rank: dict[str, list[int | None]] = {}
    for query in queries:
        started = time.perf_counter()
        found = [c.id for c in naive_search(query.criteria, cap)]
        by_category.setdefault(query.category, []).append((time.perf_counter() - started) * 1000)
        rank.setdefault(query.category, []).append(
            found.index(query.child_id) if query.child_id in found else None
        )
    return by_category, rank


def record_page(user, children: list, repeats: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from tests.factories import signed_in_client

    client = signed_in_client(user)
    out = {}
    for label, child in children:
        url = reverse("records:child", kwargs={"public_id": child.public_id})
        client.post(url, {"reason": "coordination"})
        response = client.get(url)
        assert response.status_code == 200, (response.status_code, response.content[:300])
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        query_count = len(queries.captured_queries)  # now: the next request clears the log
        timings = []
        for _ in range(repeats):
            started = time.perf_counter()
            client.get(url)
            timings.append((time.perf_counter() - started) * 1000)
        out[label] = {**summary(timings), "queries": query_count}
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    def __init__(self, workers: int):
        self.port = free_port()
        env = {
            **os.environ,
            "SEARCH_RATE_LIMIT": "1000000/m",
            "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        }
        self.process = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/gunicorn"),
                "childindex.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(workers),
                "--log-level",
                "warning",
                "--no-control-socket",
            ],
            cwd=ROOT,
            env=env,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("gunicorn did not start")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


_accounts_used = 0


def locust(host: str, workdir: Path, users: int, seconds: int, mix: str) -> dict:
    """A headless locust run; each run signs in with accounts no earlier run used."""
    global _accounts_used
    prefix = workdir / f"locust-{mix}-{users}-{_accounts_used}"
    env = {
        **os.environ,
        "BENCH_DIR": str(workdir),
        "BENCH_MIX": mix,
        "BENCH_ACCOUNT_OFFSET": str(_accounts_used),
    }
    _accounts_used += users
    subprocess.run(
        [
            str(ROOT / ".venv/bin/locust"),
            "-f",
            str(ROOT / "bench/locustfile.py"),
            "--headless",
            "-u",
            str(users),
            "-r",
            str(users),
            "-t",
            f"{seconds}s",
            "--host",
            host,
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "ERROR",
            # Count from when every user has signed in (Argon2 is slow by design).
            "--reset-stats",
        ],
        cwd=ROOT,
        env=env,
        check=False,
        capture_output=True,
    )
    rows = {}
    with open(f"{prefix}_stats.csv") as handle:
        for row in csv.DictReader(handle):
            rows[row["Name"]] = row
    out = {"users": users, "seconds": seconds, "mix": mix}
    for name, row in rows.items():
        key = name.lower().replace(" ", "_")
        out[key] = {
            "requests": int(row["Request Count"]),
            "failures": int(row["Failure Count"]),
            "per_s": round(float(row["Requests/s"]), 1),
            "p50_ms": float(row["50%"]),
            "p95_ms": float(row["95%"]),
            "p99_ms": float(row["99%"]),
        }
    return out


def import_feed(children: int, rows: int, seed: int, workdir: Path, splink: bool = True) -> dict:
    """Import a hostile feed (bench/hostile.py: the noise of matching_quality, about ``rows``
    people of the population, 10 % new) and score the matching against the truth; Splink
    links the same feed to the same index beside it. The import is removed afterwards."""
    from django.core.management import call_command
    from django.db import connection

    from bench.hostile import (
        hostile_feed,
        import_outcomes,
        index_extract,
        plant_nhs_numbers,
        recall_ceiling,
        write_feed_csv,
    )
    from bench.splink_baseline import splink_baseline
    from feeds.quality import score

    tables = [
        "records_child",
        "records_childname",
        "records_address",
        "involvements_involvement",
        "involvements_service",
        "feeds_sourcerecord",
        "feeds_reviewitem",
        "feeds_importjob",
        "records_childidentifier",
    ]
    with connection.cursor() as cursor:
        before = {}
        for table in tables:
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
            before[table] = cursor.fetchone()[0]
        people = index_extract(cursor, children, int(rows * 0.95), seed)
        planted = plant_nhs_numbers(cursor, people)
        cursor.execute("SELECT coalesce(max(id), 0) FROM records_childidentifier")
        index_as_planted = {**before, "records_childidentifier": cursor.fetchone()[0]}
    feed = hostile_feed(people, rows, seed)
    path = workdir / "feed.csv"
    csv_rows = write_feed_csv(path, feed)
    report = workdir / "feed-report.csv"
    source = f"BENCH{int(time.time())}"
    started = time.perf_counter()
    call_command(
        "import_records", str(path), "--source", source, "--report", str(report), verbosity=0
    )
    seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        pairs = import_outcomes(cursor, report, feed, source)
    quality = score(pairs, people)
    outcomes: dict[str, int] = {}
    with open(report) as handle:
        for row in csv.DictReader(handle):
            outcomes[row["outcome"]] = outcomes.get(row["outcome"], 0) + 1
    with connection.cursor() as cursor:
        # The ceiling and Splink see the index as it was before the import (with the
        # planted NHS numbers, without what the import added).
        cursor.execute("SET session_replication_role = replica")
        for table in tables:
            cursor.execute(f"DELETE FROM {table} WHERE id > %s", [index_as_planted[table]])
        cursor.execute("SET session_replication_role = origin")
        print("recall ceiling...", flush=True)
        ceiling = recall_ceiling(cursor, pairs)
    baseline: dict = {}
    if splink:
        print(f"splink baseline ({len(feed)} people)...", flush=True)
        with connection.cursor() as cursor:
            baseline = splink_baseline(cursor, feed, people, workdir)
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        for table in tables:
            cursor.execute(f"DELETE FROM {table} WHERE id > %s", [before[table]])
        cursor.execute("SET session_replication_role = origin")
    return {
        "rows": csv_rows,
        "people": len(feed),
        "nhs_numbers_planted": planted,
        "seconds": round(seconds, 1),
        "records_per_s": round(csv_rows / seconds, 1),
        "outcomes": outcomes,
        **quality.as_dict(),
        **ceiling,
        **baseline,
    }


def audit_figures(workdir: Path, events: int) -> dict:
    out = workdir / "audit.json"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench/audit_bench.py"),
            "--events",
            str(events),
            "--json",
            str(out),
        ],
        cwd=ROOT,
        check=True,
        env={**os.environ, "DATABASE_URL": os.environ["BASE_DATABASE_URL"]},
    )
    return json.loads(out.read_text())


# -- the run -------------------------------------------------------------------------------


SECTIONS = ("search", "http", "import", "matching", "audit")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--children", type=int, default=int(os.environ.get("BENCH_CHILDREN", 1_000_000))
    )
    parser.add_argument("--quality", type=int, default=750, help="queries per error category")
    parser.add_argument("--latency", type=int, default=200, help="queries per shape")
    parser.add_argument("--naive", type=int, default=25, help="naive queries per shape")
    parser.add_argument("--feed-rows", type=int, default=100_000)
    parser.add_argument(
        "--quality-rows", type=int, default=20_000, help="people in the hostile matching feed"
    )
    parser.add_argument(
        "--baseline-rows", type=int, default=500, help="rows for the row-by-row importer"
    )
    parser.add_argument("--load-seconds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument(
        "--soak", type=int, default=0, help="also run the mixed load this many seconds"
    )
    parser.add_argument("--soak-users", type=int, default=24)
    parser.add_argument("--audit-events", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="small samples, for trying it out")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--sections",
        default=",".join(SECTIONS),
        help=f"comma-separated, of {', '.join(SECTIONS)} (all by default); a run of some "
        "sections writes only their figures, and bench/report.py shows the newest of each",
    )
    args = parser.parse_args()
    sections = set(args.sections.split(","))
    if sections - set(SECTIONS):
        parser.error(f"unknown sections: {', '.join(sorted(sections - set(SECTIONS)))}")
    if args.quick:
        args.quality, args.latency, args.naive = 100, 30, 5
        args.feed_rows, args.load_seconds, args.audit_events = 5000, 8, 100_000
        args.quality_rows = 2000
        args.baseline_rows = 200

    from bench.population import ensure_population

    os.environ["BASE_DATABASE_URL"] = os.environ.get("DATABASE_URL", "")
    population = ensure_population(args.children)

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    from bench.queries import QUALITY, latency_queries, quality_queries

    started_run = time.time()
    cap = settings.SEARCH_RESULT_CAP
    user = bench_user()
    results: dict = {
        "children": args.children,
        "date": datetime.date.today().isoformat(),
        "machine": f"{os.cpu_count()} cores",
        "population": population,
        "sections": [name for name in SECTIONS if name in sections],
    }
    workdir = Path(tempfile.mkdtemp(prefix="childindex-bench-"))
    if "search" in sections or "http" in sections:
        print("queries...", flush=True)
        with connection.cursor() as cursor:
            quality = quality_queries(cursor, args.children, args.quality, args.seed)
            mix = latency_queries(cursor, args.children, args.latency, args.seed)

        # Warm the caches the way a running service would be warm.
        search_latency(user, mix[: len(mix) // 4], cap)

        print(f"search latency ({len(mix)} queries)...", flush=True)
        times, _ = search_latency(user, mix, cap)
        results["search_latency"] = {k: summary(v) for k, v in times.items()}
        full_dob = [t for k in ("exact", "typo", "nickname", "former") for t in times.get(k, [])]
        results["search_p95_ms_full_dob"] = round(pct(full_dob, 0.95), 2)
        results["search_p50_ms_full_dob"] = round(pct(full_dob, 0.5), 2)
        results["search_p95_ms_year_only"] = round(pct(times["year_only"], 0.95), 2)
        results["search_p95_ms_name_only"] = round(pct(times["name_only"], 0.95), 2)
        results["over_broad_p95_ms"] = round(pct(times.get("over_broad_answer", []), 0.95), 2)
        results["search_p95_ms_all"] = round(
            pct([t for k, v in times.items() if k != "over_broad_answer" for t in v], 0.95), 2
        )

        print(f"search quality ({len(quality)} queries)...", flush=True)
        _, ranks = search_latency(user, quality, cap)
        per_category = {}
        for category in QUALITY:
            found = ranks.get(category, [])
            per_category[category] = {
                "n": len(found),
                "recall_at_10": round(sum(r is not None and r < 10 for r in found) / len(found), 4),
                "top1": round(sum(r == 0 for r in found) / len(found), 4),
            }
        all_ranks = [r for v in ranks.values() for r in v]
        results["quality"] = per_category
        results["quality_queries"] = len(all_ranks)
        results["recall_at_10"] = round(
            sum(r is not None and r < 10 for r in all_ranks) / len(all_ranks), 4
        )
        results["top1_full_dob"] = round(sum(r == 0 for r in all_ranks) / len(all_ranks), 4)

        print("naive baseline...", flush=True)
        sample = []
        for category in {q.category for q in mix}:
            sample += [q for q in mix if q.category == category][: args.naive]
        naive_times, naive_ranks = naive_latency(sample, cap)
        ours_same, _ = search_latency(user, sample, cap)
        results["naive_latency"] = {k: summary(v) for k, v in naive_times.items()}
        naive_all = [t for v in naive_times.values() for t in v]
        ours_all = [t for v in ours_same.values() for t in v]
        results["naive_p95_ms"] = round(pct(naive_all, 0.95), 2)
        results["ours_p95_ms_same_sample"] = round(pct(ours_all, 0.95), 2)
        results["speedup_vs_naive"] = round(
            statistics.mean(naive_all) / statistics.mean(ours_all), 1
        )
        results["speedup_vs_naive_p95"] = round(pct(naive_all, 0.95) / pct(ours_all, 0.95), 1)
        naive_found = [r for v in naive_ranks.values() for r in v]
        results["naive_recall_at_10"] = round(
            sum(r is not None for r in naive_found) / len(naive_found), 4
        )
        results["naive_recall_by_category"] = {
            k: round(sum(r is not None for r in v) / len(v), 4) for k, v in naive_ranks.items()
        }

        print("record page...", flush=True)
        from records.models import Child

        ordinary = Child.objects.filter(id=mix[0].child_id).first()
        many = child_with_involvements(40)
        from involvements.models import Involvement

        two = (
            Child.objects.get(
                id=Involvement.objects.values("child_id").order_by("child_id").first()["child_id"]
            )
            if ordinary is None
            else ordinary
        )
        results["record_page"] = record_page(
            user, [("typical", two), ("forty_involvements", many)], 200 if not args.quick else 30
        )
        results["record_p95_ms"] = results["record_page"]["forty_involvements"]["p95_ms"]
        results["record_queries_typical"] = results["record_page"]["typical"]["queries"]
        results["record_queries_forty"] = results["record_page"]["forty_involvements"]["queries"]

    if "http" in sections:
        print("over HTTP (gunicorn + locust)...", flush=True)
        from bench.queries import as_form

        accounts = bench_accounts(200)
        children_for_views = [
            str(c.public_id) for c in Child.objects.filter(id__in=[q.child_id for q in mix[:200]])
        ]
        (workdir / "accounts.json").write_text(json.dumps(accounts))
        (workdir / "children.json").write_text(json.dumps(children_for_views))
        (workdir / "full_dob.json").write_text(
            json.dumps(
                [
                    as_form(q.criteria)
                    for q in mix
                    if q.category in ("exact", "typo", "nickname", "former")
                ]
            )
        )
        (workdir / "year_only.json").write_text(
            json.dumps([as_form(q.criteria) for q in mix if q.category == "year_only"])
        )
        server = Gunicorn(args.workers)
        host = f"http://127.0.0.1:{server.port}"
        try:
            locust(host, workdir, 4, 5, "full_dob")  # warm up the workers
            results["http"] = {
                "full_dob": locust(host, workdir, 16, args.load_seconds, "full_dob"),
                "year_only": locust(host, workdir, 8, args.load_seconds, "year_only"),
                "record": locust(host, workdir, 16, args.load_seconds, "record"),
                "mixed": locust(host, workdir, 16, args.load_seconds, "mixed"),
            }
            results["http_by_users"] = [
                locust(host, workdir, users, max(15, args.load_seconds // 2), "full_dob")
                for users in (1, 4, 8, 16, 32)
            ]
            if args.soak:
                print(f"soak: {args.soak_users} users, mixed, {args.soak} s...", flush=True)
                soak = results["soak"] = locust(host, workdir, args.soak_users, args.soak, "mixed")
                results["soak_seconds"] = args.soak
                results["soak_requests_per_s"] = soak["aggregated"]["per_s"]
                results["soak_p95_ms"] = soak["aggregated"]["p95_ms"]
                results["soak_failures"] = soak["aggregated"]["failures"]
        finally:
            server.stop()
        full = results["http"]["full_dob"]["search"]
        results["searches_per_s"] = full["per_s"]
        results["search_http_p95_ms"] = full["p95_ms"]
        results["search_http_failures"] = full["failures"]
        results["searches_per_s_year_only"] = results["http"]["year_only"]["search"]["per_s"]
        results["record_views_per_s"] = results["http"]["record"]["record"]["per_s"]
        results["record_http_p95_ms"] = results["http"]["record"]["record"]["p95_ms"]

    if "import" in sections:
        print(f"import and matching ({args.feed_rows} rows)...", flush=True)
        from bench.import_bench import measure

        # Speed on a large feed: the set-based pipeline against the row-by-row importer.
        results["import"] = measure(
            args.children, args.feed_rows, args.baseline_rows, args.seed, workdir
        )
        pipeline = results["import"]["pipeline"]
        results["import_records_per_s"] = pipeline["records_per_s"]
        results["feed_rows"] = pipeline["rows"]
        results["import_repeat_records_per_s"] = results["import"]["repeat"]["records_per_s"]
        results["import_daily_records_per_s"] = results["import"]["daily"]["records_per_s"]
        for key in ("import_batch_rows", "candidates_per_person", "max_rss_mb"):
            if key in pipeline:
                results[f"import_{key}" if not key.startswith("import") else key] = pipeline[key]
    # Quality on the hostile feed (feeds/hostile_feed.py), with Splink beside it.
    if "matching" in sections:
        print(f"matching quality and splink ({args.quality_rows} people)...", flush=True)
        results["matching"] = import_feed(args.children, args.quality_rows, args.seed, workdir)
        results["matching_precision"] = results["matching"]["precision"]
        results["matching_recall"] = results["matching"]["recall"]
        results["matching_review_rate"] = results["matching"]["review_rate"]
        results["matching_recall_ceiling"] = results["matching"]["recall_ceiling"]
        results["matching_false_links"] = results["matching"]["false_links"]
        results["matching_false_links_twins"] = results["matching"]["false_links"].get("twin", 0)
        if "import" in sections:  # the speed feed's twins too
            results["matching_false_links_twins"] += results["import"]["pipeline"][
                "false_links_twins"
            ]
        results["matching_duplicates_created"] = results["matching"]["duplicates_created"]
        results["matching_records_per_s"] = results["matching"]["records_per_s"]
        for key in ("splink", "splink_precision", "splink_recall", "splink_records_per_s"):
            results[key] = results["matching"].get(key)

    if "audit" in sections:
        print("audit...", flush=True)
        from django.db import connections

        connections.close_all()
        audit = audit_figures(workdir, args.audit_events)
        results["audit"] = audit
        results["audit_event_p50_ms"] = audit["latency"]["audit_event_in_transaction_p50_ms"]
        results["audit_verify_events_per_s"] = round(
            audit["seal_and_verify"]["verify_events_per_second"]
        )
    results["load_seconds"] = round(population.get("load_seconds", 0), 1)
    results["run_seconds"] = round(time.time() - started_run, 1)

    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{results['date']}-{args.children}.json"
    if out.exists() and set(SECTIONS) - sections:
        # A run of some sections updates today's file for this size: the figures of the
        # sections it did not run stay as an earlier run today left them.
        earlier = json.loads(out.read_text())
        results["sections"] = [
            name for name in SECTIONS if name in sections or name in earlier.get("sections", [])
        ]
        results = {**earlier, **results}
    out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    shutil.rmtree(workdir, ignore_errors=True)
    print(f"results: {out.relative_to(ROOT)}")
    from bench.report import write_report

    write_report()


if __name__ == "__main__":
    main()
