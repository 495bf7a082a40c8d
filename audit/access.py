"""Who may review the audit trail: auditors only.

The audit app knows nothing of the other apps, so it names the role by the
value it has in accounts.roles ("auditor") and asks the user object for it.
"""

from typing import Any

AUDITOR_ROLE = "auditor"


def may_review(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active and AUDITOR_ROLE in user.role_names())
