"""The CAF and lead-professional part of the record page.

Its content arrives with the coordination issue; the place on the page exists now.
"""

from typing import Any

from accounts.models import User
from records.access import ChildAccess
from records.sections import register_section


def caf_context(user: User, access: ChildAccess) -> dict[str, Any]:
    return {"shielded": not access.sees_location}


register_section(order=20, template="caf/_record_section.html", context=caf_context)
