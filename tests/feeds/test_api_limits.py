"""One rate limiter for the API: each client's own allowance, else API_SEARCH_RATE_LIMIT, for
its searches and (counted apart) its updates; over it, a JSON 429 with Retry-After, audited."""

import datetime
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.test import Client

from audit.models import Action, AuditEvent, Outcome
from caf.models import CafStatus
from feeds.models import IntegrationClient
from involvements.models import ServiceType
from records.models import Gender
from tests.factories import make_child, make_organisation

pytestmark = pytest.mark.django_db

BAD_SEARCH = {"given_name": "Catherine"}  # counted, then refused as 400: cheap to repeat


def new_client(name: str, *options: str) -> str:
    make_organisation(f"ORG-{name}", f"{name} system")
    out = io.StringIO()
    call_command(
        "create_integration_client", name, "--organisation", f"ORG-{name}", *options, stdout=out
    )
    return out.getvalue().strip().splitlines()[-1]


def search(token: str, body: dict | None = None):
    return Client().post(
        "/api/v1/children/search",
        json.dumps(body or {"family_name": "Whitfield", "birth_year": 2015}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def put_involvement(token: str, child, external_id: str = "INV-1"):
    body = {
        "child_id": str(child.public_id),
        "service_code": "SCH-1",
        "service_name": "Hillside School",
        "service_type": "school",
        "practitioner_role": "SENCO",
        "start_date": "2026-09-01",
    }
    return Client().put(
        f"/api/v1/involvements/{external_id}",
        json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_the_limit_set_on_a_client_applies_to_it_and_not_to_others(settings):
    settings.API_SEARCH_RATE_LIMIT = "1000/h"
    busy = new_client("busysys", "--rate-limit", "2/h")
    other = new_client("othersys")

    assert [search(busy).status_code for _ in range(3)] == [200, 200, 429]
    assert [search(other).status_code for _ in range(3)] == [200, 200, 200]
    assert IntegrationClient.objects.get(name="busysys").rate_limit == "2/h"
    assert IntegrationClient.objects.get(name="othersys").rate_limit == ""


def test_the_environment_default_applies_to_a_client_without_its_own_limit(settings):
    settings.API_SEARCH_RATE_LIMIT = "3/h"
    token = new_client("plainsys")

    assert [search(token).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert "3 searches an hour" in search(token).json()["detail"]


def test_a_client_limit_above_600_a_minute_is_not_cut_short_by_a_second_throttle(settings):
    settings.API_SEARCH_RATE_LIMIT = "10/m"
    token = new_client("caseloadsys", "--rate-limit", "700/m")

    statuses = [search(token, BAD_SEARCH).status_code for _ in range(601)]

    assert 429 not in statuses
    assert set(statuses) == {400}


def test_over_the_limit_the_api_answers_429_json_with_retry_after_and_audits_it(settings):
    token = new_client("jsonsys", "--rate-limit", "1/h")
    assert search(token).status_code == 200

    refused = search(token)

    assert refused.status_code == 429
    assert refused.headers["Content-Type"] == "application/json"
    assert 1 <= int(refused.headers["Retry-After"]) <= 3600
    retry_after = refused.headers["Retry-After"]
    assert refused.json() == {
        "detail": "Too many searches: this client may make 1 search an hour. "
        f"Expected available in {retry_after} seconds."
    }
    event = AuditEvent.objects.using("audit").get(action=Action.SEARCH_RATE_LIMITED)
    assert event.actor_username == "api:jsonsys"
    assert event.details["limit"] == "1/h"


def test_updates_have_the_same_allowance_counted_apart_from_searches(settings):
    token = new_client("writesys", "--rate-limit", "2/h")
    child = make_child("Catherine", "Whitfield", datetime.date(2015, 3, 7))
    assert search(token).status_code == 200
    assert search(token).status_code == 200
    assert search(token).status_code == 429

    assert put_involvement(token, child).status_code == 201
    assert put_involvement(token, child).status_code == 200
    refused = put_involvement(token, child)

    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 3600
    assert refused.json()["detail"].startswith(
        "Too many updates: this client may make 2 updates an hour. Expected available in "
    )
    denial = AuditEvent.objects.using("audit").get(
        action=Action.ACCESS_DENIED, reason="too many updates"
    )
    assert denial.outcome == Outcome.DENIED
    assert denial.details["limit"] == "2/h"


def test_the_command_changes_an_existing_clients_limit_without_a_new_token(settings):
    settings.API_SEARCH_RATE_LIMIT = "600/m"
    token = new_client("changesys")
    out = io.StringIO()

    call_command(
        "create_integration_client",
        "changesys",
        "--organisation",
        "ORG-changesys",
        "--rate-limit",
        "1/h",
        stdout=out,
    )

    assert "1 search an hour" in out.getvalue()
    assert "ci_" not in out.getvalue()  # no new token printed
    assert [search(token).status_code for _ in range(2)] == [200, 429]
    call_command(
        "create_integration_client",
        "changesys",
        "--organisation",
        "ORG-changesys",
        "--rate-limit",
        "default",
        stdout=io.StringIO(),
    )
    assert IntegrationClient.objects.get(name="changesys").allowance == "600/m"


def test_a_malformed_limit_is_refused_by_the_command_and_by_the_database():
    with pytest.raises(CommandError, match="count/period"):
        new_client("badsys", "--rate-limit", "lots")
    new_client("goodsys")
    with pytest.raises(IntegrityError), transaction.atomic():
        IntegrationClient.objects.filter(name="goodsys").update(rate_limit="600 a minute")


def test_the_feeds_guide_lists_every_accepted_code():
    guide = (Path(__file__).resolve().parents[2] / "docs" / "feeds.md").read_text()
    for code in [*ServiceType.values, *Gender.values, *CafStatus.values]:
        assert f"`{code}`" in guide, code
