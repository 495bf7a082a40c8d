"""The Splink baseline decides and counts exactly as matching_quality does."""

import datetime

from bench.splink_baseline import figures, splink_baseline
from feeds.hostile_feed import FeedRecord, Person

DOB = datetime.date(2015, 1, 31)


def record(source_id: str, truth: int | None, relation: str = "") -> FeedRecord:
    return FeedRecord(source_id, "Ollie", "Okafor", DOB, "M", "", "", (), truth, (), relation)


def test_splinks_best_child_links_at_099_and_goes_to_review_from_05():
    people = [Person(1, "Oliver", "Okafor", DOB, household=1), Person(2, "Olivia", "Okafor", DOB)]
    feed = [
        record("A", 1),
        record("B", 2),
        record("C", None, "new_twin"),
        record("D", 1),
    ]
    result = {
        "version": "splink 5.0.0",
        "seconds": 2.0,
        "steps": {},
        "best": {"A": (1, 0.995), "B": (2, 0.7), "C": (1, 0.999)},
    }

    out = figures(feed, people, result)

    assert out["splink_precision"] == 0.5  # A right, C a new person linked
    assert out["splink_recall"] == round(2 / 3, 4)  # A linked, B reviewed, D not found
    assert out["splink_review_rate"] == 0.25
    assert out["splink_duplicates_created"] == 1
    assert out["splink_false_links"] == {"new_twin": 1}
    assert out["splink_records_per_s"] == 2.0


def test_without_splink_the_benchmark_says_so_and_goes_on(monkeypatch, tmp_path):
    monkeypatch.setattr("bench.splink_baseline.splink_python", lambda: None)
    assert splink_baseline(None, [], [], tmp_path) == {"splink": "not installed"}
