"""The benchmark's recall ceiling: a known person the matcher missed counts as right at best
once in k + 1 when k other children fit the record as well as their own child does."""

import datetime

import pytest
from django.db import connection

from bench.hostile import recall_ceiling
from feeds.hostile_feed import FeedRecord
from feeds.quality import Outcome
from tests.factories import make_child

# transaction=True: the bench calls it outside any transaction, as this test does.
pytestmark = pytest.mark.django_db(transaction=True)

DOB = datetime.date(2015, 6, 3)


def record(source_id: str, given: str, family: str, truth: int | None, postcode: str = "M1 1AA"):
    return FeedRecord(source_id, given, family, DOB, "F", postcode, "", (), truth, ("moved",))


def test_a_record_other_children_fit_as_well_counts_at_best_once_in_k_plus_one():
    ella = make_child("Ella", "Harper", DOB, postcode="LS1 1AA")
    make_child("Ella", "Jarvis", DOB, postcode="BS1 1AA")  # fits "Ella Calcott" as well
    ruby = make_child("Ruby", "Stone", DOB, postcode="N1 1AA")
    pairs = [
        # A new surname after a move: Ella Harper and Ella Jarvis fit it equally.
        (record("S1", "Ella", "Calcott", ella.pk), Outcome("create")),
        # Linked right: counted as right.
        (record("S2", "Ruby", "Stone", ruby.pk, "N1 1AA"), Outcome("link", ruby.pk)),
        # A new person is not part of recall.
        (record("S3", "Zoe", "Quill", None), Outcome("create")),
    ]
    with connection.cursor() as cursor:
        ceiling = recall_ceiling(cursor, pairs)
    assert ceiling["missed"] == 1
    assert ceiling["missed_by_children_fitting_as_well"] == {"1": 1}
    assert ceiling["recall_ceiling"] == 0.75  # (1 + 1/2) of 2 known


def test_a_missed_record_only_its_own_child_fits_could_have_been_found():
    ruby = make_child("Ruby", "Stone", DOB, postcode="N1 1AA")
    pairs = [(record("S1", "Rubie", "Stone", ruby.pk), Outcome("create"))]
    with connection.cursor() as cursor:
        ceiling = recall_ceiling(cursor, pairs)
    assert ceiling == {
        "recall_ceiling": 1.0,
        "missed": 1,
        "missed_by_children_fitting_as_well": {"0": 1},
    }
