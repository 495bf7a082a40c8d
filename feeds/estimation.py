"""Estimating the model's m and u from data, as Splink does, to check or re-tune the tables
of ``feeds.scoring``.

- **u** from random pairs: a person of the feed against a child drawn at random is almost
  never the same child, so the share of random pairs at each level is its u.
- **m** by expectation maximisation over blocked pairs, with no truth needed: each pair is
  a match with a probability that follows from the current m, the u and the share of
  matches; the m are then re-counted with those probabilities as weights, until they
  settle. Pairs found by a blocking rule all agree on the rule's fields, which therefore
  say nothing in that session: names are estimated on pairs blocked on the date of birth,
  the date on pairs blocked on both name keys (Splink's training sessions).
- With the hostile feed's truth, m is also **counted** on the true pairs, as a check.

Pure: the caller brings the people and the children (``Person`` and ``Candidate``).
``manage.py matching_quality --estimate`` prints all three beside the shipped tables.
"""

import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from feeds.scoring import (
    DATE_OF_BIRTH,
    FAMILY,
    GENDER,
    GIVEN,
    NHS_NUMBER,
    POSTCODE,
    Candidate,
    Person,
    score_pair,
)

TABLES = {
    "given_name": GIVEN,
    "family_name": FAMILY,
    "date_of_birth": DATE_OF_BIRTH,
    "gender": GENDER,
    "postcode": POSTCODE,
    "nhs_number": NHS_NUMBER,
}
NAMES = ("given_name", "family_name")
Levels = dict[str, dict[str, float]]


def comparison(person: Person, candidate: Candidate) -> dict[str, str]:
    """The level of each field of the pair (a field missing on either side is left out)."""
    return {
        c.field: c.level for c in score_pair(person, candidate).contributions if c.field in TABLES
    }


def shares(vectors: Iterable[Mapping[str, str]]) -> Levels:
    """The share of the vectors at each level of each field."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for vector in vectors:
        for name, level in vector.items():
            counts[name][level] += 1
    return {
        name: {level: count / sum(levels.values()) for level, count in levels.items()}
        for name, levels in counts.items()
    }


def expectation_maximisation(
    vectors: Sequence[Mapping[str, str]],
    u: Mapping[str, Mapping[str, float]],
    *,
    fixed: Iterable[str] = (),
    start: float = 0.5,
    iterations: int = 30,
) -> tuple[Levels, float]:
    """m for every field not in ``fixed``, and the share of matches among the vectors."""
    fixed = set(fixed)
    fields = {name for vector in vectors for name in vector} - fixed
    m: Levels = {name: {level: mu[0] for level, mu in TABLES[name].items()} for name in fields}
    share = start
    for _ in range(iterations):
        weights = []
        for vector in vectors:
            log_odds = math.log2(share / (1 - share))
            for name in fields & vector.keys():
                level = vector[name]
                log_odds += math.log2(
                    max(m[name].get(level, 0.0), 1e-9) / max(u[name].get(level, 0.0), 1e-9)
                )
            weights.append(1 / (1 + 2 ** -max(min(log_odds, 60), -60)))
        total = sum(weights)
        share = min(max(total / len(vectors), 1e-6), 1 - 1e-6)
        for name in fields:
            counted: Counter = Counter()
            for weight, vector in zip(weights, vectors, strict=True):
                if name in vector:
                    counted[vector[name]] += weight
            held = sum(counted.values())
            if held:
                m[name] = {level: counted[level] / held for level in TABLES[name]}
    return m, share


@dataclass
class Estimate:
    u: Levels
    m: Levels
    counted: Levels

    def rows(self) -> list[tuple[str, str, float, float, float, float, float]]:
        """(field, level, shipped m, EM m, counted m, shipped u, random-pair u)."""
        out = []
        for name, table in TABLES.items():
            for level, (m, u) in table.items():
                out.append(
                    (
                        name,
                        level,
                        m,
                        self.m.get(name, {}).get(level, math.nan),
                        self.counted.get(name, {}).get(level, math.nan),
                        u,
                        self.u.get(name, {}).get(level, math.nan),
                    )
                )
        return out


def estimate(
    people: Sequence[tuple[Person, int | None]],
    children: Sequence[Candidate],
    *,
    rng: random.Random,
    random_pairs: int = 50_000,
) -> Estimate:
    """u, EM m and (where ``people`` carry the child they truly are) counted m."""
    drawn = []
    for _ in range(random_pairs):
        (person, truth), child = rng.choice(people), rng.choice(children)
        if child.child_id != truth:  # a random pair is now and then the child itself
            drawn.append(comparison(person, child))
    u = shares(drawn)
    by_date: dict[object, list[Candidate]] = defaultdict(list)
    by_names: dict[tuple[str, str], list[Candidate]] = defaultdict(list)
    for child in children:
        by_date[child.date_of_birth].append(child)
        for name in child.names:
            by_names[(name.given_key, name.family_key)].append(child)
    on_date, on_names = [], []
    for person, _ in people:
        on_date += [comparison(person, child) for child in by_date[person.date_of_birth]]
        named = {c.child_id: c for c in by_names[(person.given_key, person.family_key)]}
        on_names += [comparison(person, child) for child in named.values()]
    m_names, _ = expectation_maximisation(on_date, u, fixed={"date_of_birth"})
    m_date, _ = expectation_maximisation(on_names, u, fixed=set(NAMES))
    m = {**{n: m_names[n] for n in NAMES if n in m_names}, **m_date}
    for name in m_names.keys() & m_date.keys() - set(NAMES):
        m[name] = {
            level: (m_names[name][level] + m_date[name][level]) / 2 for level in TABLES[name]
        }
    known = {child.child_id: child for child in children}
    counted = shares(
        comparison(person, known[truth])
        for person, truth in people
        if truth is not None and truth in known
    )
    return Estimate(u, m, counted)
