"""Estimating m and u from data: EM finds the m that made the pairs, and the command shows
the estimates beside the shipped tables."""

import random

import pytest
from django.core.management import call_command

from feeds.estimation import expectation_maximisation
from feeds.scoring import GIVEN


def draw(rng: random.Random, table: dict[str, float]) -> str:
    return rng.choices(list(table), weights=list(table.values()))[0]


def test_expectation_maximisation_finds_the_m_that_made_the_pairs_without_their_truth():
    rng = random.Random(3)
    m = {
        "given_name": {"exact": 0.5, "equivalent": 0.3, "close": 0.15, "different": 0.05},
        "date_of_birth": {"exact": 0.7, "one_day": 0.25, "different": 0.05},
        "gender": {"same": 0.95, "different": 0.05},
    }
    u = {
        "given_name": {"exact": 0.01, "equivalent": 0.02, "close": 0.02, "different": 0.95},
        "date_of_birth": {"exact": 0.01, "one_day": 0.02, "different": 0.97},
        "gender": {"same": 0.5, "different": 0.5},
    }
    vectors = []
    for _ in range(20_000):
        table = m if rng.random() < 0.2 else u
        vectors.append({name: draw(rng, levels) for name, levels in table.items()})

    found, share = expectation_maximisation(vectors, u)

    assert share == pytest.approx(0.2, abs=0.02)
    for name, levels in m.items():
        for level, value in levels.items():
            assert found[name][level] == pytest.approx(value, abs=0.03), (name, level)


def test_fields_a_blocking_rule_fixed_are_not_estimated():
    vectors = [{"given_name": "exact", "date_of_birth": "exact"}] * 10
    found, _ = expectation_maximisation(
        vectors, {"given_name": {"exact": 0.01}}, fixed=["date_of_birth"]
    )
    assert set(found) == {"given_name"}


def test_the_quality_command_prints_the_estimates_beside_the_shipped_tables(capsys):
    call_command("matching_quality", "--estimate", "--people", "300")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "field",
        "level",
        "m",
        "shipped",
        "m",
        "EM",
        "m",
        "truth",
        "u",
        "shipped",
        "u",
        "random",
    ]
    exact = next(
        line.split() for line in lines if line.startswith("given_name") and " exact " in line
    )
    assert float(exact[2]) == GIVEN["exact"][0]
    assert 0.4 < float(exact[3]) < 0.8 and 0.4 < float(exact[4]) < 0.8
