"""A synthetic feed with known truth, to measure the matcher's precision and recall.

Index N children, then send a feed describing most of them again with realistic
noise (typos, nicknames, day/month swaps, moved house, surname changes, missing
fields), their twins, and people the index has never seen. Everything happens in a
transaction that is rolled back: the index is left as it was.
"""

import datetime
import random
from dataclasses import dataclass, field

from django.db import transaction
from faker import Faker

from feeds.matching import CREATE, LINK, REVIEW, Incoming, match
from records.models import ChildName, NameKind
from records.services import AddressInput, child_create

NICKNAMES = {
    "Catherine": "Kate",
    "William": "Will",
    "Elizabeth": "Beth",
    "Robert": "Bob",
    "Thomas": "Tom",
    "Margaret": "Maggie",
    "James": "Jim",
    "Alexander": "Alex",
}


@dataclass
class QualityReport:
    people: int = 0
    linked_right: int = 0
    linked_wrong: int = 0
    reviewed_right: int = 0
    reviewed_other: int = 0
    created_existing: int = 0
    new_people: int = 0
    new_linked: int = 0
    by_noise: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def precision(self) -> float:
        links = self.linked_right + self.linked_wrong + self.new_linked
        return self.linked_right / links if links else 1.0

    @property
    def recall(self) -> float:
        existing = self.people - self.new_people
        return (self.linked_right + self.reviewed_right) / existing if existing else 1.0


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 4:
        return text
    i = rng.randrange(1, len(text) - 1)
    return text[:i] + text[i + 1] + text[i] + text[i + 2 :]


def run(people: int = 300, seed: int = 7) -> QualityReport:
    rng = random.Random(seed)  # nosec B311  # a reproducible synthetic feed, not a secret
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    report = QualityReport()
    today = datetime.date.today()
    with transaction.atomic():
        truth = []
        for _ in range(people):
            female = rng.random() < 0.5
            given = (
                rng.choice(list(NICKNAMES))
                if rng.random() < 0.15
                else (fake.first_name_female() if female else fake.first_name_male())
            )
            family = fake.last_name()
            born = today - datetime.timedelta(days=rng.randint(200, 6000))
            letters = "".join(rng.choices("ABDEFGHJLNPQRSTUWXYZ", k=2))
            postcode = f"SE{rng.randint(1, 28)} {rng.randint(1, 9)}{letters}"
            child = child_create(
                given_name=given,
                family_name=family,
                date_of_birth=born,
                gender="F" if female else "M",
                addresses=[AddressInput(line_1="1 Road", postcode=postcode)],
            )
            truth.append((child, given, family, born, postcode))
        twins = set(rng.sample(range(people), max(1, people // 50)))
        for index in twins:
            child, given, family, born, postcode = truth[index]
            child_create(
                given_name=fake.first_name(),
                family_name=family,
                date_of_birth=born,
                gender="U",
                addresses=[AddressInput(line_1="1 Road", postcode=postcode)],
            )
        # Surname changes: the index knows the former name, the feed sends the new one.
        changed = {}
        for index in rng.sample(range(people), max(1, people // 25)):
            child, given, family, born, postcode = truth[index]
            new_family = fake.last_name()
            name = ChildName(
                child=child, kind=NameKind.ALIAS, given_name=given, family_name=new_family
            )
            name.set_search_forms()
            name.save()
            changed[index] = new_family

        feed = []
        for index, (child, given, family, born, postcode) in enumerate(truth):
            noise = rng.choice(["exact", "typo", "nickname", "swap", "moved", "missing", "surname"])
            if noise == "surname" and index not in changed:
                noise = "typo"
            g, f, b, p = given, family, born, postcode
            if noise == "typo":
                f = _typo(rng, family)
            elif noise == "nickname":
                g = NICKNAMES.get(given, _typo(rng, given))
            elif noise == "swap" and born.day <= 12 and born.day != born.month:
                b = born.replace(day=born.month, month=born.day)
            elif noise == "moved":
                p = "N1 9GU"
            elif noise == "missing":
                p = ""
            elif noise == "surname":
                f = changed[index]
            feed.append((child, noise, Incoming(g, f, b, child.gender, (), p)))
        for _ in range(max(1, people // 10)):
            born = today - datetime.timedelta(days=rng.randint(200, 6000))
            feed.append((None, "new", Incoming(fake.first_name(), fake.last_name(), born, "U")))

        for number, (child, noise, incoming) in enumerate(feed):
            decision = match(incoming, source="QUALITY", source_id=f"Q{number}")
            report.people += 1
            tally = report.by_noise.setdefault(noise, {LINK: 0, REVIEW: 0, CREATE: 0, "wrong": 0})
            tally[decision.outcome] += 1
            if child is None:
                report.new_people += 1
                if decision.outcome == LINK:
                    report.new_linked += 1
                continue
            if decision.outcome == LINK:
                if decision.child == child:
                    report.linked_right += 1
                else:
                    report.linked_wrong += 1
                    tally["wrong"] += 1
            elif decision.outcome == REVIEW:
                if decision.child == child:
                    report.reviewed_right += 1
                else:
                    report.reviewed_other += 1
            else:
                report.created_existing += 1
        transaction.set_rollback(True)
    return report
