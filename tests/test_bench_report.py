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
