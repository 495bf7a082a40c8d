"""The import matches the next batch in a second process while the batch before is written.

Each test here makes the worst case certain: the next batch is matched completely before
the batch before it is written, so everything that batch wrote is unseen by the preparation
and must come through what the pipeline carries over (``feeds.pipeline._Carried``) or be
resolved again. The decisions must be those of an import that prepares batch by batch.
These tests commit (``transaction=True``): the second process has a connection of its own
and sees only committed rows, which is also why an import inside a caller's transaction
never overlaps.
"""

import multiprocessing
import time
from concurrent.futures import Future

import pytest
from django.db import DatabaseError, connection, transaction

from feeds import pipeline
from feeds.models import ReviewItem, SourceDuplicate, SourceRecord
from involvements.models import Involvement
from records.models import Child
from tests.factories import make_child
from tests.feeds.test_import import DOB, row
from tests.feeds.test_pipeline import import_rows

pytestmark = pytest.mark.django_db(transaction=True)


class Overlapped(list):
    """The batches (their line numbers) that went through the overlapping path; ``looked``:
    what the second process returned for each."""

    def __init__(self):
        super().__init__()
        self.looked = []


@pytest.fixture
def stale(monkeypatch, settings):
    """One row per batch, each prepared in full before the batch before it is written;
    returns the batches that went through the overlapping path."""
    settings.IMPORT_BATCH_ROWS = 1
    settings.IMPORT_OVERLAP = True
    submit, import_batch = pipeline._Preparer.submit, pipeline._import_batch
    overlapped = Overlapped()

    def submit_and_finish(self, batch):
        future = submit(self, batch)
        overlapped.looked.append(future.result())  # now, before the batch before is written
        return future

    def watching(prepared, run, carried=None):
        if carried is not None:
            overlapped.append([line for line, _ in prepared.batch])
        return import_batch(prepared, run, carried)

    monkeypatch.setattr(pipeline._Preparer, "submit", submit_and_finish)
    monkeypatch.setattr(pipeline, "_import_batch", watching)
    return overlapped


def test_the_rows_of_one_new_person_in_batches_prepared_together_make_one_child(tmp_path, stale):
    outcomes = import_rows(
        tmp_path,
        [
            row(source_id="P1"),
            row(source_id="P1", service_code="GP1", service_type="gp", practitioner_name="Dr Hill"),
            row(source_id="P1", service_code="SCN", service_type="school_nursing"),
        ],
    )
    assert stale == [[3], [4]]  # both later batches were prepared beside the one before
    child = Child.objects.get()
    assert {i.service.code for i in Involvement.objects.filter(child=child)} == {
        "SCH1",
        "GP1",
        "SCN",
    }
    assert SourceRecord.objects.get(source_id="P1").child == child
    assert outcomes["P1"]["child_id"] == str(child.public_id)


def test_a_second_id_prepared_beside_the_first_is_created_and_flagged(tmp_path, stale):
    outcomes = import_rows(tmp_path, [row(source_id="S1"), row(source_id="S2")])
    assert stale == [[3]]
    assert outcomes["S1"]["outcome"] == outcomes["S2"]["outcome"] == "created"
    assert Child.objects.count() == 2
    flag = SourceDuplicate.objects.get()
    assert (flag.source_id, flag.other_source_id) == ("S2", "S1")
    assert flag.child != flag.other_child


def test_a_child_linked_by_the_batch_before_is_not_linked_again_to_another_id(tmp_path, stale):
    """The batch before linked S1 to Catherine; S2, prepared before that link was written,
    sees her holding no id of this source, but the link is carried over: the source says
    S2 is someone else, so S2 makes a child of its own (and is flagged)."""
    catherine = make_child("Catherine", "Whitfield", DOB, postcode="SE6 4RU")
    outcomes = import_rows(tmp_path, [row(source_id="S1"), row(source_id="S2")])
    assert stale == [[3]]
    assert outcomes["S1"]["outcome"] == "linked"
    assert outcomes["S1"]["child_id"] == str(catherine.public_id)
    assert outcomes["S2"]["outcome"] == "created"
    assert list(SourceRecord.objects.filter(child=catherine).values_list("source_id", flat=True))
    assert SourceRecord.objects.filter(child=catherine).count() == 1
    assert SourceDuplicate.objects.filter(source_id="S2", other_source_id="S1").exists()


def test_a_person_sent_to_review_by_the_batch_before_waits_with_the_next_row(tmp_path, stale):
    make_child("Jack", "Smith", DOB, gender="M", postcode="SE6 4RU")
    make_child("Jack", "Smith", DOB, gender="M", postcode="N1 9GU")
    jack = {"given_name": "Jack", "family_name": "Smith", "gender": "M", "postcode": "E1 6AN"}
    import_rows(
        tmp_path,
        [row(source_id="J1", **jack), row(source_id="J1", service_code="GP1", **jack)],
    )
    assert stale == [[3]]
    item = ReviewItem.objects.get()
    assert item.source_id == "J1"
    assert len(item.rows) == 2  # the second row waits with the first, not a second item
    assert Child.objects.count() == 2


def test_the_import_overlaps_only_outside_a_callers_transaction(tmp_path, stale):
    with transaction.atomic():
        import_rows(tmp_path, [row(source_id="T1"), row(source_id="T2", given_name="Ada")])
        assert stale == []  # a second connection could not see this transaction's rows
    import_rows(tmp_path, [row(source_id="T3", given_name="Bea"), row(source_id="T4")])
    assert stale == [[3]]


def test_the_second_process_and_its_connection_end_with_the_import(tmp_path, stale):
    import_rows(tmp_path, [row(source_id="C1"), row(source_id="C2", given_name="Ada")])
    assert stale == [[3]]
    [looked] = stale.looked
    assert looked.backend_pid != connection.connection.info.backend_pid  # its own connection
    assert not multiprocessing.active_children()
    with connection.cursor() as cursor:
        deadline = time.monotonic() + 10
        while True:  # the server ends the backend a moment after the client leaves
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [looked.backend_pid]
            )
            if cursor.fetchone()[0] == 0:
                break
            assert time.monotonic() < deadline, "the second process's connection was left open"
            time.sleep(0.05)


def test_a_small_file_starts_no_second_process(tmp_path, monkeypatch, settings):
    settings.IMPORT_OVERLAP = True
    started = []
    monkeypatch.setattr(pipeline, "ProcessPoolExecutor", lambda **kw: started.append(kw))
    import_rows(tmp_path, [row(source_id="D1"), row(source_id="D1", service_code="GP1")])
    assert started == []  # one batch: nothing to prepare beside it


def test_a_batch_the_second_process_could_not_match_is_matched_here(
    tmp_path, monkeypatch, settings, caplog
):
    """Its connection lost, say: the batch is prepared again in its own transaction, and
    nothing is lost or doubled."""
    settings.IMPORT_BATCH_ROWS = 1
    settings.IMPORT_OVERLAP = True

    def failing(self, batch):
        future = Future()
        future.set_exception(DatabaseError("the second process lost its connection"))
        return future

    monkeypatch.setattr(pipeline._Preparer, "submit", failing)
    outcomes = import_rows(
        tmp_path,
        [
            row(source_id="E1"),
            row(source_id="E1", service_code="GP1", service_type="gp", practitioner_name="Dr Hill"),
            row(source_id="E2", given_name="Ada", family_name="Okafor"),
        ],
    )
    catherine = Child.objects.get(given_name="Catherine")
    assert Child.objects.count() == 2
    assert {i.service.code for i in Involvement.objects.filter(child=catherine)} == {"SCH1", "GP1"}
    assert outcomes["E2"]["outcome"] == "created"
    assert "could not match a batch" in caplog.text
