import datetime

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import User
from involvements.models import Involvement
from records.models import Address, Child, ChildName
from records.search import SearchCriteria, search_children

pytestmark = pytest.mark.django_db


def counts():
    return [m.objects.count() for m in (Child, ChildName, Address, Involvement, User, Group)]


def test_seed_demo_builds_a_borough_and_a_second_run_changes_nothing(settings):
    settings.DEMO_MODE = True
    call_command("seed_demo", children=60)
    first = counts()
    assert first[0] == 60
    assert User.objects.filter(username="senco", totpdevice__confirmed=True).exists()
    call_command("seed_demo", children=60)
    assert counts() == first


def test_the_demo_case_study_child_is_found_by_a_misspelt_name_with_the_date_of_birth():
    call_command("seed_demo", children=60)
    carol = Child.objects.get(given_name="Carol", family_name="Whitfield")
    searcher = User.objects.get(username="senco")
    outcome = search_children(
        user=searcher,
        criteria=SearchCriteria(
            given_name="Carol", family_name="Whitfeild", date_of_birth=carol.date_of_birth
        ),
        cap=20,
    )
    assert outcome.matches[0].child == carol


def test_demo_logins_refuse_to_print_secrets_outside_demo_mode(settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError):
        call_command("demo_logins")
    with pytest.raises(CommandError):
        call_command("demo_totp", "senco")


def test_demo_nhs_numbers_are_valid_and_the_shielded_child_has_a_decision():
    from records.identifiers import nhs_number_valid
    from records.models import ChildIdentifier, ShieldDecision

    call_command("seed_demo", children=60)
    numbers = list(ChildIdentifier.objects.values_list("value", flat=True))
    assert numbers and all(nhs_number_valid(n) for n in numbers)
    leah = Child.objects.get(given_name="Leah", family_name="Harrington")
    assert leah.is_shielded and leah.shield_review_due is not None
    assert ShieldDecision.objects.filter(child=leah, shielded=True).exists()


def test_apply_retention_on_the_demo_lists_then_does_what_the_policy_says(capsys):
    call_command("seed_demo", children=60)
    before = Child.objects.count()
    call_command("apply_retention", "--dry-run")
    out = capsys.readouterr().out
    assert "1 record(s) would be archived, 1 would be deleted" in out
    assert Child.objects.count() == before
    call_command("apply_retention")
    assert "1 record(s) were archived, 1 were deleted" in capsys.readouterr().out
    assert Child.objects.count() == before - 1
    assert Child.objects.get(given_name="Tyler").archived_on is not None
    assert Child.objects.get(given_name="Jade").archived_on is None


def test_an_older_demo_borough_gets_the_missing_case_studies_and_nothing_else(settings):
    call_command("seed_demo", children=60)
    Child.objects.get(given_name="Kieran", family_name="Doyle").delete()
    Involvement.objects.filter(service__code="SVC-NURSERY").delete()
    before = counts()

    call_command("seed_demo", children=60)
    alfie = Child.objects.get(given_name="Alfie", family_name="Brennan")
    assert alfie.involvements.filter(service__code="SVC-NURSERY").count() == 1
    kieran = Child.objects.get(given_name="Kieran", family_name="Doyle")
    assert set(kieran.involvements.values_list("service__code", flat=True)) == {
        "SVC-HILLSIDE",
        "SVC-STMARY",
        "SVC-CSC",
        "SVC-GP-FOREST",
    }
    assert counts()[0] == before[0] + 1
    after = counts()
    call_command("seed_demo", children=60)
    assert counts() == after


def test_the_demo_has_last_weeks_views_of_carol_for_the_auditor():
    from audit.models import Action, AuditEvent

    call_command("seed_demo", children=60)
    carol = Child.objects.get(given_name="Carol", family_name="Whitfield")
    views = AuditEvent.objects.filter(action=Action.RECORD_VIEW, object_id=str(carol.public_id))
    today = datetime.date.today()
    last_week = views.filter(
        occurred_at__date__gte=today - datetime.timedelta(days=7),
        occurred_at__date__lt=today,
    )
    assert sorted(last_week.values_list("actor_username", flat=True)) == ["mentor", "override"]
    assert views.count() == 3
    # The involvements say when they last changed: never in the future, never before they began.
    for row in Involvement.objects.all():
        assert row.start_date <= row.updated_at.date() <= today
