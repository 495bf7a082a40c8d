"""One given-name equivalence resource for search and matching: British nicknames,
spellings whose sound-alike keys differ, and transliterations, beside the nicknames package."""

import datetime

import pytest

from accounts.roles import Role
from records.names import (
    given_name_variants,
    name_equivalence_keys,
    name_equivalence_table,
    normalise_name,
    phonetic_key,
)
from records.search import SearchCriteria, search_children
from tests.factories import make_child, make_user

BRITISH = [
    ("olly", "oliver"),
    ("ollie", "olivia"),
    ("livvy", "olivia"),
    ("liv", "olivia"),
    ("izzy", "isabella"),
    ("izzy", "isobel"),
    ("evie", "evelyn"),
    ("eve", "evelyn"),
    ("immy", "imogen"),
    ("florrie", "florence"),
    ("mo", "mohammed"),
    ("mo", "muhammad"),
    ("charlie", "charlotte"),
    ("charlie", "charles"),
    ("zuzia", "zuzanna"),
    ("kasia", "katarzyna"),
    ("seun", "oluwaseun"),
    ("alfie", "alfred"),
    ("ellie", "eleanor"),
    ("millie", "amelia"),
    ("millie", "mildred"),
    ("harry", "henry"),
    ("jack", "john"),
    ("sasha", "alexander"),
    ("kuba", "jakub"),
    ("tobi", "oluwatobi"),
    ("emeka", "chukwuemeka"),
]
# Spellings whose sound-alike keys differ, so that only the table makes them equal.
ACROSS_KEYS = [
    ("neve", "niamh"),
    ("reece", "rhys"),
    ("eva", "aoife"),
    ("shivaun", "siobhan"),
    ("ayesha", "aisha"),
    ("caoimhe", "keeva"),
    ("saoirse", "seersha"),
]
SPELLINGS = [
    *ACROSS_KEYS,
    ("muhammad", "mohamed"),
    ("mohammad", "muhammed"),
    ("sofia", "sophie"),
]
NOT_THE_SAME = [
    ("oliver", "olivia"),  # Ollie is short for both; they are not each other
    ("amelia", "mia"),
    ("ava", "eva"),
    ("charles", "charlotte"),
    ("ali", "alexander"),
    ("sean", "john"),
]


@pytest.mark.parametrize(("name", "other"), BRITISH + SPELLINGS)
def test_names_in_everyday_british_use_are_each_others_variants(name, other):
    assert other in given_name_variants(name)
    assert name in given_name_variants(other)
    assert name_equivalence_keys(name) & name_equivalence_keys(other)


@pytest.mark.parametrize(("name", "other"), ACROSS_KEYS)
def test_the_spelling_variants_are_ones_the_sound_alike_key_alone_misses(name, other):
    assert phonetic_key(name) != phonetic_key(other)


@pytest.mark.parametrize(("name", "other"), NOT_THE_SAME)
def test_names_that_only_share_a_nickname_or_look_alike_are_not_equivalent(name, other):
    assert other not in given_name_variants(name)
    assert not name_equivalence_keys(name) & name_equivalence_keys(other)


def test_the_package_nicknames_are_still_there():
    assert "robert" in given_name_variants("bob")
    assert "catherine" in given_name_variants("cathy")


def test_a_name_nobody_listed_is_its_own_only_variant():
    assert given_name_variants("zxqvy") == {"zxqvy"}
    assert name_equivalence_keys("zxqvy") == {"zxqvy"}
    assert given_name_variants("") == frozenset()


def test_every_name_in_the_resource_is_stored_normalised_and_variants_stay_few():
    table = name_equivalence_table()
    assert len(table) > 2500
    for name in table:
        assert name == normalise_name(name)
    # The search puts every variant's phonetic key in its candidate query: keep it short.
    assert max(len(given_name_variants(name)) for name in table) <= 64


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("stored", "typed"),
    [("Oliver", "Olly"), ("Niamh", "Neve"), ("Katarzyna", "Kasia"), ("Oluwaseun", "Seun")],
)
def test_search_finds_a_child_by_a_british_nickname_or_spelling(stored, typed):
    dob = datetime.date(2016, 9, 30)
    child = make_child(stored, "Adebayo-Nowak", dob)
    make_child("Olivia", "Adebayo-Nowak", datetime.date(2014, 2, 3))
    searcher = make_user(roles=(Role.PRACTITIONER,))
    outcome = search_children(
        user=searcher,
        criteria=SearchCriteria(given_name=typed, family_name="Adebayo-Nowak", date_of_birth=dob),
        cap=20,
    )
    assert [m.child for m in outcome.matches][:1] == [child]
