"""Splink side by side: the same hostile feed linked to the same index by Splink (DuckDB).

    from bench.splink_baseline import splink_baseline
    results.update(splink_baseline(cursor, feed, people, workdir))

Splink is a bench-only dependency (requirements-dev.txt). It runs in a process of its own:
this interpreter if it can import splink, else ``SPLINK_PYTHON`` or ``.venv-splink/bin/python``;
without any, the result says "not installed" and the benchmark goes on. The Splink process
imports no Django:

    python bench/splink_baseline.py --index index.csv --feed feed.csv --out out.json

The model is set up as a careful user would set it up for this feed, with blocking rules
comparable to ours: the same date of birth (or day and month swapped) with the same
family or given name key, the same NHS number, both name keys in the same birth year, the
same postcode with the same given name key or the same date of birth. Comparisons: given
name (exact with term frequencies, equivalent by records/names.py's table, Jaro-Winkler
0.92 and 0.8), family name (Splink's NameComparison with term frequencies), date of birth
(exact, day/month swapped, one day apart, within a year), postcode (Splink's
PostcodeComparison), NHS number, gender. Trained by EM (blocked on the date of birth, then
on both name keys) after u from random sampling and the prior from deterministic rules.
A pair at match probability >= 0.99 links, >= 0.5 goes to review; per feed record the best
child decides. Splink sees the index's current, former and alias names as rows of one child.
Its time (records/s) counts loading, training and prediction, not the export from PostgreSQL.
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINK_PROBABILITY = 0.99
REVIEW_PROBABILITY = 0.5
MAX_INDEX_ROWS = 3_000_000
INDEX_COLUMNS = [
    "rid",
    "child_id",
    "given_norm",
    "family_norm",
    "given_key",
    "family_key",
    "given_equiv",
    "dob",
    "gender",
    "postcode",
    "nhs",
]


def splink_python() -> str | None:
    """An interpreter that can import splink, or None."""
    candidates = [sys.executable, os.environ.get("SPLINK_PYTHON", "")]
    candidates.append(str(ROOT / ".venv-splink" / "bin" / "python"))
    for python in candidates:
        if not python or not Path(python).exists():
            continue
        probe = subprocess.run(  # nosec B603  # a fixed argument list, no shell
            [python, "-c", "import splink, duckdb; print(splink.__version__)"],
            capture_output=True,
            text=True,
            check=False,
        )
        if probe.returncode == 0:
            return python
    return None


def splink_baseline(cursor, feed: list, people: list, workdir: Path) -> dict:
    """Link ``feed`` (FeedRecords) to the whole index with Splink; the figures under the
    bench result keys splink_precision, splink_recall and splink_records_per_s."""
    python = splink_python()
    if python is None:
        return {"splink": "not installed"}
    index_csv, feed_csv, out = workdir / "splink-index.csv", workdir / "splink-feed.csv", None
    from django.db import DatabaseError

    try:
        rows = _export_index(cursor, index_csv, {p.key for p in people})
    except DatabaseError as error:  # the baseline is missing from the figures, and says why
        return {"splink": f"failed: exporting the index: {str(error).splitlines()[0][:200]}"}
    _export_feed(feed, feed_csv)
    out = workdir / "splink-out.json"
    done = subprocess.run(  # nosec B603  # a fixed argument list, no shell
        [python, str(Path(__file__).resolve()), "--index", str(index_csv), "--feed"]
        + [str(feed_csv), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=3600,
    )
    if done.returncode != 0:
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        return {"splink": f"failed: {last[0][:300]}", "splink_index_rows": rows}
    result = json.loads(out.read_text())
    return {**figures(feed, people, result), "splink_index_rows": rows}


def figures(feed: list, people: list, result: dict) -> dict:
    """Splink's best child per record, decided and scored as matching_quality scores ours."""
    from feeds.quality import Outcome, score

    pairs = []
    for record in feed:
        child, probability = result["best"].get(record.source_id, (None, 0.0))
        if probability >= LINK_PROBABILITY:
            outcome = Outcome("link", child)
        elif probability >= REVIEW_PROBABILITY:
            outcome = Outcome("review", child)
        else:
            outcome = Outcome("create")
        pairs.append((record, outcome))
    report = score(pairs, people)
    return {
        "splink": result["version"],
        "splink_precision": round(report.precision, 4),
        "splink_recall": round(report.recall, 4),
        "splink_link_recall": round(report.link_recall, 4),
        "splink_review_rate": round(report.review_rate, 4),
        "splink_false_links": report.false_links,
        "splink_duplicates_created": report.duplicates_created,
        "splink_records_per_s": round(len(feed) / result["seconds"], 1),
        "splink_seconds": round(result["seconds"], 1),
        "splink_seconds_by_step": result["steps"],
    }


def _export_index(cursor, path: Path, wanted: set[int]) -> int:
    """Every name of every child (the index Splink links to), with the NHS numbers held.
    Beyond MAX_INDEX_ROWS, the children the feed is about and a random rest."""
    from records.names import name_equivalence_keys

    cursor.execute("SELECT count(*) FROM records_childname")
    total = cursor.fetchone()[0]
    keep = "TRUE"
    params: list = []
    if total > MAX_INDEX_ROWS:
        # The feed's children from a table of their own (a hashed semi-join): an array of
        # tens of thousands of ids tested against every name took an hour at 11 million.
        cursor.execute("CREATE TEMP TABLE IF NOT EXISTS splink_wanted (child_id bigint)")
        cursor.execute("TRUNCATE splink_wanted")
        cursor.execute("INSERT INTO splink_wanted SELECT unnest(%s::bigint[])", [sorted(wanted)])
        cursor.execute("ANALYZE splink_wanted")
        keep = "(n.child_id IN (SELECT child_id FROM splink_wanted) OR random() < %s)"
        params = [MAX_INDEX_ROWS / total]
    cursor.execute(
        f"""
        SELECT n.id, n.child_id, n.given_norm, n.family_norm, n.given_key, n.family_key,
               n.date_of_birth, c.gender, coalesce(a.postcode, ''),
               coalesce(i.value, '')
        FROM records_childname n
        JOIN records_child c ON c.id = n.child_id AND c.merged_into_id IS NULL
        LEFT JOIN records_address a ON a.child_id = n.child_id AND a.status = 'current'
        LEFT JOIN records_childidentifier i ON i.child_id = n.child_id AND i.kind = 'nhs'
        WHERE {keep}
        """,
        params,
    )
    rows = 0
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(INDEX_COLUMNS)
        while batch := cursor.fetchmany(50_000):
            for nid, child, given, family, gkey, fkey, dob, gender, postcode, nhs in batch:
                equiv = "|".join(sorted(name_equivalence_keys(given.split(" ")[0])))
                writer.writerow(
                    [f"I{nid}", child, given, family, gkey, fkey, equiv, dob, gender]
                    + [postcode, nhs]
                )
                rows += 1
    return rows


def _export_feed(feed: list, path: Path) -> None:
    from records.names import name_equivalence_keys, normalise_name, phonetic_key

    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(INDEX_COLUMNS)
        for r in feed:
            given, family = normalise_name(r.given), normalise_name(r.family)
            equiv = "|".join(sorted(name_equivalence_keys(given.split(" ")[0] if given else "")))
            writer.writerow(
                [f"F{r.source_id}", "", given, family, phonetic_key(given), phonetic_key(family)]
                + [equiv, r.dob.isoformat(), r.gender, r.postcode, r.nhs]
            )


# -- the Splink process (no Django) --------------------------------------------------------


def run_splink(index_csv: str, feed_csv: str) -> dict:
    import duckdb
    import splink
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    steps: dict[str, float] = {}
    started = last = time.perf_counter()

    def step(name: str) -> None:
        nonlocal last
        now = time.perf_counter()
        steps[name] = round(now - last, 2)
        last = now

    con = duckdb.connect()
    for table, path in (("idx", index_csv), ("feed", feed_csv)):
        # Empty strings are missing values; "U" is an unknown gender.
        con.execute(
            f"""
            CREATE TABLE {table} AS
            SELECT rid AS unique_id, nullif(child_id, '') AS child_id,
                   nullif(given_norm, '') AS given_norm, nullif(family_norm, '') AS family_norm,
                   nullif(given_key, '') AS given_key, nullif(family_key, '') AS family_key,
                   string_split(given_equiv, '|') AS given_equiv,
                   CAST(dob AS DATE) AS dob,
                   CASE WHEN day(CAST(dob AS DATE)) <= 12 THEN make_date(
                       year(CAST(dob AS DATE)), day(CAST(dob AS DATE)), month(CAST(dob AS DATE)))
                   END AS dob_swapped,
                   year(CAST(dob AS DATE)) AS birth_year,
                   CASE WHEN gender IN ('M', 'F') THEN gender END AS gender,
                   nullif(upper(trim(postcode)), '') AS postcode,
                   nullif(nhs, '') AS nhs
            FROM read_csv('{path}', header = true, all_varchar = true)
            """  # noqa: S608  # nosec B608  # fixed table names, paths from the bench
        )
    step("load")

    dob = cl.CustomComparison(
        output_column_name="dob",
        comparison_levels=[
            cll.NullLevel("dob"),
            cll.ExactMatchLevel("dob"),
            cll.CustomLevel("dob_l = dob_swapped_r OR dob_swapped_l = dob_r", "day/month swapped"),
            cll.CustomLevel("abs(date_diff('day', dob_l, dob_r)) <= 1", "one day apart"),
            cll.CustomLevel("abs(date_diff('day', dob_l, dob_r)) <= 366", "within a year"),
            cll.ElseLevel(),
        ],
    )
    given = cl.CustomComparison(
        output_column_name="given_norm",
        comparison_levels=[
            cll.NullLevel("given_norm"),
            cll.ExactMatchLevel("given_norm").configure(tf_adjustment_column="given_norm"),
            cll.ArrayIntersectLevel("given_equiv", min_intersection=1),
            cll.JaroWinklerLevel("given_norm", 0.92),
            cll.JaroWinklerLevel("given_norm", 0.8),
            cll.ElseLevel(),
        ],
    )
    settings = SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        comparisons=[
            given,
            cl.NameComparison("family_norm").configure(term_frequency_adjustments=True),
            dob,
            cl.PostcodeComparison("postcode"),
            cl.ExactMatch("nhs"),
            cl.ExactMatch("gender"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("dob", "family_key"),
            block_on("dob", "given_key"),
            block_on("nhs"),
            "l.dob = r.dob_swapped AND (l.family_key = r.family_key OR l.given_key = r.given_key)",
            block_on("family_key", "given_key", "birth_year"),
            block_on("postcode", "given_key"),
            block_on("dob", "postcode"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    db_api = DuckDBAPI(connection=con)
    linker = Linker(
        [db_api.register("idx"), db_api.register("feed")], settings, log_level="WARNING"
    )
    step("set_up")
    linker.training.estimate_probability_two_random_records_match(
        ["l.nhs = r.nhs", block_on("given_norm", "family_norm", "dob")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6, seed=7)
    step("train_u")
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("dob"), record_sample_proportion=1.0
    )
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("family_key", "given_key"), record_sample_proportion=1.0
    )
    step("train_em")
    predictions = linker.inference.predict(threshold_match_probability=REVIEW_PROBABILITY / 2)
    best = con.execute(
        f"""
        WITH pairs AS (
            SELECT CASE WHEN unique_id_l LIKE 'F%' THEN unique_id_l ELSE unique_id_r END AS f,
                   CASE WHEN unique_id_l LIKE 'F%' THEN unique_id_r ELSE unique_id_l END AS i,
                   match_probability AS p
            FROM {predictions.physical_name}
        )
        SELECT f, idx.child_id, max(p) FROM pairs JOIN idx ON idx.unique_id = pairs.i
        GROUP BY f, idx.child_id
        """  # noqa: S608  # nosec B608  # Splink's own table name
    ).fetchall()
    step("predict")
    seconds = time.perf_counter() - started
    top: dict[str, tuple[int, float]] = {}
    for feed_id, child, probability in best:
        source_id = feed_id[1:]
        if source_id not in top or probability > top[source_id][1]:
            top[source_id] = (int(child), float(probability))
    return {
        "version": f"splink {splink.__version__}",
        "seconds": seconds,
        "steps": steps,
        "best": top,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", required=True)
    parser.add_argument("--feed", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    Path(args.out).write_text(json.dumps(run_splink(args.index, args.feed)))


if __name__ == "__main__":
    main()
