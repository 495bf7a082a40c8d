"""What each role can reach, as README's roles table says: Figures, asking the index team,
and mediated lookups' details and summaries. Change the table and this test together."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from lookups.models import MediatedLookup
from tests.factories import make_user, signed_in_client

pytestmark = pytest.mark.django_db

PERSONAS = {
    "practitioner": (Role.PRACTITIONER,),
    "index team": (Role.PRACTITIONER, Role.INDEX_TEAM),
    "sensitive services": (Role.PRACTITIONER, Role.SENSITIVE_SERVICES),
    "override holder": (Role.PRACTITIONER, Role.OVERRIDE),
    "organisation administrator": (Role.ORG_ADMIN,),
    "auditor": (Role.AUDITOR,),
    "service operator": (Role.GLOBAL_ADMIN,),
    "no role": (),
}
FIGURES = {"index team", "organisation administrator", "service operator"}
LOOKUP_DETAILS = {"index team", "auditor"}


@pytest.fixture
def lookup():
    asker = make_user("asker", roles=(Role.PRACTITIONER,))
    signed_in_client(asker).post(
        reverse("lookups:ask"),
        {
            "child_description": "Sam Smith, 4",
            "purpose": "New to my caseload",
            "consent": "obtained",
            "consent_detail": "Mother agreed",
            "urgency": "routine",
        },
    )
    return MediatedLookup.objects.get()


@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_each_role_reaches_figures_asking_and_lookup_details_as_the_readme_says(persona, lookup):
    client = signed_in_client(make_user(f"who-{persona[:8]}", roles=PERSONAS[persona]))

    figures = client.get(reverse("reports:dashboard"))
    ask = client.get(reverse("lookups:ask"))
    detail = client.get(reverse("lookups:detail", args=[lookup.public_id]))
    summary = client.get(reverse("lookups:summary", args=[lookup.public_id]))

    assert figures.status_code == (200 if persona in FIGURES else 403)
    assert ask.status_code == 200  # every signed-in user may ask the index team
    assert detail.status_code == summary.status_code == (200 if persona in LOOKUP_DETAILS else 403)
    if persona in LOOKUP_DETAILS:
        assert "Sam Smith, 4" in detail.content.decode()
    else:
        assert "Sam Smith" not in detail.content.decode() + summary.content.decode()
    nav = ask.content.decode().split('id="navigation"')[1].split("</nav>")[0]
    assert ("Figures" in nav) == (persona in FIGURES)
