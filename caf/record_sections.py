"""The CAF, lead professional and coordination prompts part of the record page."""

import datetime
from typing import Any

from accounts.models import User
from caf.models import CafVersion, LeadProfessional
from caf.prompts import prompts_for
from caf.services import caf_current, lead_current
from involvements.models import Involvement
from records.access import ChildAccess, may_search
from records.sections import register_section


def caf_context(user: User, access: ChildAccess) -> dict[str, Any]:
    if not access.sees_location:
        return {"shielded": True}
    child = access.child
    current = list(
        Involvement.objects.current(datetime.date.today())
        .filter(child=child)
        .select_related("service", "practitioner")
    )
    caf, lead = caf_current(child), lead_current(child)
    return {
        "shielded": False,
        "child": child,
        "caf": caf,
        "caf_history": CafVersion.objects.filter(child=child).select_related(
            "holder_service", "holder_practitioner"
        )[1:10],
        "lead": lead,
        "lead_history": LeadProfessional.objects.filter(
            child=child, ended_on__isnull=False
        ).select_related("involvement__service", "involvement__practitioner")[:10],
        "prompts": prompts_for(born=child.date_of_birth, current=current, caf=caf, lead=lead),
        "may_change": may_search(user),
    }


register_section(order=20, template="caf/_record_section.html", context=caf_context)
