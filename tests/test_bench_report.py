"""The performance report shows, per population size, the newest figure of each measure: a
run of some sections overlays the older full run, and the import benchmark's own files are
left out."""

import json

from bench import report


def test_a_partial_run_overlays_the_full_run_and_import_files_are_left_out(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "RESULTS", tmp_path)
    full = {"children": 11, "searches_per_s": 59.0, "import_records_per_s": 45.3}
    partial = {"children": 11, "sections": ["import"], "import_records_per_s": 3100.0}
    (tmp_path / "2026-11-24-11.json").write_text(json.dumps(full))
    (tmp_path / "2026-12-02-11.json").write_text(json.dumps(partial))
    (tmp_path / "2026-12-03-import-11.json").write_text(
        json.dumps({"children": 11, "import_records_per_s": 1.0})
    )
    runs = report.newest_by_size()
    assert runs[11]["import_records_per_s"] == 3100.0
    assert runs[11]["searches_per_s"] == 59.0
    assert runs[11]["_file"] == "2026-11-24-11.json + 2026-12-02-11.json"


def test_the_next_days_feed_sends_most_ids_again_changes_some_and_adds_new_people(tmp_path):
    import csv

    from bench.import_bench import COLUMNS, write_daily_feed

    first = tmp_path / "first.csv"
    with first.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for n in range(1000):
            writer.writerow(
                {c: "" for c in COLUMNS}
                | {"source_id": f"R{n}", "service_code": "S", "involvement_start": "2026-09-01"}
            )
    kinds = write_daily_feed(first, tmp_path / "daily.csv", seed=7)
    with (tmp_path / "daily.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    again = [r for r in rows if r["source_id"].startswith("R")]
    changed = [r for r in again if r["service_code"] != "S"]
    assert len(rows) == sum(kinds.values()) and kinds["new"] == 100
    assert 850 <= len(again) <= 950 and len(changed) == kinds["changed"]
    assert 150 <= len(changed) <= 250
    assert all(r["involvement_start"] == "2026-12-01" for r in changed)
