"""Bulk import: good, bad and mixed files; idempotent re-runs; resuming; record matching."""

import csv
import datetime
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from feeds.importing import COLUMNS
from feeds.matching import CREATE, LINK, REVIEW, Incoming, match
from feeds.models import NotSamePair, ReviewItem, SourceRecord
from involvements.models import Involvement
from records.models import Child, ChildIdentifier
from tests.factories import make_child

pytestmark = pytest.mark.django_db

DOB = datetime.date(2015, 3, 7)


def row(**values):
    base = {
        "source_id": "P1",
        "given_name": "Catherine",
        "family_name": "Whitfield",
        "date_of_birth": DOB.isoformat(),
        "gender": "F",
        "postcode": "SE6 4RU",
        "address_line": "1 High Street",
        "service_code": "SCH1",
        "service_name": "Rivermead Primary",
        "service_type": "school",
        "practitioner_name": "Clare Teacher",
        "practitioner_role": "Class teacher",
        "practitioner_phone": "07700 900111",
        "involvement_start": "2024-09-01",
    }
    base.update(values)
    return base


def write_csv(path, rows):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for item in rows:
            writer.writerow({column: item.get(column, "") for column in COLUMNS})
    return path


def state():
    return (
        Child.objects.count(),
        Involvement.objects.count(),
        SourceRecord.objects.count(),
        ReviewItem.objects.count(),
        ChildIdentifier.objects.count(),
    )


def report_rows(path):
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_a_good_file_creates_one_child_per_person_with_every_involvement(tmp_path):
    path = write_csv(
        tmp_path / "feed.csv",
        [
            row(),
            row(
                service_code="GP1",
                service_name="Catford Practice",
                service_type="gp",
                practitioner_name="Dr Hill",
                involvement_start="2015-05-01",
            ),
            row(
                source_id="P2",
                given_name="Oliver",
                family_name="Brown",
                date_of_birth="2012-01-05",
                gender="M",
            ),
        ],
    )
    report = tmp_path / "report.csv"
    call_command("import_records", str(path), "--source", "EDU", "--report", str(report))
    assert Child.objects.count() == 2
    catherine = Child.objects.get(given_name="Catherine")
    assert catherine.involvements.count() == 2
    outcomes = [(r["line"], r["outcome"]) for r in report_rows(report)]
    assert outcomes == [("2", "created"), ("3", "linked"), ("4", "created")]
    assert report_rows(report)[0]["child_id"] == str(catherine.public_id)


def test_importing_the_same_file_twice_leaves_the_database_unchanged(tmp_path):
    path = write_csv(
        tmp_path / "feed.csv",
        [
            row(),
            row(
                source_id="P2", given_name="Oliver", family_name="Brown", date_of_birth="2012-01-05"
            ),
        ],
    )
    call_command("import_records", str(path), "--source", "EDU")
    before = state()
    call_command("import_records", str(path), "--source", "EDU")
    assert state() == before


def test_bad_rows_are_reported_with_line_and_reason_and_do_not_block_good_ones(tmp_path):
    path = write_csv(
        tmp_path / "mixed.csv",
        [
            row(source_id="OK1"),
            row(source_id="BAD1", date_of_birth="27/03/2015"),
            row(source_id="BAD2", gender="Q"),
            row(source_id="BAD3", postcode="NOT A CODE"),
            row(source_id="BAD4", nhs_number="1234567890"),
            row(source_id="BAD5", involvement_start="2024-09-01", involvement_end="2024-01-01"),
            row(source_id="BAD6", given_name=""),
            row(source_id="BAD7", service_type="mental_health"),
            row(
                source_id="OK2",
                given_name="Oliver",
                family_name="Brown",
                date_of_birth="2012-01-05",
            ),
        ],
    )
    report = tmp_path / "report.csv"
    call_command("import_records", str(path), "--source", "EDU", "--report", str(report))
    rows = {r["source_id"]: r for r in report_rows(report)}
    assert rows["OK1"]["outcome"] == "created" and rows["OK2"]["outcome"] == "created"
    assert rows["BAD1"]["reason"].startswith("date_of_birth must be a date")
    assert "gender" in rows["BAD2"]["reason"]
    assert "postcode" in rows["BAD3"]["reason"]
    assert "modulus 11" in rows["BAD4"]["reason"]
    assert "before involvement_start" in rows["BAD5"]["reason"]
    assert "given_name is missing" in rows["BAD6"]["reason"]
    assert "sensitive" in rows["BAD7"]["reason"]
    assert rows["BAD3"]["line"] == "5"
    assert Child.objects.count() == 2


def test_json_lines_files_are_read_too(tmp_path):
    path = tmp_path / "feed.jsonl"
    path.write_text(
        json.dumps(row())
        + "\nnot json\n"
        + json.dumps(row(source_id="P2", given_name="Oliver", family_name="Brown"))
        + "\n"
    )
    report = tmp_path / "report.csv"
    call_command("import_records", str(path), "--source", "EDU", "--report", str(report))
    outcomes = [r["outcome"] for r in report_rows(report)]
    assert outcomes == ["created", "rejected", "created"]


def test_an_interrupted_import_re_run_from_the_start_creates_nothing_twice(tmp_path, settings):
    settings.IMPORT_BATCH_ROWS = 2
    people = [
        row(
            source_id=f"P{n}",
            given_name=name,
            family_name="Okafor",
            date_of_birth=f"201{n}-02-0{n + 1}",
        )
        for n, name in enumerate(["Ada", "Ben", "Cal", "Dee", "Eve"])
    ]
    write_csv(tmp_path / "part.csv", people[:3])  # the import died after three rows
    call_command("import_records", str(tmp_path / "part.csv"), "--source", "EDU")
    write_csv(tmp_path / "full.csv", people)
    call_command("import_records", str(tmp_path / "full.csv"), "--source", "EDU")
    assert Child.objects.count() == 5
    assert Involvement.objects.count() == 5
    assert SourceRecord.objects.count() == 5


def test_a_dry_run_changes_nothing_but_reports(tmp_path):
    path = write_csv(tmp_path / "feed.csv", [row()])
    report = tmp_path / "report.csv"
    call_command(
        "import_records", str(path), "--source", "EDU", "--report", str(report), "--dry-run"
    )
    assert Child.objects.count() == 0
    assert report_rows(report)[0]["outcome"] == "created"


def test_a_file_without_the_required_columns_is_refused(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("name,dob\nx,y\n")
    with pytest.raises(CommandError, match="lacks the columns"):
        call_command("import_records", str(path), "--source", "EDU")


def person(**values):
    base = {
        "given_name": "Catherine",
        "family_name": "Whitfield",
        "date_of_birth": DOB,
        "gender": "F",
    }
    base.update(values)
    return Incoming(**base)


@pytest.mark.parametrize(
    "incoming",
    [
        person(family_name="Whitfeild"),
        person(given_name="Kathryn"),
        person(given_name="Cathy"),
        person(date_of_birth=datetime.date(2015, 7, 3)),
        person(family_name="Moss"),
        person(given_name="Whitfield", family_name="Catherine"),
    ],
    ids=["typo", "phonetic", "nickname", "day-month swapped", "former name", "swapped names"],
)
def test_noisy_versions_of_a_child_are_linked_or_sent_to_review_never_created(incoming):
    make_child("Catherine", "Whitfield", DOB, former=[("Catherine", "Moss")])
    decision = match(incoming, source="HEALTH", source_id="H1")
    assert decision.outcome in (LINK, REVIEW), decision


def test_an_exact_match_is_linked_automatically():
    child = make_child("Catherine", "Whitfield", DOB)
    decision = match(person(), source="HEALTH", source_id="H1")
    assert (decision.outcome, decision.child) == (LINK, child)


def test_twins_are_never_linked_automatically():
    make_child("Catherine", "Whitfield", DOB)
    make_child("Katherine", "Whitfield", DOB)
    assert match(person(), source="HEALTH", source_id="H1").outcome == REVIEW


def test_a_shielded_child_is_never_linked_automatically():
    make_child("Catherine", "Whitfield", DOB, shielded=True)
    decision = match(person(), source="HEALTH", source_id="H1")
    assert decision.outcome == REVIEW
    assert any("shielded" in reason for reason in decision.reasons)


def test_a_child_holding_another_id_from_the_same_source_is_a_different_child():
    child = make_child("Catherine", "Whitfield", DOB)
    SourceRecord.objects.create(source="HEALTH", source_id="H-OTHER", child=child)
    decision = match(person(), source="HEALTH", source_id="H1")
    assert decision.outcome == CREATE
    assert decision.source_duplicates == [child]
    assert any("possible duplicate in the source" in reason for reason in decision.reasons)


def test_a_pair_marked_not_the_same_is_never_proposed_again():
    child = make_child("Catherine", "Whitfield", DOB)
    NotSamePair.objects.create(source="HEALTH", source_id="H1", child=child)
    assert match(person(), source="HEALTH", source_id="H1").outcome == CREATE


def test_a_stranger_is_created():
    make_child("Oliver", "Brown", DOB)
    assert match(person(), source="HEALTH", source_id="H1").outcome == CREATE


def test_a_shielded_possible_match_from_a_feed_creates_no_unshielded_duplicate(tmp_path):
    hidden = make_child("Catherine", "Whitfield", DOB, shielded=True)
    path = write_csv(tmp_path / "feed.csv", [row()])
    call_command("import_records", str(path), "--source", "HEALTH")
    assert Child.objects.count() == 1
    item = ReviewItem.objects.get()
    assert item.candidate == hidden and item.rows
