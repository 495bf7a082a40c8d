"""The world the leak sweep runs in.

Two children whose details some roles must never receive, and a persona for every role,
each following or related to both. The values are hostile and distinctive so that a leak
cannot hide: a refuge school, a postcode that exists nowhere, practitioners' phone numbers
from Ofcom's drama range.

- **Maisie Hollowell** is shielded (a refuge): her address, carer's contacts, school, GP,
  every service and practitioner around her (including those that arrive during the sweep
  by the page, the API and an import) are for the index team only.
- **Carol Openshaw** is not shielded, and a sexual-health clinic works with her with her
  consent: which clinic, and how to reach it, is for the index team and sensitive-services
  practitioners only.
"""

import datetime
import io
from dataclasses import dataclass, field

from django.core.management import call_command
from django.test import Client

from accounts.models import Organisation, OrganisationType, User
from accounts.roles import Role
from feeds.models import IntegrationClient
from involvements.models import Involvement, Practitioner, Service, ServiceType
from notifications.models import Follow
from records.models import Child
from records.services import AddressInput, CarerInput, child_create
from tests.factories import make_user, signed_in_client

TODAY = datetime.date.today()

# Clearances: what a persona's own record view shows beyond the ordinary.
SHIELDED = "shielded"  # a shielded child's location and everyone working with them
SENSITIVE = "sensitive"  # which sensitive service works with a child, and its contacts

# What a follower who sees only the minimal view of a shielded child is told of any change.
SHIELDED_NOTICE = (
    "Something has changed for Maisie Hollowell. Details are not shown for this child: "
    "contact the index team if you need to know more."
)


@dataclass(frozen=True)
class Fact:
    """Values that only personas with ``clearance`` (or the ``owners``, whose own
    involvement it is) may receive. ``after_withdrawal`` facts are checked only in what
    is read once every action has run."""

    name: str
    values: tuple[str, ...]
    clearance: str | None
    owners: tuple[str, ...] = ()
    after_withdrawal: bool = False


FACTS = [
    Fact(
        "Maisie's address",
        ("7 Sanctuary Mews", "Secretford", "ZZ9 9ZZ", "ZZ9"),
        SHIELDED,
    ),
    Fact("Maisie's mother's contacts", ("07700 900125", "dawn.hidden@example.org"), SHIELDED),
    Fact(
        "Maisie's school",
        ("Sunnyhill Refuge Academy", "Rhiannon Safehouse", "07700 900123", "rhiannon@sunnyhill"),
        SHIELDED,
    ),
    Fact(
        "Maisie's GP",
        ("Harbourside Hidden Surgery", "Gideon Quietly", "07700 900124"),
        SHIELDED,
    ),
    Fact(
        "Maisie's family support (her lead professional)",
        ("Meridian Family Support", "Lorna Leadbetter", "07700 900129"),
        SHIELDED,
        owners=("lead",),
    ),
    Fact(
        "Maisie's substance-misuse service",
        ("Harbour Substance Misuse Service", "Sol Discreet", "07700 900130"),
        SHIELDED,
    ),
    Fact(
        "the outreach worker who joins Maisie on the page",
        ("Lantern Youth Outreach", "Refuge outreach worker"),
        SHIELDED,
        owners=("joiner",),
    ),
    Fact(
        "the family hub that reports Maisie through the API",
        ("Beacon Family Hub", "Idris Beacon", "07700 900127"),
        SHIELDED,
        owners=("client",),
    ),
    Fact(
        "the tutoring service that sends Maisie in an import",
        ("Compass Point Tutoring", "Tamsin Compass", "07700 900128"),
        SHIELDED,
        owners=("operator",),
    ),
    Fact(
        "Carol's sexual-health clinic",
        (
            "Brookside Sexual Health Clinic",
            "Nadia Confidential",
            "07700 900131",
            "nadia@brookside.example",
        ),
        SENSITIVE,
    ),
    Fact(
        "Carol's clinic, after she withdrew consent",
        ("restricted service stopped working with Carol",),
        None,
        after_withdrawal=True,
    ),
]

# Proof that the sweep sees what it should: each persona must receive these somewhere.
MUST_RECEIVE = [
    # The index team is told in full, whichever way the change arrives.
    ("index", "Test User (Refuge outreach worker, Lantern Youth Outreach) started working with"),
    ("index", "Test User (Refuge outreach worker, Lantern Youth Outreach) stopped working with"),
    ("index", "Lorna Leadbetter (Meridian Family Support) is now the lead professional"),
    ("index", "Rhiannon Safehouse (Sunnyhill Refuge Academy) is now the lead professional"),
    ("index", "The CAF for Maisie Hollowell is now in progress."),
    ("index", "The CAF for Maisie Hollowell is now completed."),
    ("index", "Idris Beacon (Family support worker, Beacon Family Hub) started working with"),
    ("index", "Idris Beacon (Family support worker, Beacon Family Hub) stopped working with"),
    ("index", "Tamsin Compass (Tutor, Compass Point Tutoring) started working with"),
    ("index", "ZZ9 9ZZ"),  # Maisie's address, on her record page
    ("index", "Brookside Sexual Health Clinic"),  # subject access keeps the withdrawn row
    ("index", "broke the glass on the shielded record"),  # the email
    # Carol is not shielded: her followers are told who starts and stops.
    ("prac", "Test User (Youth worker, Open Door Youth Club) started working with Carol"),
    ("prac", "Clare Teacher (Rivermead Primary) is now the lead professional for Carol"),
    ("prac", "The CAF for Carol Openshaw is now in progress."),
    ("prac", "Kit Kestrel (Family support worker, Kestrel Mentoring) started working with"),
    ("prac", "Wendy Wren (Reading volunteer, Wren Reading Club) started working with Carol"),
    ("prac", "A restricted service stopped working with Carol Openshaw."),  # then withdrawn
    ("prac", "Something has changed for a child you follow"),  # the email
    # Followers of Maisie outside the index team hear only that something changed.
    ("sens", SHIELDED_NOTICE),
    ("override", SHIELDED_NOTICE),
    ("lead", SHIELDED_NOTICE),
    ("client", '"external_id":"EXT-M1"'),
    ("operator", "review"),
    ("caller", "Brokered"),
]


@dataclass
class Persona:
    name: str
    user: User | None
    clearances: frozenset[str] = frozenset()
    web: Client | None = None


@dataclass
class World:
    maisie: Child
    carol: Child
    personas: dict[str, Persona]
    token: str
    involvements: dict[str, Involvement] = field(default_factory=dict)
    services: dict[str, Service] = field(default_factory=dict)
    # Written by the actions for later ones (a lookup, an import's review item).
    state: dict[str, object] = field(default_factory=dict)

    def web(self, name: str) -> Client:
        return self.personas[name].web

    def persona_for_email(self, address: str) -> str:
        for persona in self.personas.values():
            if persona.user is not None and persona.user.email == address:
                return persona.name
        return f"someone else <{address}>"

    def persona_for_user(self, user_id: int) -> str:
        for persona in self.personas.values():
            if persona.user is not None and persona.user.pk == user_id:
                return persona.name
        return f"user {user_id}"


def _organisation(code: str, name: str) -> Organisation:
    return Organisation.objects.create(
        code=code, name=name, organisation_type=OrganisationType.OTHER
    )


def _service(organisation: Organisation, name: str, kind: str, phone: str = "") -> Service:
    return Service.objects.create(
        code=name.upper().replace(" ", "-")[:40],
        organisation=organisation,
        name=name,
        service_type=kind,
        phone=phone,
    )


def _involvement(
    child: Child,
    service: Service,
    *,
    name: str,
    role: str,
    phone: str,
    email: str = "",
    user: User | None = None,
) -> Involvement:
    practitioner = Practitioner.objects.create(
        organisation=service.organisation,
        name=name,
        job_title=role,
        phone=phone,
        email=email,
        user=user,
    )
    start = TODAY - datetime.timedelta(days=60)
    sensitive = service.is_sensitive
    return Involvement.objects.create(
        child=child,
        service=service,
        practitioner=practitioner,
        role=role,
        start_date=start,
        is_sensitive=sensitive,
        **(
            {"basis": "consent", "basis_by": "The young person", "basis_date": start}
            if sensitive
            else {}
        ),
    )


def _persona(
    name: str, roles: tuple[Role, ...], organisation: Organisation, clearances=frozenset()
) -> Persona:
    user = make_user(name, roles=roles, organisation=organisation)
    user.email = f"{name}@sweep.example"
    user.save(update_fields=["email"])
    return Persona(name, user, frozenset(clearances), signed_in_client(user))


def build_world() -> World:
    hillside = _organisation("SWEEP-HILL", "Hillside Primary School")
    lantern = _organisation("SWEEP-LANTERN", "Lantern Youth")
    meridian = _organisation("SWEEP-MERIDIAN", "Meridian Trust")
    clinic = _organisation("SWEEP-BROOK", "Brookside Health")
    nhs = _organisation("SWEEP-NHS", "Harbour Health")
    _organisation("SWEEP-EDU", "Beacon Family Services")

    personas = {
        "prac": _persona("prac", (Role.PRACTITIONER,), hillside),
        "sens": _persona(
            "sens", (Role.PRACTITIONER, Role.SENSITIVE_SERVICES), hillside, {SENSITIVE}
        ),
        "clinician": _persona(
            "clinician", (Role.PRACTITIONER, Role.SENSITIVE_SERVICES), clinic, {SENSITIVE}
        ),
        "index": _persona(
            "index", (Role.PRACTITIONER, Role.INDEX_TEAM), hillside, {SHIELDED, SENSITIVE}
        ),
        # A second index-team officer, who makes the index team's changes (so that the
        # first, who follows both children, is told of them).
        "colleague": _persona(
            "colleague", (Role.PRACTITIONER, Role.INDEX_TEAM), hillside, {SHIELDED, SENSITIVE}
        ),
        "override": _persona("override", (Role.PRACTITIONER, Role.OVERRIDE), hillside),
        "lead": _persona("lead", (Role.PRACTITIONER,), meridian),
        "joiner": _persona("joiner", (Role.PRACTITIONER,), lantern),
        "orgadmin": _persona("orgadmin", (Role.ORG_ADMIN,), hillside),
        "auditor": _persona("auditor", (Role.AUDITOR,), hillside),
    }
    out = io.StringIO()
    call_command("create_integration_client", "sweepsys", "--organisation", "SWEEP-EDU", stdout=out)
    token = out.getvalue().strip().splitlines()[-1]
    personas["client"] = Persona("client", IntegrationClient.objects.get(name="sweepsys").user)
    # Not users: the person who runs an import, and a caller the index team answers.
    personas["operator"] = Persona("operator", None)
    personas["caller"] = Persona("caller", None)

    maisie = child_create(
        given_name="Maisie",
        family_name="Hollowell",
        date_of_birth=TODAY.replace(year=TODAY.year - 10, day=1),
        gender="F",
        addresses=[AddressInput(line_1="7 Sanctuary Mews", town="Secretford", postcode="ZZ9 9ZZ")],
        carers=[
            CarerInput(
                name="Dawn Hollowell",
                relationship="Mother",
                phone="07700 900125",
                email="dawn.hidden@example.org",
            )
        ],
        is_shielded=True,
    )
    carol = child_create(
        given_name="Carol",
        family_name="Openshaw",
        date_of_birth=TODAY.replace(year=TODAY.year - 15, day=1),
        gender="F",
        addresses=[AddressInput(line_1="3 Station Road", postcode="SE6 4RU")],
        carers=[CarerInput(name="Gary Openshaw", relationship="Father", phone="07700 900555")],
    )
    world = World(maisie=maisie, carol=carol, personas=personas, token=token)
    services = {
        "sunnyhill": _service(nhs, "Sunnyhill Refuge Academy", ServiceType.SCHOOL),
        "harbourside": _service(nhs, "Harbourside Hidden Surgery", ServiceType.GP),
        "meridian": _service(meridian, "Meridian Family Support", ServiceType.VOLUNTARY),
        "harbour": _service(nhs, "Harbour Substance Misuse Service", ServiceType.SUBSTANCE_MISUSE),
        "lantern": _service(lantern, "Lantern Youth Outreach", ServiceType.YOUTH),
        "opendoor": _service(lantern, "Open Door Youth Club", ServiceType.YOUTH),
        "rivermead": _service(hillside, "Rivermead Primary", ServiceType.SCHOOL),
        "brookside": _service(clinic, "Brookside Sexual Health Clinic", ServiceType.SEXUAL_HEALTH),
    }
    world.services = services
    world.involvements = {
        "maisie school": _involvement(
            maisie,
            services["sunnyhill"],
            name="Rhiannon Safehouse",
            role="Class teacher",
            phone="07700 900123",
            email="rhiannon@sunnyhill.example",
        ),
        "maisie gp": _involvement(
            maisie,
            services["harbourside"],
            name="Dr Gideon Quietly",
            role="GP",
            phone="07700 900124",
        ),
        "maisie family support": _involvement(
            maisie,
            services["meridian"],
            name="Lorna Leadbetter",
            role="Family support worker",
            phone="07700 900129",
            user=personas["lead"].user,
        ),
        "maisie substance misuse": _involvement(
            maisie,
            services["harbour"],
            name="Sol Discreet",
            role="Key worker",
            phone="07700 900130",
        ),
        "carol school": _involvement(
            carol,
            services["rivermead"],
            name="Clare Teacher",
            role="Form tutor",
            phone="07700 900500",
        ),
        "carol clinic": _involvement(
            carol,
            services["brookside"],
            name="Nadia Confidential",
            role="Sexual health nurse",
            phone="07700 900131",
            email="nadia@brookside.example",
            user=personas["clinician"].user,
        ),
    }
    # Everyone who may open records follows both children: before Maisie was shielded,
    # or (the lead) because of their role. The ordinary practitioner tries to follow
    # Maisie during the sweep instead.
    for name in ("sens", "index", "override", "lead"):
        Follow.objects.create(user=personas[name].user, child=maisie)
    for name in ("prac", "sens", "index", "override", "lead"):
        Follow.objects.create(user=personas[name].user, child=carol)
    return world
