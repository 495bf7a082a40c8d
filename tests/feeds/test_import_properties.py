"""Property tests (Hypothesis) for bulk import: arbitrary rows and arbitrary bytes never crash
the importer; every row is accounted for in the report, bad rows with a reason; a rejected
row leaves nothing behind; and the report itself can always be stored."""

import csv
import io
import itertools
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.importing import COLUMNS, RowError, report_writer
from feeds.models import ReviewItem, SourceRecord
from feeds.pipeline import import_file
from involvements.models import Involvement
from records.models import Child
from tests.strategies import junk

pytestmark = pytest.mark.django_db

GOOD = {
    "source_id": "P1",
    "given_name": "Catherine",
    "family_name": "Whitfield",
    "date_of_birth": "2015-03-07",
    "gender": "F",
    "postcode": "SE6 4RU",
    "address_line": "1 High Street",
    "service_code": "SCH1",
    "service_name": "Rivermead Primary",
    "service_type": "school",
    "practitioner_name": "Clare Teacher",
    "practitioner_role": "Class teacher",
    "involvement_start": "2024-09-01",
}
_sources = itertools.count(1)


@st.composite
def rows(draw: st.DrawFn) -> dict[str, str]:
    """A plausible row with any of its values replaced by junk (or left out)."""
    row = {}
    for column in COLUMNS:
        choice = draw(st.sampled_from(["good", "good", "junk", "missing"]))
        if choice == "good" and column in GOOD:
            row[column] = GOOD[column]
        elif choice == "junk":
            row[column] = draw(junk)
    row["source_id"] = draw(st.one_of(st.sampled_from(["P1", "P2", "P3"]), junk))
    return row


def state() -> tuple[int, int, int, int]:
    return (
        Child.objects.count(),
        SourceRecord.objects.count(),
        ReviewItem.objects.count(),
        Involvement.objects.count(),
    )


def run(path, source):
    outcomes = []
    summary = import_file(path, source=source, report=outcomes.append)
    report = io.StringIO()
    write = report_writer(report)
    for outcome in outcomes:
        write(outcome)
    # The upload page stores the report in PostgreSQL as UTF-8 text.
    assert "\x00" not in report.getvalue()
    report.getvalue().encode("utf-8")
    return summary, outcomes


def check_accounting(before, summary, outcomes, row_count):
    assert summary.rows == len(outcomes) == row_count
    for outcome in outcomes:
        assert outcome.outcome in {"linked", "created", "review", "rejected"}
        if outcome.outcome == "rejected":
            assert outcome.reason.strip()
    children, sources, reviews, _ = state()
    created = sum(outcome.outcome == "created" for outcome in outcomes)
    accepted = {o.source_id for o in outcomes if o.outcome in {"linked", "created"}}
    # A rejected row leaves nothing behind: only accepted rows made children and links.
    assert children - before[0] == created
    assert sources - before[1] == len(accepted)
    assert reviews - before[2] <= sum(outcome.outcome == "review" for outcome in outcomes)


def test_arbitrary_csv_rows_are_imported_or_reported_never_crash(tmp_path):
    @settings(max_examples=50, deadline=None)
    @given(st.lists(rows(), min_size=1, max_size=4))
    def check(items):
        path = tmp_path / "feed.csv"
        with path.open("w", encoding="utf-8", errors="surrogatepass", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=COLUMNS)
            writer.writeheader()
            for item in items:
                writer.writerow(item)
        before = state()
        summary, outcomes = run(path, f"prop{next(_sources)}")
        # csv may read a value with a bare carriage return as more than one row; count
        # what the reader saw, which is what the report must account for.
        with path.open(encoding="utf-8", newline="") as handle:
            seen = sum(1 for _ in csv.DictReader(handle))
        check_accounting(before, summary, outcomes, seen)

    check()


def test_arbitrary_json_lines_are_imported_or_reported_never_crash(tmp_path):
    line = st.one_of(
        rows().map(json.dumps),
        st.dictionaries(junk, st.one_of(junk, st.integers(), st.none(), st.lists(junk))).map(
            json.dumps
        ),
        junk.map(lambda text: text.replace("\n", " ").replace("\r", " ")),
        st.just('{"source_id": "P9", "given_name": "A\\u0000"}'),
        st.just('{"given_name": "\\ud800"}'),
        st.just("[" * 5000),
        st.just('{"n": ' + "9" * 5000 + "}"),
    )

    @settings(max_examples=50, deadline=None)
    @given(st.lists(line, min_size=1, max_size=4))
    def check(lines):
        path = tmp_path / "feed.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8", errors="surrogatepass")
        before = state()
        summary, outcomes = run(path, f"prop{next(_sources)}")
        check_accounting(before, summary, outcomes, sum(1 for text in lines if text.strip()))

    check()


@pytest.mark.parametrize("name", ["feed.csv", "feed.jsonl"])
def test_arbitrary_bytes_never_crash_the_importer(tmp_path, name):
    header = (",".join(COLUMNS) + "\r\n").encode()

    @settings(max_examples=50, deadline=None)
    @given(st.binary(max_size=2000), st.booleans())
    def check(content, with_header):
        path = tmp_path / name
        path.write_bytes((header if with_header else b"") + content)
        before = state()
        try:
            summary, outcomes = run(path, f"prop{next(_sources)}")
        except RowError as error:  # the whole file refused, with a reason: nothing written
            assert str(error).strip()
            assert state() == before
            return
        assert summary.rows == len(outcomes)
        assert state()[0] - before[0] == sum(o.outcome == "created" for o in outcomes)

    check()


def test_a_line_that_is_not_utf8_or_holds_a_nul_is_reported_and_the_rest_imported(tmp_path):
    path = tmp_path / "feed.csv"
    good = ",".join(GOOD.get(column, "") for column in COLUMNS)
    path.write_bytes(
        (",".join(COLUMNS) + "\r\n").encode()
        + good.replace("P1", "P7").replace("Catherine", "Cath\xe9rine").encode("latin-1")
        + b"\r\n"
        + good.replace("P1", "P8").encode()
        + b"\x00\r\n"
        + good.encode()
        + b"\r\n"
    )
    summary, outcomes = run(path, "mixed")
    assert [(o.line, o.outcome) for o in outcomes] == [
        (2, "rejected"),
        (3, "rejected"),
        (4, "created"),
    ]
    assert "not valid UTF-8" in outcomes[0].reason
    assert "NUL" in outcomes[1].reason
    assert summary.rows == 3
    assert list(SourceRecord.objects.values_list("source_id", flat=True)) == ["P1"]
