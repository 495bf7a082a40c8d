"""Guards, not timings: the search's candidate queries can use the intended indexes.

With a handful of rows PostgreSQL rightly prefers a sequential scan, so these tests
switch sequential scans off and check that the planner then finds an index for every
predicate; a predicate no index serves would still need a scan.
"""

import datetime

import pytest
from django.db import connection

from accounts.roles import Role
from records.models import Address, Child, ChildName
from records.search import SearchCriteria, _candidates, _NameQuery
from tests.database import as_owner
from tests.factories import make_child, make_user

pytestmark = pytest.mark.django_db


def plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    # Statistics of this test's rows only, not of whatever earlier tests left behind: with
    # stale statistics the planner's choice between equally cheap indexes varied. Only the
    # tables' owner may ANALYZE them (the serving role's ANALYZE is skipped with a warning).
    as_owner("ANALYZE records_child, records_childname, records_address")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.fixture
def searcher():
    for n in range(30):
        make_child(f"Kid{n}", f"Family{n}", datetime.date(2012, 1, 1) + datetime.timedelta(days=n))
    return make_user(roles=(Role.PRACTITIONER,))


def candidates(user, **criteria):
    query = SearchCriteria(**criteria)
    return _candidates(user, Child.objects.all(), query, _NameQuery.from_criteria(query))


def test_a_name_and_year_search_reads_names_by_sound_and_date(searcher):
    text = plan(candidates(searcher, given_name="Kid1", family_name="Famly1", birth_year=2012))
    # Every branch is an index range (which index the planner picks for a branch depends
    # on the statistics); none reads the table.
    assert "Seq Scan on records_childname" not in text, text
    assert text.count("Scan using childname_") + text.count("Scan on childname_") >= 3, text


def test_a_name_only_search_uses_the_key_and_trigram_indexes(searcher):
    text = plan(candidates(searcher, given_name="Kid1", family_name="Family1"))
    assert "Seq Scan on records_childname" not in text, text
    assert text.count("Scan using childname_") + text.count("Scan on childname_") >= 3, text
    # The word-inside-a-double-barrelled-name predicate has its own trigram index.
    trigram = ChildName.objects.filter(family_norm__trigram_word_similar="smith")
    assert "childname_family_trgm" in plan(trigram)


def test_a_full_date_of_birth_search_uses_the_date_index(searcher):
    text = plan(candidates(searcher, family_name="Smith", date_of_birth=datetime.date(2012, 1, 5)))
    assert "Seq Scan on records_child" not in text
    assert "records_child_date_of_birth" in plan(
        Child.objects.filter(date_of_birth__in=[datetime.date(2012, 1, 5)])
    )


def test_a_postcode_search_uses_the_postcode_indexes(searcher):
    # The planner may reach addresses through several indexes; none may need a full scan.
    assert "Seq Scan on records_address" not in plan(
        candidates(searcher, given_name="Kid1", postcode="SE6 4RU")
    )
    assert "Seq Scan on records_address" not in plan(
        candidates(searcher, given_name="Kid1", postcode="SE6")
    )
    # And the postcode predicates themselves are served by their own indexes.
    assert "address_postcode_idx" in plan(Address.objects.filter(postcode="SE6 4RU"))
    assert "address_district_idx" in plan(Address.objects.filter(postcode_district="SE6"))


def test_a_full_date_of_birth_search_reads_names_by_their_date_of_birth_index(searcher):
    text = plan(
        candidates(
            searcher,
            given_name="Kid3",
            family_name="Famly3",
            date_of_birth=datetime.date(2012, 1, 4),
        )
    )
    assert "childname_dob" in text, text
    assert "Seq Scan on records_childname" not in text
    # The sound-alike half (a mistyped date of birth) has its own index on keys and date:
    # among many children born in the same years, it is the one that narrows the search.
    for n in range(60):
        make_child(f"Other{n}", "Quigley", datetime.date(2011, 6, 1) + datetime.timedelta(days=n))
    near = ChildName.objects.filter(
        family_key="FML",
        given_key__in=["KT", "KTS"],
        date_of_birth__range=(datetime.date(2011, 1, 1), datetime.date(2013, 12, 31)),
    )
    assert "childname_family_dob" in plan(near)


def test_names_carry_their_childs_date_of_birth_and_follow_corrections(searcher):
    child = make_child("Ada", "Lovelace", datetime.date(2015, 12, 10))
    assert set(child.names.values_list("date_of_birth", flat=True)) == {datetime.date(2015, 12, 10)}
    Child.objects.filter(id=child.id).update(date_of_birth=datetime.date(2015, 10, 12))
    assert set(child.names.values_list("date_of_birth", flat=True)) == {datetime.date(2015, 10, 12)}
