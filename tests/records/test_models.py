"""The database refuses what must never happen."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from involvements.models import Involvement
from records.models import Address, AddressStatus, ChildName, NameKind
from records.names import normalise_name, normalise_postcode, phonetic_key
from tests.factories import make_child, make_involvement

pytestmark = pytest.mark.django_db


def test_a_child_has_an_opaque_public_id_and_keeps_its_search_forms():
    child = make_child("Zoë", "O'Brien-Smith")
    assert child.public_id.version == 4
    name = child.names.get(kind=NameKind.CURRENT)
    assert name.family_norm == "obrien smith"
    assert name.given_norm == "zoe"
    assert name.family_key == phonetic_key("obrien smith")


def test_a_child_cannot_have_two_current_names():
    child = make_child()
    with pytest.raises(IntegrityError), transaction.atomic():
        ChildName.objects.create(
            child=child, kind=NameKind.CURRENT, given_name="A", family_name="B"
        )


def test_a_child_cannot_have_two_current_addresses():
    child = make_child(postcode="SE6 4RU")
    with pytest.raises(IntegrityError), transaction.atomic():
        Address.objects.create(child=child, status=AddressStatus.LAST_KNOWN, line_1="2 Other Road")
    Address.objects.create(child=child, status=AddressStatus.PREVIOUS, line_1="3 Old Road")
    assert child.addresses.count() == 2


def test_an_address_cannot_end_before_it_starts():
    child = make_child(postcode=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        Address.objects.create(
            child=child,
            status=AddressStatus.PREVIOUS,
            line_1="1 Road",
            moved_in=datetime.date(2020, 1, 1),
            moved_out=datetime.date(2019, 1, 1),
        )


def test_an_involvement_cannot_end_before_it_starts():
    child = make_child()
    with pytest.raises(IntegrityError), transaction.atomic():
        make_involvement(child, start=datetime.date(2024, 1, 1), end=datetime.date(2023, 12, 31))


def test_current_involvements_exclude_ended_and_future_ones():
    child = make_child()
    today = datetime.date.today()
    now = make_involvement(child, start=today - datetime.timedelta(days=5))
    make_involvement(
        child, start=today - datetime.timedelta(days=50), end=today - datetime.timedelta(days=1)
    )
    make_involvement(child, start=today + datetime.timedelta(days=5))
    assert list(Involvement.objects.current()) == [now]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("se64ru", "SE6 4RU"), (" SW1A 1AA ", "SW1A 1AA"), ("se6", "SE6"), ("123", ""), ("", "")],
)
def test_postcodes_are_normalised_or_refused(raw, expected):
    assert normalise_postcode(raw) == expected


def test_names_are_normalised_without_accents_hyphens_or_apostrophes():
    assert normalise_name("  Zoë  O’Brien-Smith ") == "zoe obrien smith"
