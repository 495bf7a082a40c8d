"""Audit benchmark: write latency, concurrent write throughput, and sealing and verifying
a million events. Runs against a throw-away database (BENCH_DATABASE, default
childindex_bench) on the same server as DATABASE_URL, created fresh each run.

    make bench            # or: .venv/bin/python bench/audit_bench.py [--events 1000000]

Targets (issue 4): an event adds at most ~1 ms to a request; >= 2,000 events/s with
concurrent writers; verify_audit checks 1 million events in under a minute.
"""

import argparse
import json
import multiprocessing
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "childindex.settings")


def _use_bench_database() -> str:
    """Point DATABASE_URL at a fresh benchmark database on the same server."""
    import re

    import psycopg
    from psycopg.conninfo import make_conninfo

    url = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/childindex")
    name = os.environ.get("BENCH_DATABASE", "childindex_bench")
    with psycopg.connect(make_conninfo(url, dbname="postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = re.sub(
        r"/[^/?]*(\?|$)", f"/{name}\\1", url.split("://", 1)[1], count=1
    )
    os.environ["DATABASE_URL"] = url.split("://", 1)[0] + "://" + os.environ["DATABASE_URL"]
    # A new database needs a new audit witness (the sealer writes every block's head to it).
    witness = ROOT / "var" / "audit-witness" / f"{name}.jsonl"
    witness.unlink(missing_ok=True)
    os.environ["AUDIT_WITNESS_PATH"] = str(witness)
    return name


def _setup() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _writer(seconds: float, queue) -> None:  # runs in a child process
    import django

    django.setup()
    from audit.models import Action
    from audit.services import audit_event_record

    count = 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        audit_event_record(
            action=Action.SEARCH,
            actor_username="bench",
            details={"criteria": {"family_name": "Smith"}, "returned": ["a", "b"]},
        )
        count += 1
    queue.put(count)


def latency(samples: int) -> dict:
    from django.db import connection, transaction

    from audit.models import Action
    from audit.services import audit_event_record

    with connection.cursor() as cursor:
        # A logged table, so the baseline pays for its commit just as the audit insert does.
        cursor.execute("CREATE TABLE bench_baseline (id bigserial primary key, body jsonb)")
    audit, plain = [], []
    for _ in range(samples):
        start = time.perf_counter()
        audit_event_record(
            action=Action.RECORD_VIEW,
            actor_username="bench",
            object_type="child",
            object_id="00000000-0000-4000-8000-000000000000",
            reason="Coordinating support",
        )
        audit.append(time.perf_counter() - start)
        start = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO bench_baseline (body) VALUES ('{}')")
        plain.append(time.perf_counter() - start)

    # Inside a request the event joins the request's own transaction: no extra commit.
    in_transaction = []
    for _ in range(samples):
        with transaction.atomic():
            start = time.perf_counter()
            audit_event_record(
                action=Action.RECORD_VIEW,
                actor_username="bench",
                object_type="child",
                object_id="00000000-0000-4000-8000-000000000000",
                reason="Coordinating support",
            )
            in_transaction.append(time.perf_counter() - start)

    def ms(values: list[float], q: float) -> float:
        return sorted(values)[int(q * (len(values) - 1))] * 1000

    return {
        "audit_event_p50_ms": ms(audit, 0.5),
        "audit_event_p95_ms": ms(audit, 0.95),
        "plain_insert_p50_ms": ms(plain, 0.5),
        "audit_event_in_transaction_p50_ms": ms(in_transaction, 0.5),
        "audit_event_in_transaction_p95_ms": ms(in_transaction, 0.95),
        "ratio_p50": statistics.median(audit) / statistics.median(plain),
    }


def throughput(writers: int, seconds: float) -> dict:
    from django.db import connections

    connections.close_all()
    queue = multiprocessing.get_context("fork").Queue()
    processes = [
        multiprocessing.get_context("fork").Process(target=_writer, args=(seconds, queue))
        for _ in range(writers)
    ]
    for process in processes:
        process.start()
    total = sum(queue.get() for _ in processes)
    for process in processes:
        process.join()
    return {"writers": writers, "events_per_second": total / seconds}


def seal_and_verify(events: int) -> dict:
    from django.db import connection

    from audit.chain import seal_pending, verify_chain

    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO audit_auditevent (occurred_at, action, outcome, actor_id, actor_username,
                actor_organisation, actor_roles, ip_address, request_id, reason, object_type,
                object_id, details)
            SELECT now() - interval '1 hour' + n * interval '1 millisecond', 'record.view',
                'success', n %% 5000, 'user' || (n %% 5000), 'ORG', 'practitioner', '10.0.0.1',
                md5(n::text), 'Coordinating support', 'child', md5((n %% 200000)::text),
                jsonb_build_object('n', n)
            FROM generate_series(1, %s) AS n
            """,
            [events],
        )
    start = time.perf_counter()
    sealed = seal_pending()
    seal_seconds = time.perf_counter() - start
    start = time.perf_counter()
    result = verify_chain()
    verify_seconds = time.perf_counter() - start
    assert result.ok, result.problems[:3]
    return {
        "sealed": sealed,
        "seal_seconds": seal_seconds,
        "verified": result.checked,
        "verify_seconds": verify_seconds,
        "verify_events_per_second": result.checked / verify_seconds,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    name = _use_bench_database()
    _setup()
    print(f"database: {name}")
    figures = {}
    for label, values in [
        ("latency", latency(args.samples)),
        ("throughput", throughput(args.writers, args.seconds)),
        ("seal_and_verify", seal_and_verify(args.events)),
    ]:
        print(
            label
            + ": "
            + ", ".join(
                f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in values.items()
            )
        )
        sys.stdout.flush()
        figures[label] = values
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
