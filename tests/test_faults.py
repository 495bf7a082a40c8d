"""Faults, on a real gunicorn: the database down gives 503 with Retry-After on every path,
and a graceful restart loses no request."""

import json
import signal
import threading
import time
import uuid

import pytest
from django.urls import reverse

from tests.servers import Server, database_url_of_test_database, gunicorn

# Nothing listens on port 1: every connection is refused at once.
DATABASE_DOWN = {"DATABASE_URL": "postgresql://app@127.0.0.1:1/childindex"}
# A session cookie makes every signed-in path read the database before anything else.
SESSION = {"Cookie": f"sessionid={uuid.uuid4().hex}"}


@pytest.fixture(scope="module")
def database_down():
    with gunicorn(DATABASE_DOWN) as server:
        yield server


def assert_unavailable(response) -> None:
    assert response.status == 503
    assert response.headers["Retry-After"] == "30"
    assert response.headers["Cache-Control"] == "no-store"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert "Traceback" not in response.text and "127.0.0.1:1" not in response.text


@pytest.mark.parametrize(
    "path",
    [
        reverse("records:search"),
        reverse("records:child", args=[uuid.uuid4()]),
        reverse("audit:events"),
        "/no-such-page/",
    ],
)
def test_a_page_says_the_service_is_unavailable(database_down: Server, path):
    response = database_down.request("GET", path, headers=SESSION)
    assert_unavailable(response)
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Sorry, the service is unavailable" in response.text
    assert response.headers["X-Request-ID"] in response.text
    assert 'class="govuk-template"' in response.text


def test_a_search_post_says_the_service_is_unavailable(database_down: Server):
    response = database_down.request(
        "POST",
        reverse("records:search"),
        headers={**SESSION, "Content-Type": "application/x-www-form-urlencoded"},
        body="family_name=Jones",
    )
    assert_unavailable(response)


def test_the_api_answers_503_in_json(database_down: Server):
    response = database_down.request(
        "POST",
        "/api/v1/children/search",
        headers={"Authorization": "Bearer ci_whatever", "Content-Type": "application/json"},
        body=json.dumps({"family_name": "Jones", "birth_year": 2015}),
    )
    assert_unavailable(response)
    assert response.headers["Content-Type"] == "application/json"
    body = json.loads(response.body)
    assert body["detail"] == "The service is unavailable. Try again later."
    assert body["request_id"] == response.headers["X-Request-ID"]


@pytest.mark.parametrize("path", ["/readyz", "/health/ready"])
def test_readiness_fails_and_names_the_database(database_down: Server, path):
    response = database_down.request("GET", path)
    assert_unavailable(response)
    assert json.loads(response.body) == {
        "status": "unavailable",
        "checks": {"database": "unavailable", "migrations": "unknown", "audit_chain": "unknown"},
    }


@pytest.mark.parametrize("path", ["/healthz", "/health/live"])
def test_liveness_still_answers_so_the_process_is_not_restarted(database_down: Server, path):
    response = database_down.request("GET", path)
    assert response.status == 200
    assert json.loads(response.body) == {"status": "ok"}


@pytest.mark.django_db
def test_a_graceful_restart_answers_every_request_and_a_term_stops_cleanly():
    with gunicorn({"DATABASE_URL": database_url_of_test_database()}, workers=2) as server:
        assert server.request("GET", "/readyz").status == 200
        old_workers = server.workers()
        outcomes: list[int | str] = []
        stop = threading.Event()

        def keep_asking() -> None:
            while not stop.is_set():
                try:
                    outcomes.append(server.request("GET", "/readyz", timeout=20).status)
                except OSError as error:
                    outcomes.append(repr(error))

        askers = [threading.Thread(target=keep_asking) for _ in range(3)]
        for asker in askers:
            asker.start()
        try:
            time.sleep(0.5)
            server.signal(signal.SIGHUP)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                workers = server.workers()
                if len(workers) == 2 and not workers & old_workers:
                    break
                time.sleep(0.2)
            time.sleep(0.5)
        finally:
            stop.set()
            for asker in askers:
                asker.join()
        assert server.workers().isdisjoint(old_workers), "the workers were not replaced"
        assert len(outcomes) > 10
        assert [outcome for outcome in outcomes if outcome != 200] == []

        server.signal(signal.SIGTERM)
        assert server.process.wait(timeout=20) == 0
