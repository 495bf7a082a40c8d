"""Request ids and error pages (health endpoints: tests/test_health.py)."""

import pytest
from django.test import Client, override_settings

from tests.factories import make_user, signed_in_client

pytestmark = pytest.mark.django_db


def test_every_response_carries_a_request_id_and_a_supplied_one_is_kept_only_if_safe():
    client = Client()
    assert len(client.get("/health/live").headers["X-Request-ID"]) == 32
    kept = client.get("/health/live", HTTP_X_REQUEST_ID="proxy-abc-12345")
    assert kept.headers["X-Request-ID"] == "proxy-abc-12345"
    replaced = client.get("/health/live", HTTP_X_REQUEST_ID="bad id\nwith newline")
    assert replaced.headers["X-Request-ID"] != "bad id\nwith newline"


@override_settings(DEBUG=False)
def test_not_found_pages_are_in_the_service_style_with_a_request_id():
    client = signed_in_client(make_user())
    response = client.get("/children/not-a-uuid/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page
    assert response.headers["X-Request-ID"] in page
    assert "Traceback" not in page
