import pytest
from django.core.management import call_command

from feeds.quality import run
from records.models import Child

pytestmark = pytest.mark.django_db


def test_the_matcher_meets_its_precision_and_recall_targets_on_a_noisy_feed():
    report = run(people=120, seed=11)
    assert report.precision >= 0.999
    assert report.recall >= 0.99
    assert report.new_linked == 0
    assert Child.objects.count() == 0  # the synthetic borough was rolled back


def test_the_quality_command_reports(capsys):
    call_command("matching_quality", "--people", "30")
    assert "precision=" in capsys.readouterr().out
