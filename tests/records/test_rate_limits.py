"""Search is rate limited per user: over the limit, a 429 saying when to try again, audited."""

import datetime
import io
import json
import time

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.roles import Role
from audit.models import Action, AuditEvent, Outcome
from records.ratelimits import rate_words, seconds_words
from tests.factories import make_child, make_organisation, make_user, signed_in_client
from tests.lookups.test_lookups import CALL

pytestmark = pytest.mark.django_db

SEARCH = {"given_name": "Catherine", "family_name": "Whitfield", "dob_year": "2015"}


def search(client: Client):
    return client.post(reverse("records:search"), SEARCH)


def refusals(user) -> list[AuditEvent]:
    # Refusals are written on their own connection, committed whatever the request does.
    return list(
        AuditEvent.objects.using("audit").filter(
            action=Action.SEARCH_RATE_LIMITED, actor_id=user.pk
        )
    )


def test_a_search_over_the_limit_gets_a_429_page_saying_when_to_try_again(practitioner, settings):
    settings.SEARCH_RATE_LIMIT = "3/h"
    make_child("Catherine", "Whitfield", datetime.date(2015, 3, 27))
    client = signed_in_client(practitioner)
    for _ in range(3):
        allowed = search(client)
        assert allowed.status_code == 200
        assert "Catherine Whitfield" in allowed.content.decode()

    refused = search(client)

    assert refused.status_code == 429
    retry_after = int(refused.headers["Retry-After"])
    assert 1 <= retry_after <= 3600
    page = refused.content.decode()
    assert '<h1 class="govuk-heading-l">Too many searches</h1>' in page
    assert "3 searches an hour" in page
    assert "You can search again in" in page
    assert "contact the index team" in page
    assert refused.headers["X-Request-ID"] in page
    assert "Catherine Whitfield" not in page
    assert refused.headers["Cache-Control"] == "no-store"
    assert AuditEvent.objects.filter(action=Action.SEARCH).count() == 3


def test_a_refused_search_is_audited_as_a_denial_that_survives_the_request(practitioner, settings):
    settings.SEARCH_RATE_LIMIT = "1/h"
    client = signed_in_client(practitioner)
    search(client)
    refused = search(client)
    (event,) = refusals(practitioner)
    assert event.outcome == Outcome.DENIED
    assert event.actor_username == practitioner.username
    assert event.actor_organisation == practitioner.organisation.code
    assert event.request_id == refused.headers["X-Request-ID"]
    assert event.details["limit"] == "1/h"
    assert event.details["retry_after"] == int(refused.headers["Retry-After"])
    assert event.details["path"] == reverse("records:search")


def test_other_users_keep_their_own_allowance(practitioner, settings):
    settings.SEARCH_RATE_LIMIT = "2/h"
    colleague = make_user("colleague", organisation=practitioner.organisation)
    busy = signed_in_client(practitioner)
    for _ in range(2):
        search(busy)
    assert search(busy).status_code == 429

    other = signed_in_client(colleague)
    assert search(other).status_code == 200
    assert search(other).status_code == 200
    assert refusals(colleague) == []


def test_opening_the_search_page_does_not_use_the_allowance(practitioner, settings):
    settings.SEARCH_RATE_LIMIT = "1/h"
    client = signed_in_client(practitioner)
    for _ in range(3):
        assert client.get(reverse("records:search")).status_code == 200
    assert search(client).status_code == 200


def test_the_limit_resets_when_its_period_is_over(practitioner, settings):
    settings.SEARCH_RATE_LIMIT = "1/s"
    client = signed_in_client(practitioner)
    # Two searches may straddle a second; keep going until one lands in a spent second.
    for _ in range(20):
        refused = search(client)
        if refused.status_code == 429:
            break
    assert refused.status_code == 429
    time.sleep(int(refused.headers["Retry-After"]))
    assert search(client).status_code == 200


def test_searches_during_a_mediated_lookup_count_against_the_officer(index_officer, settings):
    settings.SEARCH_RATE_LIMIT = "2/h"
    client = signed_in_client(index_officer)
    opened = client.post(reverse("lookups:new"), CALL)
    assert opened.status_code == 302
    for _ in range(2):
        assert search(client).status_code == 200
    refused = search(client)
    assert refused.status_code == 429
    (event,) = refusals(index_officer)
    assert "acting_for" in event.details


@pytest.fixture
def api_token():
    make_organisation("EDU-SYS", "Education system")
    out = io.StringIO()
    call_command("create_integration_client", "schoolsys", "--organisation", "EDU-SYS", stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def api_search(token: str):
    return Client().post(
        "/api/v1/children/search",
        json.dumps({"family_name": "Whitfield", "birth_year": 2015}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_an_integration_client_over_its_limit_gets_a_json_429(api_token, settings):
    settings.API_SEARCH_RATE_LIMIT = "2/h"
    settings.SEARCH_RATE_LIMIT = "1/h"  # the people's limit does not apply to the API
    assert api_search(api_token).status_code == 200
    assert api_search(api_token).status_code == 200

    refused = api_search(api_token)

    assert refused.status_code == 429
    assert refused.headers["Content-Type"] == "application/json"
    assert 1 <= int(refused.headers["Retry-After"]) <= 3600
    assert "Too many searches: this client may make 2 searches an hour" in refused.json()["detail"]
    event = AuditEvent.objects.using("audit").get(action=Action.SEARCH_RATE_LIMITED)
    assert event.actor_username == "api:schoolsys"
    assert event.details["limit"] == "2/h"
    assert AuditEvent.objects.filter(action=Action.SEARCH).count() == 2


def test_the_api_allowance_is_per_client(api_token, settings):
    settings.API_SEARCH_RATE_LIMIT = "1/h"
    make_organisation("HEALTH-SYS", "Health system")
    out = io.StringIO()
    call_command(
        "create_integration_client", "healthsys", "--organisation", "HEALTH-SYS", stdout=out
    )
    other_token = out.getvalue().strip().splitlines()[-1]
    api_search(api_token)
    assert api_search(api_token).status_code == 429
    assert api_search(other_token).status_code == 200


def test_a_user_without_the_search_role_is_refused_before_counting(settings):
    settings.SEARCH_RATE_LIMIT = "1/h"
    auditor = make_user("rateauditor", roles=(Role.AUDITOR,))
    client = signed_in_client(auditor)
    for _ in range(3):
        assert search(client).status_code == 403
    assert refusals(auditor) == []


def test_the_rate_limit_setting_is_described_in_words():
    assert rate_words("60/m") == "60 searches a minute"
    assert rate_words("1/h") == "1 search an hour"
    assert rate_words("100/5m") == "100 searches in 5 minutes"
    assert seconds_words(1) == "1 second"
    assert seconds_words(90) == "90 seconds"
    assert seconds_words(3600) == "60 minutes"


def test_with_redis_unreachable_a_search_fails_closed_with_a_503(practitioner, settings):
    make_child("Catherine", "Whitfield", datetime.date(2015, 3, 27))
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        }
    }
    client = signed_in_client(practitioner)
    client.raise_request_exception = False
    response = search(client)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert "Catherine Whitfield" not in response.content.decode()
    assert not AuditEvent.objects.filter(action=Action.SEARCH).exists()
