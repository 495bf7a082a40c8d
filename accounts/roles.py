"""The roles a user may hold. Deny by default: no role, no access.

Roles are Django groups with these names; a user may hold several. Every check
of "may this user do X" goes through ``User.has_role`` so the rules live here
and in each app's ``access.py``, never in templates.
"""

from django.db import models


class Role(models.TextChoices):
    PRACTITIONER = "practitioner", "Practitioner"
    INDEX_TEAM = "index_team", "Index team"
    SENSITIVE_SERVICES = "sensitive_services", "Sensitive-services practitioner"
    OVERRIDE = "cp_override", "Child-protection override holder"
    ORG_ADMIN = "org_admin", "Organisation administrator"
    AUDITOR = "auditor", "Auditor"
    INTEGRATION = "integration_client", "Integration client"
    GLOBAL_ADMIN = "global_admin", "Service operator (global administrator)"
