"""The noise the hostile feed showed the matcher missing: each case is found and linked or sent
to review, never made a duplicate; and the look-alikes that must still never link."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection

from feeds import candidates as blocking
from feeds.matching import LINK, REVIEW, Incoming, match, person_facts
from feeds.scoring import TF_MIN_COUNT, Candidate, NameFacts, NameFrequencies, score_pair
from records.names import phonetic_key
from tests.factories import make_child
from tests.feeds.test_import import report_rows, row, write_csv

pytestmark = pytest.mark.django_db

DOB = datetime.date(2016, 9, 30)


def incoming(given: str, family: str, dob: datetime.date = DOB, **values) -> Incoming:
    return Incoming(given_name=given, family_name=family, date_of_birth=dob, **values)


def decide(person: Incoming):
    return match(person, source="HEALTH", source_id="H1")


# -- a surname changed without the old name ------------------------------------------------


def test_a_surname_change_without_the_old_name_links_when_the_postcode_agrees():
    freya = make_child("Freya", "Campbell", DOB, postcode="BS5 1UX")
    decision = decide(incoming("Freya", "Achterberg", gender="F", postcode="BS5 1UX"))
    assert (decision.outcome, decision.child) == (LINK, freya)


def test_a_surname_change_without_the_old_name_after_a_move_goes_to_review():
    freya = make_child("Freya", "Campbell", DOB, postcode="BS5 1UX")
    decision = decide(incoming("Freya", "Achterberg", gender="F", postcode="L9 7RY"))
    assert (decision.outcome, decision.child) == (REVIEW, freya)
    assert any("new family name" in reason for reason in decision.reasons)


def test_a_stranger_sharing_only_a_given_name_and_a_birthday_is_never_linked():
    make_child("Edward", "Okonjo", DOB, gender="M", postcode="N5 7UQ")
    decision = decide(incoming("Edward", "Bell", gender="M"))
    assert decision.outcome != LINK


def test_a_surname_change_and_a_typo_in_the_given_name_are_found_at_the_same_address():
    amelia = make_child("Amelia", "Richardson", DOB, postcode="BS13 1TS")
    decision = decide(incoming("Aelia", "Gregory", gender="F", postcode="BS13 1TS"))
    assert (decision.outcome, decision.child) == (LINK, amelia)


def test_a_surname_change_across_a_month_end_at_the_same_address_links():
    isobel = make_child("Isobel", "Clarke", datetime.date(2012, 3, 31), postcode="L5 1HY")
    decision = decide(
        incoming("Isobel", "Hawkins", datetime.date(2012, 4, 1), gender="F", postcode="L5 1HY")
    )
    assert (decision.outcome, decision.child) == (LINK, isobel)


# -- typos in both names -----------------------------------------------------------------


def test_typos_in_both_names_are_found_by_the_postcode_and_the_birthday():
    mohammed = make_child("Mohammed", "Wright", DOB, gender="M", postcode="B1 2FZ")
    decision = decide(incoming("Mohamemd", "Wirght", gender="M", postcode="B1 2FZ"))
    assert (decision.outcome, decision.child) == (LINK, mohammed)


def test_typos_in_both_names_after_a_move_are_found_by_the_initials_and_the_birthday():
    florence = make_child("Florence", "Doyle", DOB, postcode="BS9 5TN")
    decision = decide(incoming("Florenee", "Doyee", gender="F", postcode="B9 1QE"))
    assert (decision.outcome, decision.child) == (LINK, florence)


def test_two_letters_typed_the_wrong_way_round_in_a_short_name_are_a_near_spelling():
    ava = make_child("Ava", "Cooper", DOB, postcode="L13 9DG")
    decision = decide(incoming("Aav", "Cooper", gender="F", postcode="SE9 9PS"))
    assert (decision.outcome, decision.child) == (LINK, ava)
    assert {"field": "given_name", "level": "close", "weight": pytest.approx(4.1, abs=0.1)} in (
        decision.explanation
    )


# -- middle names and double-barrelled names ---------------------------------------------


def test_a_middle_name_added_by_the_source_links():
    ava = make_child("Ava", "Jackson", DOB, postcode="BS9 2NG")
    decision = decide(incoming("Ava Zainab", "Jackson", gender="F", postcode="BS9 2NG"))
    assert (decision.outcome, decision.child) == (LINK, ava)


def test_a_middle_name_and_a_new_surname_are_found_by_the_first_given_name():
    kieran = make_child("Kieran", "Johnson", DOB, gender="M", postcode="LS5 6WE")
    decision = decide(incoming("Kieran Charles", "Ahmed", gender="M"))
    assert (decision.outcome, decision.child) == (REVIEW, kieran)


def test_a_mistyped_first_name_with_a_middle_name_is_a_near_spelling():
    pair = score_pair(
        person_facts(incoming("Oiver Charles", "Reid")),
        Candidate(1, DOB, "M", [NameFacts("oliver", "reid", "OLFR", "RT")]),
    )
    assert pair.level("given_name") == "close"


@pytest.mark.parametrize(
    ("held", "sent"),
    [("Davies", "Walker-Davies"), ("Smith-Jones", "Jones")],
)
def test_one_half_of_a_double_barrelled_name_links(held, sent):
    olivia = make_child("Olivia", held, DOB, postcode="M5 6JZ")
    decision = decide(incoming("Olivia", sent, gender="F", postcode="M5 6JZ"))
    assert (decision.outcome, decision.child) == (LINK, olivia)


def test_a_mistyped_half_of_a_double_barrelled_name_is_a_near_spelling():
    pair = score_pair(
        person_facts(incoming("Freya", "Snith-Jones")),
        Candidate(1, DOB, "F", [NameFacts("freya", "smith", "FR", "SM0")]),
    )
    assert pair.level("family_name") == "close"


# -- what must still never link ----------------------------------------------------------


def test_a_boy_and_a_girl_twin_with_alike_names_are_never_linked():
    make_child("Oliver", "Iqbal", DOB, gender="M", postcode="BS5 9QD")
    decision = decide(incoming("Olivia", "Iqbal", gender="F", postcode="BS5 9QD"))
    assert decision.outcome != LINK


def test_a_namesake_born_a_few_days_apart_is_never_linked():
    make_child("Jack", "Stone", DOB, gender="M", postcode="B5 9JJ")
    decision = decide(incoming("Jack", "Stone", DOB + datetime.timedelta(days=3), gender="M"))
    assert decision.outcome != LINK


def test_a_child_born_on_the_same_day_at_the_same_address_with_other_names_is_not_linked():
    make_child("Zainab", "Okafor", DOB, postcode="SE6 4RU")
    decision = decide(incoming("Harriet", "Wilkinson", gender="F", postcode="SE6 4RU"))
    assert decision.outcome != LINK


# -- the model: a prior that follows the index, postcodes read from it ----------------------


def freya_campbell(postcode: str = "BS5 1UX") -> Candidate:
    return Candidate(
        1,
        DOB,
        "F",
        [NameFacts("freya", "campbell", phonetic_key("freya"), phonetic_key("campbell"))],
        postcodes=frozenset({postcode}),
    )


def test_the_same_evidence_is_weaker_in_a_larger_index():
    person = person_facts(incoming("Freya", "Achterberg", gender="F", postcode="L9 7RY"))
    small = score_pair(person, freya_campbell(), NameFrequencies({}, {}, 1_000))
    national = score_pair(person, freya_campbell(), NameFrequencies({}, {}, 11_000_000))
    assert small.weight == national.weight
    assert national.score < 50 <= small.score
    assert national.explanation()[0] == {"field": "prior", "level": "", "weight": -20.5}


def test_a_shared_postcode_proves_more_where_few_children_share_one():
    person = person_facts(incoming("Freya", "Campbell", gender="F", postcode="BS5 1UX"))
    crowded = score_pair(person, freya_campbell(), NameFrequencies({}, {}, 10_000, 0.01))
    sparse = score_pair(person, freya_campbell(), NameFrequencies({}, {}, 10_000, 0.00001))
    assert sparse.weight - crowded.weight == pytest.approx(10, abs=0.1)


def test_the_index_says_how_often_two_children_share_a_postcode_or_a_district():
    for given, postcode in [("Ava", "SE6 4RU"), ("Eva", "SE6 4RU"), ("Ola", "SE6 1AA")]:
        make_child(given, "Okafor", DOB, postcode=postcode)
    make_child("Ida", "Okafor", DOB, postcode="N1 9GU")
    with connection.cursor() as cursor:
        counted = blocking.name_frequencies(cursor, at_least=TF_MIN_COUNT, postcodes_at_least=4)
        too_few = blocking.name_frequencies(cursor, at_least=TF_MIN_COUNT)
    assert counted.total == 4
    assert counted.postcode_u == pytest.approx(2 / 12)  # one pair of the 12 ordered pairs
    assert counted.district_u == pytest.approx(6 / 12)  # three children in SE6
    assert too_few.postcode_u is None and too_few.district_u is None


# -- the bulk pipeline finds them the same way -------------------------------------------


def test_an_import_links_a_surname_change_and_typos_in_both_names_without_duplicates(tmp_path):
    freya = make_child("Freya", "Campbell", DOB, postcode="BS5 1UX")
    mohammed = make_child("Mohammed", "Wright", DOB, gender="M", postcode="B1 2FZ")
    rows = [
        row(source_id="P1", given_name="Freya", family_name="Achterberg", postcode="BS5 1UX",
            date_of_birth=DOB.isoformat()),
        row(source_id="P2", given_name="Mohamemd", family_name="Wirght", gender="M",
            postcode="B1 2FZ", date_of_birth=DOB.isoformat()),
    ]  # fmt: skip
    report = tmp_path / "report.csv"
    call_command(
        "import_records",
        str(write_csv(tmp_path / "feed.csv", rows)),
        "--source",
        "HEALTH",
        "--report",
        str(report),
    )
    outcomes = {r["source_id"]: (r["outcome"], r["child_id"]) for r in report_rows(report)}
    assert outcomes == {
        "P1": ("linked", str(freya.public_id)),
        "P2": ("linked", str(mohammed.public_id)),
    }


def test_names_that_differ_in_their_first_letter_are_not_near_spellings():
    """Ava and Eva are the names of twins, not a slip; Aav for Ava is a slip."""
    person = person_facts(incoming("Ava", "Jenkins"))
    eva = Candidate(1, DOB, "F", [NameFacts("eva", "jenkins", phonetic_key("eva"), "JNKNS")])
    assert score_pair(person, eva).level("given_name") == "different"
    mia = person_facts(incoming("Ima", "Jenkins"))
    held = Candidate(1, DOB, "F", [NameFacts("mia", "jenkins", phonetic_key("mia"), "JNKNS")])
    assert score_pair(mia, held).level("given_name") == "close"


# -- a candidate that shares keys with the wrong name does not end the search -------------------


def test_a_child_whose_names_both_sound_like_one_of_the_persons_does_not_stop_the_search():
    """Hallie Hill shares the key of Holly with both her names: she is not Holly Kingsmore
    typed the wrong way round, and finding her must not stop the wrong-way look."""
    make_child("Hallie", "Hill", DOB - datetime.timedelta(days=1), postcode="CR2 9BA")
    holly = make_child("Holly", "Kingsmore", DOB, postcode="CR20 9BA")
    decision = decide(incoming("kingsmore", "holly", gender="F", postcode="CR20 9BA"))
    assert (decision.outcome, decision.child) == (LINK, holly)


def test_a_namesake_sharing_the_given_names_key_twice_does_not_settle_the_search():
    """Rosie Ross (keys RS and RS) does not settle the look for Rosie Falby, so the wider
    look (the address, the same day) still runs; Rosie Falbey does, and so does Falby Rosie
    (the wrong way round)."""
    person = person_facts(incoming("Rosie", "Falby", gender="F", postcode="OX17 9AA"))
    rosie, falby = phonetic_key("rosie"), phonetic_key("falby")
    assert not blocking._settled(person, {(rosie, rosie)})
    assert blocking._settled(person, {(rosie, phonetic_key("falbey"))})
    assert blocking._settled(person, {(falby, rosie)})
    assert not blocking._settled(person, {(falby, falby)})


def test_another_childs_nhs_number_does_not_stop_the_search_by_name():
    """A number that belongs to another child (mistyped, or a source's mix-up) is a
    candidate, but the person's own child is still looked for by name, and wins."""
    from records.models import IdentifierKind
    from tests.feeds.test_pipeline import give_identifier, nhs_number

    harry = make_child("Harry", "Ahmed", DOB, gender="M", postcode="EX1 5BA")
    other = make_child("Zachary", "Quill", datetime.date(2011, 4, 2), gender="M")
    number = nhs_number(943476599)
    give_identifier(other, IdentifierKind.NHS_NUMBER, number)
    decision = decide(incoming("Ahmed", "Harry", nhs_number=number))
    assert (decision.outcome, decision.child) == (LINK, harry)


def test_names_the_wrong_way_round_find_a_nickname_of_the_given_name_in_a_national_index():
    """Sharp Melia is Amelia Sharp the wrong way round with a nickname: where one name alone
    cannot reach review, the wrong-way look still takes Melia's variants for the given name."""
    from feeds.scoring import NameFrequencies

    amelia = make_child("Amelia", "Sharp", DOB)
    make_child("Mia", "Johnson", DOB)  # a child of the same day who must not be proposed
    person = person_facts(incoming("Sharp", "Melia", gender="F"))
    national = NameFrequencies({"amelia": 110_000}, {"sharp": 30_000}, 11_000_000)
    with connection.cursor() as cursor:
        found = blocking.candidate_ids(cursor, {0: person}, frequencies=national, review_score=50)
    assert amelia.pk in found.get(0, set())
