"""Small builders for test data. Data is made in code, never loaded from dumps."""

import datetime
import itertools
import time

from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.middleware import SESSION_STARTED_KEY
from accounts.models import AccountStatus, Organisation, OrganisationType, User, Vetting
from accounts.roles import Role
from involvements.models import Involvement, Practitioner, Service, ServiceType
from records.models import AddressStatus, Child
from records.services import AddressInput, CarerInput, NameInput, child_create

PASSWORD = "a-long-test-passphrase-42"
_counter = itertools.count(1)


def make_organisation(code: str | None = None, name: str | None = None) -> Organisation:
    number = next(_counter)
    return Organisation.objects.create(
        code=code or f"ORG-{number}",
        name=name or f"Organisation {number}",
        organisation_type=OrganisationType.OTHER,
    )


def make_user(
    username: str | None = None,
    *,
    roles: tuple[Role, ...] = (Role.PRACTITIONER,),
    organisation: Organisation | None = None,
    with_device: bool = True,
    status: str = AccountStatus.ACTIVE,
    vetted: bool = True,
) -> User:
    user = User.objects.create_user(
        username=username or f"user{next(_counter)}",
        password=PASSWORD,
        organisation=organisation or make_organisation(),
        first_name="Test",
        last_name="User",
        status=status,
    )
    if vetted:
        make_vetting(user)
    for role in roles:
        group, _ = Group.objects.get_or_create(name=role.value)
        user.groups.add(group)
    if with_device:
        TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)
    return user


def make_vetting(user: User, *, today: datetime.date | None = None, **overrides: object) -> Vetting:
    """A complete, in-date vetting record with the current agreement accepted."""
    today = today or datetime.date.today()
    fields = {
        "dbs_certificate_number": "001234567890",
        "dbs_issue_date": today - datetime.timedelta(days=100),
        "manager_name": "A Manager",
        "manager_authorised_on": today - datetime.timedelta(days=50),
        "training_completed_on": today - datetime.timedelta(days=40),
        "agreement_version": settings.USER_AGREEMENT_VERSION,
        "agreement_accepted_at": timezone.now(),
        **overrides,
    }
    vetting, _ = Vetting.objects.update_or_create(user=user, defaults=fields)
    return vetting


def signed_in_client(user: User, *, verified: bool = True) -> Client:
    """A client with a session as after sign-in (and the second factor, if ``verified``)."""
    client = Client()
    client.force_login(user)
    session = client.session
    session[SESSION_STARTED_KEY] = time.time()
    if verified:
        device = TOTPDevice.objects.filter(user=user).first()
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def make_child(
    given: str = "Amelia",
    family: str = "Jones",
    dob: datetime.date = datetime.date(2015, 3, 27),
    *,
    gender: str = "F",
    former: list[tuple[str, str]] | None = None,
    postcode: str | None = "SE6 4RU",
    shielded: bool = False,
    carers: list[CarerInput] | None = None,
) -> Child:
    return child_create(
        given_name=given,
        family_name=family,
        date_of_birth=dob,
        gender=gender,
        former_names=[NameInput(g, f) for g, f in (former or [])],
        addresses=[
            AddressInput(line_1="1 High Street", postcode=postcode, status=AddressStatus.CURRENT)
        ]
        if postcode
        else [],
        carers=carers,
        is_shielded=shielded,
    )


def make_service(
    service_type: str = ServiceType.SCHOOL, name: str | None = None, phone: str = "020 7946 0000"
) -> Service:
    number = next(_counter)
    return Service.objects.create(
        code=f"SVC-{number}",
        organisation=make_organisation(),
        name=name or f"Service {number}",
        service_type=service_type,
        phone=phone,
        email=f"service{number}@example.org",
    )


def make_involvement(
    child: Child,
    service: Service | None = None,
    *,
    practitioner_name: str = "Pat Example",
    phone: str = "07700 900123",
    role: str = "Class teacher",
    start: datetime.date = datetime.date(2024, 9, 1),
    end: datetime.date | None = None,
) -> Involvement:
    service = service or make_service()
    practitioner = Practitioner.objects.create(
        organisation=service.organisation,
        name=practitioner_name,
        job_title=role,
        phone=phone,
        email="pat@example.org",
    )
    return Involvement.objects.create(
        child=child,
        service=service,
        practitioner=practitioner,
        role=role,
        start_date=start,
        end_date=end,
        is_sensitive=service.is_sensitive,
        **(
            {"basis": "consent", "basis_by": "The young person", "basis_date": start}
            if service.is_sensitive
            else {}
        ),
    )
