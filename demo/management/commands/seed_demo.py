"""Create a realistic small borough for demonstration: run it as often as you like.

Organisations, services, practitioners and one user per role are created or
brought back to their demo state; the children (about 2,000 by default) are
created once, in one transaction, from a fixed random seed, so a second run
changes nothing.
"""

import datetime
import random
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from faker import Faker

from accounts.models import AccountStatus, Organisation, OrganisationType, User, Vetting
from accounts.roles import Role
from audit.models import Action, AuditEvent, AuditSeal, Outcome
from demo.people import DEMO_PASSWORD, DEMO_USERS
from involvements.models import Involvement, Practitioner, Service, ServiceType
from records.models import (
    Address,
    AddressStatus,
    Carer,
    Child,
    ChildIdentifier,
    ChildName,
    Gender,
    IdentifierKind,
    NameKind,
    ShieldDecision,
)
from records.names import normalise_postcode, postcode_district

SEED = 20261124

# Demo audit history: (user, days ago, reason) views of Carol Whitfield's record.
HISTORY = [
    ("senco", 20, "Coordinating support with other practitioners"),
    ("mentor", 6, "Coordinating support with other practitioners"),
    ("override", 4, "Safeguarding concern about this child"),
]
HISTORY_USERS = {username for username, _, _ in HISTORY}
DISTRICTS = ["SE4", "SE6", "SE8", "SE12", "SE13", "SE14", "SE23", "SE26"]
POSTCODE_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

ORGANISATIONS = [
    ("LA-CHILDINDEX", "Borough Child Index Team", OrganisationType.LOCAL_AUTHORITY),
    ("LA-SOCIALCARE", "Borough Children's Social Care", OrganisationType.LOCAL_AUTHORITY),
    ("LA-YOUTH", "Borough Youth Service", OrganisationType.LOCAL_AUTHORITY),
    ("SCH-HILLSIDE", "Hillside Primary School", OrganisationType.SCHOOL),
    ("SCH-RIVERMEAD", "Rivermead Primary School", OrganisationType.SCHOOL),
    ("SCH-ORCHARD", "Orchard Lane Primary School", OrganisationType.SCHOOL),
    ("SCH-STMARY", "St Mary's CE Primary School", OrganisationType.SCHOOL),
    ("SCH-PARKVIEW", "Parkview Academy", OrganisationType.SCHOOL),
    ("SCH-BRIDGE", "Bridge Community College", OrganisationType.SCHOOL),
    ("EY-ACORNS", "Little Acorns Day Nursery", OrganisationType.SCHOOL),
    ("GP-FOREST", "Forest Hill Medical Centre", OrganisationType.HEALTH),
    ("GP-CATFORD", "Catford Family Practice", OrganisationType.HEALTH),
    ("GP-DEPTFORD", "Deptford Surgery", OrganisationType.HEALTH),
    ("NHS-COMMUNITY", "Community Health NHS Trust", OrganisationType.HEALTH),
    ("NHS-CAMHS", "Child and Adolescent Mental Health Service", OrganisationType.HEALTH),
    ("NHS-SEXHEALTH", "Young People's Sexual Health Service", OrganisationType.HEALTH),
    ("VOL-SUBSTANCE", "Compass Young People's Substance Service", OrganisationType.VOLUNTARY),
    ("VOL-FAMILIES", "Family Action Borough", OrganisationType.VOLUNTARY),
    ("POL-CAIT", "Police Child Abuse Investigation Team", OrganisationType.POLICE),
]

# Postcode districts each school or practice serves (others serve the whole borough).
AREAS = {
    "SCH-HILLSIDE": "SE23 SE26 SE6",
    "SCH-RIVERMEAD": "SE6 SE13 SE12",
    "SCH-ORCHARD": "SE4 SE13 SE14",
    "SCH-STMARY": "SE8 SE14 SE4",
    "GP-FOREST": "SE23 SE26 SE13",
    "GP-CATFORD": "SE6 SE12 SE4",
    "GP-DEPTFORD": "SE8 SE14",
}

# code, organisation, name, type, phone, email
SERVICES = [
    (
        "SVC-HILLSIDE",
        "SCH-HILLSIDE",
        "Hillside Primary School",
        ServiceType.SCHOOL,
        "020 7946 0101",
    ),
    (
        "SVC-RIVERMEAD",
        "SCH-RIVERMEAD",
        "Rivermead Primary School",
        ServiceType.SCHOOL,
        "020 7946 0102",
    ),
    (
        "SVC-ORCHARD",
        "SCH-ORCHARD",
        "Orchard Lane Primary School",
        ServiceType.SCHOOL,
        "020 7946 0103",
    ),
    (
        "SVC-STMARY",
        "SCH-STMARY",
        "St Mary's CE Primary School",
        ServiceType.SCHOOL,
        "020 7946 0104",
    ),
    ("SVC-PARKVIEW", "SCH-PARKVIEW", "Parkview Academy", ServiceType.SCHOOL, "020 7946 0105"),
    ("SVC-BRIDGE", "SCH-BRIDGE", "Bridge Community College", ServiceType.SCHOOL, "020 7946 0106"),
    # A nursery is an educational setting: it shows as the child's "school or setting".
    ("SVC-NURSERY", "EY-ACORNS", "Little Acorns Day Nursery", ServiceType.SCHOOL, "020 7946 0107"),
    ("SVC-GP-FOREST", "GP-FOREST", "Forest Hill Medical Centre", ServiceType.GP, "020 7946 0201"),
    ("SVC-GP-CATFORD", "GP-CATFORD", "Catford Family Practice", ServiceType.GP, "020 7946 0202"),
    ("SVC-GP-DEPTFORD", "GP-DEPTFORD", "Deptford Surgery", ServiceType.GP, "020 7946 0203"),
    (
        "SVC-HV",
        "NHS-COMMUNITY",
        "Health Visiting Team",
        ServiceType.HEALTH_VISITING,
        "020 7946 0301",
    ),
    ("SVC-SN", "NHS-COMMUNITY", "School Nursing Team", ServiceType.SCHOOL_NURSING, "020 7946 0302"),
    (
        "SVC-CSC",
        "LA-SOCIALCARE",
        "Children's Social Care Assessment Team",
        ServiceType.SOCIAL_CARE,
        "020 7946 0401",
    ),
    ("SVC-YOUTH", "LA-YOUTH", "Youth Service", ServiceType.YOUTH, "020 7946 0501"),
    ("SVC-CAMHS", "NHS-CAMHS", "CAMHS Community Team", ServiceType.MENTAL_HEALTH, "020 7946 0601"),
    (
        "SVC-SEXHEALTH",
        "NHS-SEXHEALTH",
        "Young People's Sexual Health Clinic",
        ServiceType.SEXUAL_HEALTH,
        "020 7946 0701",
    ),
    (
        "SVC-SUBSTANCE",
        "VOL-SUBSTANCE",
        "Compass Substance Misuse Service",
        ServiceType.SUBSTANCE_MISUSE,
        "020 7946 0801",
    ),
    (
        "SVC-FAMILY",
        "VOL-FAMILIES",
        "Family Support Project",
        ServiceType.VOLUNTARY,
        "020 7946 0901",
    ),
    ("SVC-CAIT", "POL-CAIT", "Child Abuse Investigation Team", ServiceType.POLICE, "020 7946 1001"),
]

# Directory entries: (description, youngest, oldest, how to refer), by service type.
DIRECTORY = {
    ServiceType.SCHOOL: ("Primary or secondary school.", 4, 16, "Contact the school office."),
    ServiceType.GP: (
        "NHS general practice.",
        None,
        None,
        "Ask the practice to register the child.",
    ),
    ServiceType.HEALTH_VISITING: (
        "Health visitors for families with children under five.",
        0,
        5,
        "Any professional may refer; families may self-refer.",
    ),
    ServiceType.SCHOOL_NURSING: (
        "School nurses in every state school.",
        5,
        19,
        "Through the school or directly.",
    ),
    ServiceType.SOCIAL_CARE: (
        "Assessment and support for children in need and at risk.",
        0,
        17,
        "Phone the front door; in an emergency phone 999.",
    ),
    ServiceType.YOUTH: (
        "Youth clubs, detached youth work and mentoring.",
        11,
        19,
        "Young people may drop in; professionals by phone.",
    ),
    ServiceType.MENTAL_HEALTH: (
        "Child and adolescent mental health assessment and treatment.",
        0,
        18,
        "Referral by GP, school or social care.",
    ),
    ServiceType.SEXUAL_HEALTH: (
        "Confidential sexual health advice and clinics for young people.",
        13,
        25,
        "Young people may self-refer.",
    ),
    ServiceType.SUBSTANCE_MISUSE: (
        "Support for young people using drugs or alcohol.",
        10,
        21,
        "Self-referral or any professional.",
    ),
    ServiceType.VOLUNTARY: (
        "Family support from a local charity.",
        0,
        17,
        "Families or professionals by phone or email.",
    ),
    ServiceType.POLICE: (
        "Investigation of child abuse.",
        0,
        17,
        "Phone 101, or 999 in an emergency.",
    ),
}

# Services whose directory entry or staff differ from their type's.
DIRECTORY_FOR_SERVICE = {
    "SVC-NURSERY": (
        "Day nursery for children from six months to school age.",
        0,
        4,
        "Families apply to the nursery; professionals may phone the manager.",
    ),
}
JOB_TITLE_FOR_SERVICE = {"SVC-NURSERY": "Nursery assistant"}

ROLE_FOR_TYPE = {
    ServiceType.SCHOOL: ["Class teacher", "Head of year", "SENCO", "Learning mentor"],
    ServiceType.GP: ["GP"],
    ServiceType.HEALTH_VISITING: ["Health visitor"],
    ServiceType.SCHOOL_NURSING: ["School nurse"],
    ServiceType.SOCIAL_CARE: ["Social worker"],
    ServiceType.YOUTH: ["Youth worker"],
    ServiceType.MENTAL_HEALTH: ["CAMHS practitioner"],
    ServiceType.SEXUAL_HEALTH: ["Sexual health nurse"],
    ServiceType.SUBSTANCE_MISUSE: ["Substance misuse worker"],
    ServiceType.VOLUNTARY: ["Family support worker"],
    ServiceType.POLICE: ["Detective constable"],
}


class Command(BaseCommand):
    help = "Create the demonstration borough (idempotent: a second run changes nothing)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--children", type=int, default=2000, help="children to create")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["children"] < 10:
            raise CommandError("--children must be at least 10 (the named case-study children)")
        with transaction.atomic():
            organisations = self._organisations()
            services = self._services(organisations)
            practitioners = self._practitioners(organisations, services)
            self._users(organisations)
            if Child.objects.exists():
                added = self._top_up_case_studies(services, practitioners)
                self.stdout.write(
                    f"Demo children already present: added {added} missing case-study records."
                    if added
                    else "Demo children already present: left unchanged."
                )
                return
            self._children(options["children"], services, practitioners)
            self._history()
        self.stdout.write(
            self.style.SUCCESS(f"Demo borough ready: {Child.objects.count()} children.")
        )

    def _organisations(self) -> dict[str, Organisation]:
        result = {}
        for code, name, kind in ORGANISATIONS:
            org, _ = Organisation.objects.update_or_create(
                code=code,
                defaults={
                    "name": name,
                    "organisation_type": kind,
                    "area_districts": AREAS.get(code, ""),
                },
            )
            result[code] = org
        return result

    def _services(self, organisations: dict[str, Organisation]) -> dict[str, Service]:
        result = {}
        for code, org_code, name, kind, phone in SERVICES:
            email = f"{code.lower().removeprefix('svc-')}@services.example.org"
            description, youngest, oldest, refer = DIRECTORY_FOR_SERVICE.get(code, DIRECTORY[kind])
            service, _ = Service.objects.update_or_create(
                code=code,
                defaults={
                    "organisation": organisations[org_code],
                    "name": name,
                    "service_type": kind,
                    "phone": phone,
                    "email": email,
                    "description": description,
                    "min_age": youngest,
                    "max_age": oldest,
                    "area_served": "The whole borough",
                    "opening_times": "Monday to Friday, 9am to 5pm",
                    "how_to_refer": refer,
                },
            )
            result[code] = service
        return result

    def _practitioners(
        self, organisations: dict[str, Organisation], services: dict[str, Service]
    ) -> dict[str, list[Practitioner]]:
        """Three named practitioners per service, created once with fixed names."""
        fake = Faker("en_GB")
        fake.seed_instance(SEED)
        result: dict[str, list[Practitioner]] = {}
        for index, (code, service) in enumerate(sorted(services.items())):
            existing = list(
                Practitioner.objects.filter(
                    organisation=service.organisation,
                    email__endswith=f".{code.lower()}@demo.example.org",
                ).order_by("id")
            )
            if not existing:
                for number in range(3):
                    name = fake.name()
                    local = name.lower().replace(" ", ".").replace("'", "")
                    existing.append(
                        Practitioner.objects.create(
                            organisation=service.organisation,
                            name=name,
                            job_title=JOB_TITLE_FOR_SERVICE.get(
                                code, ROLE_FOR_TYPE[service.service_type][0]
                            ),
                            email=f"{local}.{code.lower()}@demo.example.org",
                            phone=f"07700 9{index:02d}{number:03d}",
                        )
                    )
            result[code] = existing
        return result

    def _users(self, organisations: dict[str, Organisation]) -> None:
        for role in Role:
            Group.objects.get_or_create(name=role.value)
        for demo in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=demo.username,
                defaults={
                    "first_name": demo.first_name,
                    "last_name": demo.last_name,
                    "organisation": organisations[demo.organisation_code],
                    "job_title": demo.job_title,
                    "email": f"{demo.username}@demo.example.org",
                },
            )
            if created:
                user.set_password(DEMO_PASSWORD)
            user.status = AccountStatus.ACTIVE
            user.save()
            _demo_vetting(user)
            user.groups.set(Group.objects.filter(name__in=[role.value for role in demo.roles]))
            if not TOTPDevice.objects.filter(user=user, name="Demo authenticator").exists():
                TOTPDevice.objects.create(user=user, name="Demo authenticator", confirmed=True)

    def _children(
        self,
        count: int,
        services: dict[str, Service],
        practitioners: dict[str, list[Practitioner]],
    ) -> None:
        builder = _BoroughBuilder(services, practitioners)
        builder.add_case_studies()
        builder.add_random(count - len(builder.children))
        builder.save()

    def _top_up_case_studies(
        self, services: dict[str, Service], practitioners: dict[str, list[Practitioner]]
    ) -> int:
        """A borough seeded by an older version gets the case studies added since, and
        their missing involvements; nothing else changes, and a second run adds nothing."""
        builder = _BoroughBuilder(services, practitioners, top_up=True)
        builder.add_case_studies()
        return builder.save()

    def _history(self) -> None:
        """Record views of the last few weeks, so an auditor can try "who viewed Carol
        last week?". Written only into a fresh audit log: once events are sealed into the
        hash chain, back-dated events would (rightly) be reported as tampering."""
        if AuditSeal.objects.exists():
            self.stdout.write("The audit log is already sealed: no demo history added.")
            return
        carol = Child.objects.get(given_name="Carol", family_name="Whitfield")
        users = {user.username: user for user in User.objects.filter(username__in=HISTORY_USERS)}
        now = timezone.now().replace(hour=10, minute=0, second=0, microsecond=0)
        events = []
        for username, days_ago, reason in HISTORY:
            user = users[username]
            events.append(
                AuditEvent(
                    occurred_at=now - datetime.timedelta(days=days_ago, minutes=days_ago * 7),
                    action=Action.RECORD_VIEW,
                    outcome=Outcome.SUCCESS,
                    actor_id=user.pk,
                    actor_username=user.username,
                    actor_organisation=user.organisation.code,
                    actor_roles=",".join(sorted(user.role_names())),
                    ip_address="127.0.0.1",
                    reason=reason,
                    object_type="child",
                    object_id=str(carol.public_id),
                    details={"demo_history": True},
                )
            )
        AuditEvent.objects.bulk_create(events)


def _nhs_number(rng: random.Random) -> str:
    """A random NHS number with a valid modulus-11 check digit (demo data only)."""
    while True:
        digits = [rng.randint(0, 9) for _ in range(9)]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        check = 0 if check == 11 else check
        if check != 10:
            return "".join(map(str, digits)) + str(check)


def _demo_vetting(user: User) -> None:
    """Demo users are vetted: checks recorded this year, current agreement accepted."""
    if Vetting.objects.filter(user=user, dbs_issue_date__isnull=False).exists():
        return
    today = datetime.date.today()
    Vetting.objects.update_or_create(
        user=user,
        defaults={
            "dbs_certificate_number": f"{abs(hash(user.username)) % 10**12:012d}",
            "dbs_issue_date": today - datetime.timedelta(days=60),
            "manager_name": "Demo Manager",
            "manager_authorised_on": today - datetime.timedelta(days=30),
            "training_completed_on": today - datetime.timedelta(days=20),
            "agreement_version": settings.USER_AGREEMENT_VERSION,
            "agreement_accepted_at": timezone.now(),
        },
    )


class _BoroughBuilder:
    """Builds children and their records in memory, then saves them in bulk."""

    def __init__(
        self,
        services: dict[str, Service],
        practitioners: dict[str, list[Practitioner]],
        *,
        top_up: bool = False,
    ) -> None:
        # Reproducible made-up people, not secrets.
        self.random = random.Random(SEED)  # nosec B311
        self.fake = Faker("en_GB")
        self.fake.seed_instance(SEED)
        self.today = datetime.date.today()
        self.services = services
        self.practitioners = practitioners
        self.children: list[Child] = []
        self.names: list[tuple[int, str, str, str]] = []  # (child index, kind, given, family)
        self.addresses: list[tuple[int, dict[str, Any]]] = []
        self.carers: list[tuple[int, dict[str, Any]]] = []
        self.involvements: list[tuple[int, dict[str, Any]]] = []
        # Top-up mode: case-study children already in the database, by name and by index.
        self.top_up = top_up
        self.existing: dict[int, set[int]] = {}  # child index -> its services' ids

    def _postcode(self) -> str:
        district = self.random.choice(DISTRICTS)
        letters = "".join(self.random.choices(POSTCODE_LETTERS, k=2))
        return normalise_postcode(f"{district} {self.random.randint(1, 9)}{letters}")

    def _child(
        self,
        given: str,
        family: str,
        dob: datetime.date,
        gender: str,
        *,
        former: list[tuple[str, str]] = (),
        postcode: str | None = None,
        no_address: bool = False,
        shielded: bool = False,
        **extra: Any,
    ) -> int:
        index = len(self.children)
        if self.top_up:
            found = Child.objects.filter(
                given_name=given, family_name=family, merged_into__isnull=True
            ).first()
            if found is not None:
                self.children.append(found)
                self.existing[index] = set(found.involvements.values_list("service_id", flat=True))
                return index
        self.children.append(
            Child(
                given_name=given,
                family_name=family,
                date_of_birth=dob,
                gender=gender,
                is_shielded=shielded,
                **extra,
            )
        )
        self.names.append((index, NameKind.CURRENT, given, family))
        for former_given, former_family in former:
            self.names.append((index, NameKind.FORMER, former_given, former_family))
        if not no_address:
            postcode = normalise_postcode(postcode) if postcode else self._postcode()
            self.addresses.append(
                (
                    index,
                    {
                        "status": AddressStatus.CURRENT,
                        "line_1": self.fake.street_address().replace("\n", ", "),
                        "town": "London",
                        "postcode": postcode,
                        "postcode_district": postcode_district(postcode),
                        "moved_in": dob,
                    },
                )
            )
        carer_given = self.fake.first_name_female()
        self.carers.append(
            (
                index,
                {
                    "name": f"{carer_given} {family}",
                    "relationship": "Mother",
                    "has_parental_responsibility": True,
                    "phone": f"07700 {self.random.randint(100000, 999999)}",
                    "email": f"{carer_given.lower()}.{family.lower().replace(' ', '')}@example.com",
                },
            )
        )
        return index

    def _involve(
        self,
        index: int,
        service_code: str,
        *,
        start: datetime.date,
        end: datetime.date | None = None,
        practitioner: int | None = None,
    ) -> None:
        service = self.services[service_code]
        if service.pk in self.existing.get(index, ()):
            return
        people = self.practitioners[service_code]
        person = people[
            practitioner if practitioner is not None else self.random.randrange(len(people))
        ]
        role = person.job_title
        changed = datetime.datetime.combine(end or start, datetime.time(10), tzinfo=datetime.UTC)
        self.involvements.append(
            (
                index,
                {
                    "service": service,
                    "practitioner": person,
                    "role": role,
                    "start_date": start,
                    "end_date": end,
                    "updated_at": changed,
                    "is_sensitive": service.is_sensitive,
                    **(
                        {
                            "basis": "consent",
                            "basis_by": "The young person",
                            "basis_date": start,
                            "basis_note": "Consent form held by the service",
                        }
                        if service.is_sensitive
                        else {}
                    ),
                },
            )
        )

    def _age(self, dob: datetime.date) -> int:
        years = self.today.year - dob.year
        return years - ((self.today.month, self.today.day) < (dob.month, dob.day))

    def _years_ago(self, years: float) -> datetime.date:
        return self.today - datetime.timedelta(days=int(years * 365.25))

    def add_case_studies(self) -> None:
        """The children of the seed case studies, with the agencies the stories describe."""
        # The learning mentor's case: Carol, known to education and social care,
        # with no lead professional.
        carol = self._child(
            "Carol", "Whitfield", self._years_ago(9.4), Gender.FEMALE, postcode="SE6 4RU"
        )
        self._involve(carol, "SVC-RIVERMEAD", start=self._years_ago(4.5), practitioner=0)
        self._involve(carol, "SVC-GP-CATFORD", start=self._years_ago(9.3), practitioner=1)
        self._involve(carol, "SVC-CSC", start=self._years_ago(0.3), practitioner=0)
        self._involve(carol, "SVC-FAMILY", start=self._years_ago(0.2), practitioner=1)
        # The adult mental-health worker's case: a one-year-old with health visitor and nursery.
        baby = self._child(
            "Alfie", "Brennan", self._years_ago(1.1), Gender.MALE, postcode="SE13 5AB"
        )
        # Susan asked the index team: health visitor, nursery assistant and social care.
        self._involve(baby, "SVC-HV", start=self._years_ago(1.0), practitioner=0)
        self._involve(baby, "SVC-GP-FOREST", start=self._years_ago(1.0), practitioner=0)
        self._involve(baby, "SVC-NURSERY", start=self._years_ago(0.3), practitioner=0)
        self._involve(baby, "SVC-CSC", start=self._years_ago(0.1), practitioner=1)
        # The SENCO's case: a nine-year-old boy new to Hillside; the index knows his
        # previous school and the social worker who worked with the family.
        newcomer = self._child(
            "Kieran", "Doyle", self._years_ago(9.3), Gender.MALE, postcode="SE26 4PL"
        )
        self._involve(newcomer, "SVC-HILLSIDE", start=self._years_ago(0.08), practitioner=2)
        self._involve(
            newcomer,
            "SVC-STMARY",
            start=self._years_ago(4.4),
            end=self._years_ago(0.12),
            practitioner=0,
        )
        self._involve(
            newcomer,
            "SVC-CSC",
            start=self._years_ago(1.2),
            end=self._years_ago(0.3),
            practitioner=2,
        )
        self._involve(newcomer, "SVC-GP-FOREST", start=self._years_ago(9.2), practitioner=2)
        # A child known to many agencies, with a former name after a family change.
        many = self._child(
            "Jordan",
            "Ellis-Mensah",
            self._years_ago(14.2),
            Gender.MALE,
            former=[("Jordan", "Ellis")],
            postcode="SE8 3JD",
        )
        for code in [
            "SVC-PARKVIEW",
            "SVC-GP-DEPTFORD",
            "SVC-CSC",
            "SVC-YOUTH",
            "SVC-CAIT",
            "SVC-SN",
        ]:
            self._involve(many, code, start=self._years_ago(self.random.uniform(0.2, 3)))
        self._involve(many, "SVC-CAMHS", start=self._years_ago(0.5))
        self._involve(many, "SVC-FAMILY", start=self._years_ago(2), end=self._years_ago(0.3))
        # Accents and apostrophes, to show they are matched without them.
        zoe = self._child(
            "Zoë", "O'Connor", self._years_ago(7.7), Gender.FEMALE, postcode="SE23 2QP"
        )
        self._involve(zoe, "SVC-HILLSIDE", start=self._years_ago(3.5))
        self._involve(zoe, "SVC-GP-FOREST", start=self._years_ago(7.6))
        # A shielded child (refuge): only names, gender, date of birth and carer's name show.
        hidden = self._child(
            "Leah",
            "Harrington",
            self._years_ago(6.3),
            Gender.FEMALE,
            postcode="SE4 1NX",
            shielded=True,
        )
        self._involve(hidden, "SVC-ORCHARD", start=self._years_ago(0.4))
        self._involve(hidden, "SVC-GP-CATFORD", start=self._years_ago(0.4))
        # A child with no known address.
        self._child("Mason", "Clarke", self._years_ago(15.6), Gender.MALE, no_address=True)
        if self.top_up:
            # Records the retention policy may since have archived or deleted stay as they are.
            return
        # Retention: just turned 18 (archived by the next apply_retention), a care leaver
        # kept to 25 with consent, and a record archived six years ago (deleted next run).
        self._child("Tyler", "Grant", self._years_ago(18.02), Gender.MALE)
        self._child("Jade", "Okoro", self._years_ago(20.5), Gender.FEMALE, consent_until_25=True)
        self._child(
            "Old",
            "Archive",
            self._years_ago(24.5),
            Gender.NOT_SPECIFIED,
            archived_on=self._years_ago(6.1),
        )

    def add_random(self, count: int) -> None:
        for _ in range(count):
            gender = self.random.choices(
                [Gender.FEMALE, Gender.MALE, Gender.NOT_SPECIFIED], weights=[49, 49, 2]
            )[0]
            given = (
                self.fake.first_name_female()
                if gender == Gender.FEMALE
                else self.fake.first_name_male()
            )
            family = self.fake.last_name()
            if self.random.random() < 0.03:
                family = f"{family}-{self.fake.last_name()}"
            dob = self.today - datetime.timedelta(days=self.random.randint(30, 17 * 365))
            former = []
            if self.random.random() < 0.05:
                former.append((given, self.fake.last_name()))
            index = self._child(given, family, dob, gender, former=former)
            self._random_involvements(index, dob)

    def _random_involvements(self, index: int, dob: datetime.date) -> None:
        age = self._age(dob)
        schools = ["SVC-HILLSIDE", "SVC-RIVERMEAD", "SVC-ORCHARD", "SVC-STMARY"]
        if age >= 11:
            schools = ["SVC-PARKVIEW", "SVC-BRIDGE"]
        if 4 <= age <= 16 and self.random.random() < 0.97:
            self._involve(
                index, self.random.choice(schools), start=self._years_ago(min(age - 4, 6) + 0.1)
            )
        if self.random.random() < 0.96:
            gp = self.random.choice(["SVC-GP-FOREST", "SVC-GP-CATFORD", "SVC-GP-DEPTFORD"])
            self._involve(index, gp, start=min(dob + datetime.timedelta(days=42), self.today))
        if age < 5:
            self._involve(index, "SVC-HV", start=dob + datetime.timedelta(days=14))
        extras = [
            ("SVC-CSC", 0.04),
            ("SVC-YOUTH", 0.06 if age >= 11 else 0.0),
            ("SVC-FAMILY", 0.04),
            ("SVC-SN", 0.05 if 5 <= age <= 16 else 0.0),
            ("SVC-CAMHS", 0.02 if age >= 8 else 0.0),
            ("SVC-SEXHEALTH", 0.02 if age >= 13 else 0.0),
            ("SVC-SUBSTANCE", 0.01 if age >= 12 else 0.0),
            ("SVC-CAIT", 0.005),
        ]
        for code, chance in extras:
            if self.random.random() < chance:
                start = self._years_ago(self.random.uniform(0.1, 2))
                start = max(start, dob)
                end = None
                if self.random.random() < 0.25:
                    end = min(
                        start + datetime.timedelta(days=self.random.randint(30, 300)), self.today
                    )
                self._involve(index, code, start=start, end=end)

    def save(self) -> int:
        """Save what was built; returns how many children and involvements were added."""
        new = [child for index, child in enumerate(self.children) if index not in self.existing]
        for child in new:
            if child.is_shielded:
                child.shield_review_due = self.today + datetime.timedelta(days=150)
        Child.objects.bulk_create(new, batch_size=1000)
        children = self.children  # primary keys set by bulk_create, in place
        ShieldDecision.objects.bulk_create(
            ShieldDecision(
                child=child,
                shielded=True,
                reason="Family in a domestic-abuse refuge (demo)",
                review_due=child.shield_review_due,
            )
            for child in new
            if child.is_shielded
        )
        # NHS numbers issued by each child's GP practice, for the identifier rules.
        identifiers = []
        for index, fields in self.involvements:
            service = fields["service"]
            if service.service_type == ServiceType.GP:
                identifiers.append(
                    ChildIdentifier(
                        child=children[index],
                        kind=IdentifierKind.NHS_NUMBER,
                        value=_nhs_number(self.random),
                        issued_by=service.organisation,
                    )
                )
        ChildIdentifier.objects.bulk_create(identifiers, batch_size=2000, ignore_conflicts=True)
        names = []
        for index, kind, given, family in self.names:
            name = ChildName(child=children[index], kind=kind, given_name=given, family_name=family)
            name.set_search_forms()
            names.append(name)
        ChildName.objects.bulk_create(names, batch_size=2000)
        Address.objects.bulk_create(
            (Address(child=children[index], **fields) for index, fields in self.addresses),
            batch_size=2000,
        )
        Carer.objects.bulk_create(
            (Carer(child=children[index], **fields) for index, fields in self.carers),
            batch_size=2000,
        )
        Involvement.objects.bulk_create(
            (Involvement(child=children[index], **fields) for index, fields in self.involvements),
            batch_size=2000,
        )
        return len(new) + len(self.involvements)
