"""The service directory: searchable by anyone signed in, maintained by the index team and
the service's own administrators."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from audit.models import Action, AuditEvent
from involvements.models import ServiceType
from tests.factories import make_service, make_user, signed_in_client

pytestmark = pytest.mark.django_db


@pytest.fixture
def services():
    youth = make_service(ServiceType.YOUTH, name="Youth Club")
    youth.description, youth.min_age, youth.max_age = "Drop-in sessions and mentoring", 11, 19
    youth.save()
    parenting = make_service(ServiceType.VOLUNTARY, name="Parenting Support")
    parenting.description, parenting.min_age, parenting.max_age = "Help for parents of babies", 0, 4
    parenting.save()
    return youth, parenting


def listed(client, **params) -> set[str]:
    page = client.get(reverse("involvements:directory"), params).content.decode()
    return {name for name in ("Youth Club", "Parenting Support") if name in page}


def test_any_signed_in_user_can_search_and_filter_the_directory(services):
    client = signed_in_client(make_user(roles=(Role.AUDITOR,)))
    assert listed(client) == {"Youth Club", "Parenting Support"}
    assert listed(client, q="mentoring") == {"Youth Club"}
    assert listed(client, age=2) == {"Parenting Support"}
    assert listed(client, service_type="youth") == {"Youth Club"}


def test_the_index_team_edits_an_entry_and_the_change_is_audited(services):
    youth, _ = services
    client = signed_in_client(make_user(roles=(Role.INDEX_TEAM,)))
    url = reverse("involvements:directory_edit", args=[youth.public_id])
    response = client.post(
        url, {"description": "Evening youth club", "min_age": "11", "max_age": "9", "phone": "020"}
    )
    assert "The oldest age must be" in response.content.decode()
    response = client.post(
        url,
        {
            "description": "Evening youth club",
            "min_age": "11",
            "max_age": "19",
            "phone": "020 7946 0501",
            "how_to_refer": "Phone the duty worker",
        },
    )
    assert response.status_code == 302
    youth.refresh_from_db()
    assert youth.how_to_refer == "Phone the duty worker"
    assert AuditEvent.objects.filter(action=Action.DIRECTORY_UPDATE).exists()


def test_an_organisation_administrator_edits_only_their_own_services(services):
    youth, parenting = services
    admin = make_user(roles=(Role.ORG_ADMIN,), organisation=youth.organisation)
    client = signed_in_client(admin)
    assert (
        client.get(reverse("involvements:directory_edit", args=[youth.public_id])).status_code
        == 200
    )
    assert (
        client.get(reverse("involvements:directory_edit", args=[parenting.public_id])).status_code
        == 404
    )
    assert (
        signed_in_client(make_user())
        .get(reverse("involvements:directory_edit", args=[youth.public_id]))
        .status_code
        == 404
    )
