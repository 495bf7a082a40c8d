"""Coordination prompts: explainable facts about a child's picture, never risk scores.

Each rule says in plain words what it looks for; the record page and the index
team's worklist show the prompts that hold.
"""

import datetime
from dataclasses import dataclass

from caf.models import CafStatus, CafVersion, LeadProfessional
from involvements.models import Involvement, ServiceType

COMPULSORY_SCHOOL_AGE = (5, 16)


@dataclass(frozen=True)
class Prompt:
    rule: str
    text: str


RULES = {
    "team_around_the_child": "More than two agencies are working with the child and there is no "
    "lead professional: consider a Team Around the Child meeting and a lead professional.",
    "no_school": "No school or educational setting is recorded for a child of compulsory "
    "school age: the child may be missing education.",
    "no_gp": "No GP practice is recorded.",
    "caf_without_lead": "A CAF has been completed but there is no lead professional.",
    "caf_review_overdue": "The CAF review date has passed.",
    "lead_involvement_ended": "The lead professional's involvement has ended: choose a new lead "
    "professional.",
}


def _age(born: datetime.date, today: datetime.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def prompts_for(
    *,
    born: datetime.date,
    current: list[Involvement],
    caf: CafVersion | None,
    lead: LeadProfessional | None,
    today: datetime.date | None = None,
) -> list[Prompt]:
    """The prompts that hold for a child with these current involvements, CAF and lead."""
    today = today or datetime.date.today()
    found: list[str] = []
    agencies = {involvement.service.organisation_id for involvement in current}
    types = {involvement.service.service_type for involvement in current}
    current_ids = {involvement.pk for involvement in current}
    lead_current = lead is not None and lead.involvement_id in current_ids
    if len(agencies) > 2 and lead is None:
        found.append("team_around_the_child")
    low, high = COMPULSORY_SCHOOL_AGE
    if low <= _age(born, today) <= high and ServiceType.SCHOOL not in types:
        found.append("no_school")
    if ServiceType.GP not in types:
        found.append("no_gp")
    if caf is not None and caf.status == CafStatus.COMPLETED and lead is None:
        found.append("caf_without_lead")
    if (
        caf is not None
        and caf.status != CafStatus.CLOSED
        and caf.review_due
        and caf.review_due < today
    ):
        found.append("caf_review_overdue")
    if lead is not None and not lead_current:
        found.append("lead_involvement_ended")
    return [Prompt(rule, RULES[rule]) for rule in found]
