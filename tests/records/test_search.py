"""Search finds the right child first despite typos, swapped or former names, partial dates."""

import datetime

import pytest

from accounts.roles import Role
from records.search import SearchCriteria, search_children
from tests.factories import make_child, make_user

pytestmark = pytest.mark.django_db

DOB = datetime.date(2015, 3, 27)


@pytest.fixture
def searcher():
    return make_user(roles=(Role.PRACTITIONER,))


@pytest.fixture
def borough():
    """The child we look for, among children with similar names and the same birthday."""
    target = make_child(
        "Catherine", "Whitfield", DOB, former=[("Catherine", "Moss")], postcode="SE6 4RU"
    )
    make_child("Catherine", "Whitmore", datetime.date(2014, 2, 2), postcode="SE13 5AB")
    make_child("Katie", "Whitfield", datetime.date(2012, 8, 9), postcode="SE6 1AA")
    make_child("Caroline", "Whitfield", DOB, postcode="SE8 3JD")
    make_child("Oliver", "Brown", DOB, postcode="SE6 4RU")
    return target


def first(searcher, **criteria):
    outcome = search_children(user=searcher, criteria=SearchCriteria(**criteria), cap=20)
    assert outcome.matches, "expected at least one match"
    return outcome.matches[0]


def ids(searcher, **criteria):
    outcome = search_children(user=searcher, criteria=SearchCriteria(**criteria), cap=20)
    return [match.child.id for match in outcome.matches]


def test_an_exact_name_and_date_of_birth_comes_first_marked_exact(searcher, borough):
    match = first(searcher, given_name="Catherine", family_name="Whitfield", date_of_birth=DOB)
    assert match.child == borough
    assert match.exact


def test_a_misspelt_family_name_with_the_date_of_birth_finds_the_child_first(searcher, borough):
    match = first(searcher, given_name="Catherine", family_name="Whitfeild", date_of_birth=DOB)
    assert match.child == borough
    assert not match.exact


def test_a_sound_alike_given_name_finds_the_child(searcher, borough):
    match = first(searcher, given_name="Kathryn", family_name="Whitfield", date_of_birth=DOB)
    assert match.child == borough


def test_a_nickname_finds_the_child(searcher, borough):
    match = first(searcher, given_name="Cathy", family_name="Whitfield", date_of_birth=DOB)
    assert match.child == borough


def test_given_and_family_names_typed_the_wrong_way_round_find_the_child(searcher, borough):
    match = first(searcher, given_name="Whitfield", family_name="Catherine", date_of_birth=DOB)
    assert match.child == borough


def test_a_former_family_name_finds_the_child_and_says_so(searcher, borough):
    match = first(searcher, given_name="Catherine", family_name="Moss")
    assert match.child == borough
    assert match.matched_former_name == "Catherine Moss"


def test_day_and_month_swapped_in_the_date_of_birth_still_finds_the_child(searcher):
    child = make_child("Jamal", "Okafor", datetime.date(2016, 12, 3))
    match = first(searcher, family_name="Okafor", date_of_birth=datetime.date(2016, 3, 12))
    assert match.child == child
    assert not match.exact


def test_year_of_birth_alone_narrows_the_search(searcher, borough):
    found = ids(searcher, family_name="Whitfield", birth_year=2015)
    assert borough.id in found
    assert all(
        child_id != borough.id
        for child_id in ids(searcher, family_name="Whitfield", birth_year=2012)
    )


def test_month_and_year_of_birth_narrow_the_search(searcher, borough):
    assert borough.id in ids(searcher, family_name="Whitfield", birth_year=2015, birth_month=3)
    assert borough.id not in ids(searcher, family_name="Whitfield", birth_year=2015, birth_month=4)


def test_a_full_postcode_or_a_district_finds_children_living_there(searcher, borough):
    assert borough.id in ids(searcher, given_name="Catherine", postcode="SE6 4RU")
    assert borough.id in ids(searcher, given_name="Catherine", postcode="SE6")
    assert borough.id not in ids(searcher, given_name="Catherine", postcode="SE13")


def test_an_age_range_narrows_the_search(searcher):
    today = datetime.date.today()
    young = make_child(
        "Ava", "Patel", today.replace(year=today.year - 3) - datetime.timedelta(days=10)
    )
    older = make_child(
        "Ava", "Patel", today.replace(year=today.year - 12) - datetime.timedelta(days=10)
    )
    found = ids(searcher, family_name="Patel", age_from=2, age_to=5)
    assert young.id in found
    assert older.id not in found


def test_accents_and_hyphens_do_not_matter(searcher):
    child = make_child("Zoë", "O'Connor-Smith", datetime.date(2017, 5, 1))
    assert first(searcher, given_name="Zoe", family_name="OConnor Smith").child == child
    assert first(searcher, given_name="zoe", family_name="o'connor-smith").child == child
    assert child.id in ids(searcher, given_name="Zoe", family_name="Smith")


def test_mohammed_finds_muhammad(searcher):
    child = make_child("Muhammad", "Rahman", datetime.date(2013, 7, 7), gender="M")
    assert first(searcher, given_name="Mohammed", family_name="Rahman").child == child


def test_a_stranger_with_the_same_birthday_is_not_returned(searcher, borough):
    assert make_child("Oliver", "Brown", DOB).id not in ids(
        searcher, given_name="Catherine", family_name="Whitfield", date_of_birth=DOB
    )


def test_results_are_capped_and_say_there_are_more(searcher):
    for day in range(1, 8):
        make_child("Sam", "Taylor", datetime.date(2014, 1, day))
    outcome = search_children(user=searcher, criteria=SearchCriteria(family_name="Taylor"), cap=5)
    assert len(outcome.matches) == 5
    assert outcome.more_than_cap


def test_a_user_without_a_searching_role_finds_nothing(borough):
    auditor = make_user(roles=(Role.AUDITOR,))
    assert ids(auditor, given_name="Catherine", family_name="Whitfield") == []


def test_a_shielded_child_is_never_found_by_postcode_by_ordinary_users(searcher):
    hidden = make_child(
        "Leah", "Harrington", datetime.date(2019, 6, 6), postcode="SE4 1NX", shielded=True
    )
    assert hidden.id not in ids(searcher, given_name="Leah", postcode="SE4 1NX")
    assert hidden.id not in ids(searcher, family_name="Harrington", postcode="SE4")
    match = first(
        searcher, given_name="Leah", family_name="Harrington", date_of_birth=hidden.date_of_birth
    )
    assert match.child == hidden
    assert match.postcode_district == ""
    index = make_user(roles=(Role.INDEX_TEAM,))
    assert hidden.id in ids(index, given_name="Leah", postcode="SE4 1NX")


def test_a_year_mistyped_in_the_date_of_birth_still_finds_the_child(searcher, borough):
    found = ids(
        searcher,
        given_name="Catherine",
        family_name="Whitfield",
        date_of_birth=DOB.replace(year=2016),
    )
    assert borough.id in found
    # But a child sharing only the names, born on a quite different day, is not a candidate.
    assert borough.id not in ids(
        searcher,
        given_name="Catherine",
        family_name="Whitfield",
        date_of_birth=datetime.date(2016, 8, 14),
    )
