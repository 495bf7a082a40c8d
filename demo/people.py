"""The demo users, one per role, and their second factors.

Used by ``seed_demo`` (to create them) and ``demo_logins`` (to print them).
Demo mode only: the password is printed on the console.
"""

import base64
from dataclasses import dataclass

from accounts.roles import Role

DEMO_PASSWORD = "correct-horse-demo-2026"  # nosec B105  # published demo password, demo mode only


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    organisation_code: str
    job_title: str
    roles: tuple[Role, ...]
    does: str


DEMO_USERS = (
    DemoUser(
        "senco",
        "Sam",
        "Okafor",
        "SCH-HILLSIDE",
        "SENCO",
        (Role.PRACTITIONER,),
        "searches for a child, opens records",
    ),
    DemoUser(
        "mentor",
        "Lena",
        "Kowalski",
        "SCH-RIVERMEAD",
        "Learning mentor",
        (Role.PRACTITIONER,),
        "searches for a child, opens records",
    ),
    DemoUser(
        "indexteam",
        "Priya",
        "Shah",
        "LA-CHILDINDEX",
        "Index team officer",
        (Role.PRACTITIONER, Role.INDEX_TEAM),
        "sees shielded and sensitive details, does mediated lookups",
    ),
    DemoUser(
        "sensitive",
        "Tom",
        "Adeyemi",
        "NHS-CAMHS",
        "CAMHS practitioner",
        (Role.PRACTITIONER, Role.SENSITIVE_SERVICES),
        "sees sensitive-service involvements",
    ),
    DemoUser(
        "override",
        "Grace",
        "Mensah",
        "LA-SOCIALCARE",
        "Child protection social worker",
        (Role.PRACTITIONER, Role.OVERRIDE),
        "may break the glass on a shielded record",
    ),
    DemoUser(
        "orgadmin",
        "Alan",
        "Brooks",
        "SCH-HILLSIDE",
        "School business manager",
        (Role.ORG_ADMIN,),
        "manages Hillside Primary's users; cannot search",
    ),
    DemoUser(
        "auditor",
        "Ruth",
        "Fenwick",
        "LA-CHILDINDEX",
        "Information governance officer",
        (Role.AUDITOR,),
        "reviews the audit trail; cannot search",
    ),
)


def totp_secret_base32(hex_key: str) -> str:
    """The form of a TOTP key that authenticator apps accept."""
    return base64.b32encode(bytes.fromhex(hex_key)).decode("ascii").rstrip("=")
