"""The set-based import pipeline and the matching rules it applies to messy feeds."""

import datetime
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from accounts.roles import Role
from audit.models import Action, AuditEvent
from feeds.matching import CREATE, LINK, REVIEW, Incoming, match
from feeds.models import ReviewItem, SourceDuplicate, SourceRecord
from feeds.scoring import Candidate, NameFacts, NameFrequencies, score_pair
from involvements.models import Involvement
from notifications.models import Follow, Notification
from records.models import Child, ChildIdentifier, IdentifierKind
from tests.factories import make_child, make_organisation, make_user, signed_in_client
from tests.feeds.test_import import report_rows, row, write_csv

pytestmark = pytest.mark.django_db

DOB = datetime.date(2015, 3, 7)
ROOT = Path(__file__).resolve().parents[2]


def nhs_number(stem: int) -> str:
    """A valid NHS number (modulus 11) from a nine-digit stem."""
    digits = f"{stem:09d}"
    total = sum(int(d) * w for d, w in zip(digits, range(10, 1, -1), strict=True))
    check = (11 - total % 11) % 11
    if check == 10:
        return nhs_number(stem + 1)
    return digits + str(check)


def give_identifier(child, kind, value):
    ChildIdentifier.objects.create(
        child=child, kind=kind, value=value, issued_by=make_organisation()
    )


def incoming(**values):
    base = {
        "given_name": "Catherine",
        "family_name": "Whitfield",
        "date_of_birth": DOB,
        "gender": "F",
    }
    base.update(values)
    return Incoming(**base)


def import_rows(tmp_path, rows, source="EDU"):
    report = tmp_path / "report.csv"
    call_command(
        "import_records",
        str(write_csv(tmp_path / "feed.csv", rows)),
        "--source",
        source,
        "--report",
        str(report),
    )
    return {r["source_id"]: r for r in report_rows(report)}


# -- (a) one source's different ids are different children ---------------------------------


def test_the_first_import_of_a_source_creates_near_identical_ids_as_two_children_and_flags_them(
    tmp_path,
):
    outcomes = import_rows(
        tmp_path,
        [
            row(source_id="S1"),
            row(source_id="S2", service_code="SCH2", practitioner_name="Another Teacher"),
        ],
    )
    assert outcomes["S1"]["outcome"] == outcomes["S2"]["outcome"] == "created"
    assert Child.objects.count() == 2
    assert ReviewItem.objects.count() == 0
    flag = SourceDuplicate.objects.get()
    assert (flag.source, flag.source_id, flag.other_source_id) == ("EDU", "S2", "S1")
    assert flag.child != flag.other_child
    assert "possible duplicate in the source" in outcomes["S2"]["reason"]


def test_a_second_id_of_a_source_is_created_and_flagged_across_batches_too(tmp_path, settings):
    settings.IMPORT_BATCH_ROWS = 1
    import_rows(tmp_path, [row(source_id="S1"), row(source_id="S2")])
    assert Child.objects.count() == 2
    assert SourceDuplicate.objects.filter(source_id="S2", other_source_id="S1").exists()


def test_twins_and_namesakes_of_one_source_are_not_flagged_as_its_duplicates(tmp_path):
    """Same family, birthday and address score as high as a duplicate, but another given
    name (or gender) is a twin, and another family name elsewhere a namesake: the data
    steward's list must not fill with them (a 1M-row first load flagged 304,055)."""
    outcomes = import_rows(
        tmp_path,
        [
            row(source_id="S1"),
            row(source_id="S2", given_name="Oliver", gender="M"),
            row(source_id="S3", given_name="Edith"),
            # A namesake: the same given name and birthday, another family and address.
            row(source_id="S4", family_name="Okafor", postcode="M1 1AA"),
        ],
    )
    assert {outcome["outcome"] for outcome in outcomes.values()} == {"created"}
    assert Child.objects.count() == 4
    assert SourceDuplicate.objects.count() == 0


def test_a_later_feed_links_the_twin_whose_sibling_holds_another_id_of_the_source():
    """The cause of twins linked to each other: the other twin must be in the index."""
    oliver = make_child("Oliver", "Okafor", DOB, gender="M")
    olivia = make_child("Olivia", "Okafor", DOB, gender="F")
    SourceRecord.objects.create(source="EDU", source_id="E-OLIVER", child=oliver)
    decision = match(
        incoming(given_name="Olivia", family_name="Okafor", gender="F"),
        source="EDU",
        source_id="E-OLIVIA",
    )
    assert (decision.outcome, decision.child) == (LINK, olivia)


# -- (b) an NHS number or UPN is a candidate of its own ------------------------------------


def test_a_matching_nhs_number_with_compatible_names_links_though_names_and_date_missed():
    number = nhs_number(943476591)
    child = make_child("Catherine", "Whitfield", DOB)
    give_identifier(child, IdentifierKind.NHS_NUMBER, number)
    decision = match(
        incoming(family_name="Okonjo", date_of_birth=datetime.date(2015, 4, 9), nhs_number=number),
        source="HEALTH",
        source_id="H1",
    )
    assert (decision.outcome, decision.child) == (LINK, child)


def test_a_matching_upn_with_compatible_names_links():
    child = make_child("Catherine", "Whitfield", DOB)
    give_identifier(child, IdentifierKind.UPN, "A123456789012")
    decision = match(
        incoming(given_name="Kate", family_name="Okonjo", upn="A123456789012"),
        source="EDU",
        source_id="E1",
    )
    assert (decision.outcome, decision.child) == (LINK, child)


def test_a_matching_nhs_number_with_other_names_goes_to_review_not_link():
    number = nhs_number(943476592)
    child = make_child("Catherine", "Whitfield", DOB)
    give_identifier(child, IdentifierKind.NHS_NUMBER, number)
    decision = match(
        incoming(given_name="Mohammed", family_name="Rahman", nhs_number=number),
        source="HEALTH",
        source_id="H1",
    )
    assert (decision.outcome, decision.child) == (REVIEW, child)


def test_a_different_nhs_number_keeps_a_namesake_apart():
    child = make_child("Catherine", "Whitfield", DOB)
    give_identifier(child, IdentifierKind.NHS_NUMBER, nhs_number(943476593))
    decision = match(incoming(nhs_number=nhs_number(401023456)), source="HEALTH", source_id="H1")
    assert decision.outcome == CREATE


# -- (c) dates of birth one day out across a month end, and day/month slips ----------------


@pytest.mark.parametrize(
    ("held", "sent"),
    [
        (datetime.date(2015, 9, 30), datetime.date(2015, 10, 1)),
        (datetime.date(2014, 12, 31), datetime.date(2015, 1, 1)),
        (datetime.date(2015, 3, 7), datetime.date(2015, 7, 3)),
        (datetime.date(2015, 3, 7), datetime.date(2016, 3, 7)),
    ],
    ids=["30-sep-1-oct", "new-year", "day-month-swapped", "year-one-out"],
)
def test_a_slipped_date_of_birth_still_finds_the_child(held, sent):
    child = make_child("Catherine", "Whitfield", held)
    decision = match(incoming(date_of_birth=sent), source="HEALTH", source_id="H1")
    assert decision.outcome in (LINK, REVIEW) and decision.child == child


def test_one_day_out_across_a_month_end_links_when_the_rest_agrees():
    child = make_child("Catherine", "Whitfield", datetime.date(2015, 9, 30), postcode="SE6 4RU")
    decision = match(
        incoming(date_of_birth=datetime.date(2015, 10, 1), postcode="SE6 4RU"),
        source="HEALTH",
        source_id="H1",
    )
    assert (decision.outcome, decision.child) == (LINK, child)


# -- (d) twins and namesakes never auto-link across each other; never across a shield ------


def test_a_twin_missing_from_the_index_is_never_linked_to_the_other_twin():
    make_child("Oliver", "Okafor", DOB, gender="M", postcode="SE6 4RU")
    decision = match(
        incoming(given_name="Noah", family_name="Okafor", gender="M", postcode="SE6 4RU"),
        source="HEALTH",
        source_id="H1",
    )
    assert decision.outcome != LINK


def test_same_name_same_birthday_children_go_to_review():
    make_child("Jack", "Smith", DOB, gender="M", postcode="SE6 4RU")
    make_child("Jack", "Smith", DOB, gender="M", postcode="N1 9GU")
    decision = match(
        incoming(given_name="Jack", family_name="Smith", gender="M"),
        source="HEALTH",
        source_id="H1",
    )
    assert decision.outcome == REVIEW


def test_a_shielded_namesake_stops_a_link_to_another_child():
    make_child("Catherine", "Whitfield", DOB, postcode="SE6 4RU")
    make_child("Catherine", "Whitfield", DOB, postcode="N1 9GU", shielded=True)
    decision = match(incoming(postcode="SE6 4RU"), source="HEALTH", source_id="H1")
    assert decision.outcome == REVIEW


# -- (e) the score: per-field levels, term frequency, explained ----------------------------


def candidate(given, family, dob=DOB):
    return Candidate(1, dob, "F", [NameFacts(given, family, "", "")])


def test_a_common_family_name_proves_less_than_a_rare_one():
    from feeds.matching import person_facts

    frequencies = NameFrequencies({}, {"smith": 50_000}, 1_000_000)
    smith = score_pair(
        person_facts(incoming(family_name="Smith")), candidate("catherine", "smith"), frequencies
    )
    rare = score_pair(
        person_facts(incoming(family_name="Ptolemy")),
        candidate("catherine", "ptolemy"),
        frequencies,
    )
    assert smith.level("family_name") == rare.level("family_name") == "exact"
    assert smith.weight < rare.weight - 3


def test_each_field_has_its_agreement_level():
    from feeds.matching import person_facts

    pair = score_pair(
        person_facts(incoming(given_name="Cathy", family_name="Whitfeild")),
        candidate("catherine", "whitfield", datetime.date(2015, 3, 8)),
    )
    assert pair.level("given_name") == "equivalent"
    assert pair.level("family_name") == "close"
    assert pair.level("date_of_birth") == "one_day"


def test_the_review_page_explains_the_score_field_by_field(tmp_path):
    make_child("Catherine", "Whitfield", DOB, shielded=True)
    import_rows(tmp_path, [row()], source="HEALTH")
    item = ReviewItem.objects.get()
    assert {entry["field"] for entry in item.explanation} >= {
        "given_name",
        "family_name",
        "date_of_birth",
    }
    officer = signed_in_client(make_user(roles=(Role.PRACTITIONER, Role.INDEX_TEAM)))
    page = officer.get(reverse("feeds:review_decide", args=[item.public_id])).content.decode()
    assert 'data-testid="explanation"' in page
    assert "Date of birth" in page and "the same" in page


# -- the pipeline -----------------------------------------------------------------------------


def test_rows_of_one_new_person_make_one_child_with_every_involvement(tmp_path):
    outcomes = import_rows(
        tmp_path,
        [
            row(source_id="P1"),
            row(source_id="P2", given_name="Oliver", family_name="Brown", gender="M"),
            row(source_id="P1", service_code="GP1", service_type="gp", practitioner_name="Dr Hill"),
        ],
    )
    assert Child.objects.count() == 2
    catherine = Child.objects.get(given_name="Catherine")
    assert catherine.involvements.count() == 2
    assert outcomes["P1"]["child_id"] == str(catherine.public_id)
    assert SourceDuplicate.objects.count() == 0


def test_a_whole_batch_takes_a_bounded_number_of_queries(tmp_path, django_assert_max_num_queries):
    rows = [
        row(
            source_id=f"P{n}",
            given_name=f"Name{chr(65 + n % 26)}{chr(65 + n // 26)}",
            family_name=f"Family{n}",
            date_of_birth=(DOB + datetime.timedelta(days=n)).isoformat(),
            nhs_number=nhs_number(100000000 + n * 7),
            service_code=f"SCH{n % 5}",
        )
        for n in range(300)
    ]
    path = write_csv(tmp_path / "feed.csv", rows)
    with django_assert_max_num_queries(80):
        call_command("import_records", str(path), "--source", "EDU")
    assert Child.objects.count() == 300
    assert Involvement.objects.count() == 300


def test_the_feed_notifies_followers_of_a_child_whose_involvements_change(tmp_path):
    child = make_child("Catherine", "Whitfield", DOB)
    follower = make_user()
    Follow.objects.create(user=follower, child=child)
    import_rows(tmp_path, [row()], source="HEALTH")
    assert Involvement.objects.get().child == child
    note = Notification.objects.get(recipient=follower)
    assert "started working with Catherine Whitfield" in note.message
    import_rows(tmp_path, [row()], source="HEALTH")  # nothing changed: nobody told twice
    assert Notification.objects.filter(recipient=follower).count() == 1


def test_the_feed_writes_change_history_and_one_audit_event_per_batch(tmp_path, settings):
    settings.IMPORT_BATCH_ROWS = 2
    import_rows(
        tmp_path,
        [row(source_id=f"P{n}", family_name=f"Family{n}") for n in range(5)],
    )
    assert AuditEvent.objects.filter(action=Action.FEED_IMPORT).count() == 3
    child = Child.objects.first()
    assert LogEntry.objects.get_for_object(child).filter(action=LogEntry.Action.CREATE).exists()
    involvement = Involvement.objects.first()
    assert LogEntry.objects.get_for_object(involvement).exists()


def test_re_importing_a_file_of_known_people_takes_no_candidate_search(
    tmp_path, django_assert_max_num_queries
):
    rows = [
        row(source_id=f"P{n}", family_name=f"Family{n}", service_code=f"SCH{n % 5}")
        for n in range(300)
    ]
    path = write_csv(tmp_path / "feed.csv", rows)
    call_command("import_records", str(path), "--source", "EDU")
    with django_assert_max_num_queries(25):
        call_command("import_records", str(path), "--source", "EDU")
    assert Child.objects.count() == 300


def test_the_rows_of_one_person_in_different_batches_make_one_child(tmp_path, settings):
    settings.IMPORT_BATCH_ROWS = 2
    outcomes = import_rows(
        tmp_path,
        [
            row(source_id="P1"),
            row(source_id="P2", given_name="Oliver", family_name="Brown", gender="M"),
            row(source_id="P3", given_name="Ada", family_name="Okafor"),
            row(source_id="P4", given_name="Ben", family_name="Okafor"),
            row(source_id="P1", service_code="GP1", service_type="gp", practitioner_name="Dr Hill"),
            row(source_id="P1", service_code="YTH", service_type="youth", involvement_start=""),
            row(source_id="P1", service_code="SCN", service_type="school_nursing"),
        ],
    )
    catherine = Child.objects.get(given_name="Catherine")
    assert Child.objects.filter(family_name="Whitfield").count() == 1
    assert {i.service.code for i in catherine.involvements.all()} == {"SCH1", "GP1", "SCN"}
    assert SourceRecord.objects.get(source_id="P1").child == catherine
    assert outcomes["P1"]["child_id"] == str(catherine.public_id)


def test_the_change_history_of_a_feed_names_the_fields_but_not_the_childs_details(tmp_path):
    """The rows django-auditlog would write if each object were saved one by one; the
    personal values stay out of the changes, as records/apps.py registers them."""
    role = 'Class "teacher" \\ Zoë\ttabbed'
    import_rows(tmp_path, [row(practitioner_role=role)])
    child = Child.objects.get()
    entry = LogEntry.objects.get_for_object(child).get()
    assert (entry.action, entry.object_repr) == (LogEntry.Action.CREATE, str(child))
    assert entry.changes["public_id"] == ["None", str(child.public_id)]
    assert entry.changes["is_shielded"] == ["None", "False"]
    assert not {"given_name", "family_name", "date_of_birth"} & set(entry.changes)
    assert "Catherine" not in str(entry.changes) and "2015" not in str(entry.changes)
    address = LogEntry.objects.get_for_object(child.addresses.get()).get()
    assert address.changes["status"] == ["None", "current"]
    assert "SE6" not in str(address.changes) and "High Street" not in str(address.changes)
    involvement = Involvement.objects.get()
    entry = LogEntry.objects.get_for_object(involvement).get()
    assert entry.object_repr == str(involvement)
    assert entry.changes["role"] == ["None", role]
    assert entry.changes["external_ref"] == ["None", "P1|SCH1|2024-09-01"]
    assert entry.changes["practitioner"] == ["None", str(involvement.practitioner_id)]

    import_rows(tmp_path, [row(practitioner_role=role, involvement_end="2025-07-18")])
    update = LogEntry.objects.get_for_object(involvement).get(action=LogEntry.Action.UPDATE)
    assert set(update.changes) == {"end_date", "updated_at"}
    assert update.changes["end_date"] == ["None", "2025-07-18"]


def test_a_batch_the_database_refuses_is_retried_row_by_row(tmp_path):
    """A practitioner email too long for its column passes the row checks: only that row
    is lost, the rest of its batch lands."""
    rows = [row(source_id="OK1"), row(source_id="BAD", practitioner_email="x" * 300)]
    rows.append(row(source_id="OK2", given_name="Oliver", family_name="Brown"))
    outcomes = import_rows(tmp_path, rows)
    assert outcomes["OK1"]["outcome"] == outcomes["OK2"]["outcome"] == "created"
    assert outcomes["BAD"]["outcome"] == "rejected"


@pytest.mark.django_db(transaction=True)
def test_an_import_killed_after_its_first_batch_resumes_without_loss_or_duplicates(tmp_path):
    people = 1500
    rows = []
    for n in range(people):
        born = (datetime.date(2010, 1, 1) + datetime.timedelta(days=n)).isoformat()
        person = {
            "source_id": f"K{n}",
            "given_name": f"Given{n}",
            "family_name": f"Family{n}",
            "date_of_birth": born,
        }
        rows.append(row(**person))
        rows.append(row(**person, service_code="GP1", service_type="gp"))
    path = write_csv(tmp_path / "feed.csv", rows)
    # The same server as this test run, its test database.
    url = urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{connection.settings_dict['NAME']}")
    env = {**os.environ, "IMPORT_BATCH_ROWS": "200"}
    process = subprocess.Popen(  # noqa: S603  # nosec B603
        [sys.executable, "manage.py", "import_records", str(path), "--source", "KILLED"],
        cwd=ROOT,
        env={**env, "DATABASE_URL": urlunsplit(url)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while not AuditEvent.objects.filter(action=Action.FEED_IMPORT).exists():
        assert process.poll() is None, "the import ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    # Nothing of the killed import lingers: the process that matched its next batch (see
    # tests/feeds/test_overlap.py) ends with it, and so do both connections.
    # That process may still be starting (a second or two) when the import is killed, so
    # the database must stay free of other connections for a while, not just once.
    deadline, free_since = time.monotonic() + 30, None
    with connection.cursor() as cursor:
        while free_since is None or time.monotonic() - free_since < 4:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            others = cursor.fetchone()[0]
            free_since = (free_since or time.monotonic()) if others == 0 else None
            assert time.monotonic() < deadline, "the killed import left a connection open"
            time.sleep(0.1)
    landed = Child.objects.count()
    assert 0 < landed < people  # killed part way: some batches in, the rest not
    assert SourceRecord.objects.count() == landed

    call_command("import_records", str(path), "--source", "KILLED")
    assert Child.objects.count() == people
    assert SourceRecord.objects.count() == people
    assert Involvement.objects.count() == 2 * people


def test_a_first_load_recounts_the_index_as_it_grows(tmp_path, settings, monkeypatch):
    """The prior and the name frequencies are read at the start of an import; a first load
    into an empty index recounts them once it has created enough children, so its later
    batches are matched against the index they meet, not the empty one."""
    from feeds import matching, pipeline

    monkeypatch.setattr(pipeline, "FREQUENCIES_REFRESH_CHILDREN", 3)
    settings.IMPORT_BATCH_ROWS = 2
    names = ["Oliver", "Amelia", "Noah", "Isla", "Leo", "Ava", "Jack"]
    import_rows(
        tmp_path,
        [row(source_id=f"N{n}", given_name=name) for n, name in enumerate(names)],
    )
    counted = matching.name_frequencies()  # the count the import left cached
    assert counted.total >= 3
    assert counted.total <= Child.objects.count() == len(names)


def test_an_import_collects_garbage_less_often_and_restores_the_collector_after(tmp_path):
    """The import raises the collector's thresholds and freezes what existed before it;
    afterwards the process is as it was, even when the import fails."""
    import gc

    from feeds import pipeline

    before = gc.get_threshold()
    seen = []
    original = pipeline._import_batch

    def watching(prepared, run, carried=None):
        seen.append((gc.get_threshold(), gc.get_freeze_count() > 0))
        return original(prepared, run, carried)

    pipeline._import_batch = watching
    try:
        import_rows(tmp_path, [row(source_id="G1")])
        assert seen == [(pipeline.IMPORT_GC_THRESHOLD, True)]
        assert gc.get_threshold() == before
        assert gc.get_freeze_count() == 0

        def failing(prepared, run, carried=None):
            raise RuntimeError("the database went away")

        pipeline._import_batch = failing
        with pytest.raises(RuntimeError):
            import_rows(tmp_path, [row(source_id="G2")])
        assert gc.get_threshold() == before
        assert gc.get_freeze_count() == 0
    finally:
        pipeline._import_batch = original
