"""Security headers on every kind of response, and the production settings behind them."""

import json
import os
import re
import secrets
import subprocess
import sys
import uuid
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.lifecycle import activation_code_issue
from accounts.models import AccountStatus
from accounts.roles import Role
from tests.database import as_owner
from tests.factories import (
    PASSWORD,
    make_child,
    make_organisation,
    make_user,
    signed_in_client,
)
from tests.servers import BASE_DIR, database_url_of_test_database, gunicorn

pytestmark = pytest.mark.django_db

CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'none'",
    "object-src": "'none'",
}


def csp_directives(header: str) -> dict[str, str]:
    parts = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {name: value for name, value in parts}


def assert_security_headers(headers, *, no_store: bool = True) -> None:
    """The headers every response carries, whatever made it."""
    assert csp_directives(headers["Content-Security-Policy"]) == CSP
    assert "unsafe" not in headers["Content-Security-Policy"]
    policy = headers["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in policy
    assert "publickey-credentials-get=(self)" in policy
    assert "publickey-credentials-create=(self)" in policy
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    if no_store:
        assert headers["Cache-Control"] == "no-store"


@pytest.fixture
def practitioner_client():
    return signed_in_client(make_user("headers", roles=(Role.PRACTITIONER,)))


def test_a_signed_in_page(practitioner_client):
    response = practitioner_client.get(reverse("records:search"))
    assert response.status_code == 200
    assert_security_headers(response.headers)


def test_a_search_result_page(practitioner_client):
    response = practitioner_client.post(reverse("records:search"), {"family_name": "Jones"})
    assert response.status_code == 200
    assert_security_headers(response.headers)


def test_the_sign_in_page_and_the_redirect_to_it():
    redirect = Client().get(reverse("records:search"))
    assert redirect.status_code == 302
    assert_security_headers(redirect.headers)
    page = Client().get(reverse("accounts:login"))
    assert page.status_code == 200
    assert_security_headers(page.headers)


def test_a_redirect_after_a_post(practitioner_client):
    response = practitioner_client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert_security_headers(response.headers)


def test_a_password_only_session_redirected_to_the_code_step():
    client = signed_in_client(make_user(), verified=False)
    response = client.get(reverse("records:search"))
    assert response.headers["Location"].startswith(reverse("accounts:verify"))
    assert_security_headers(response.headers)


def test_not_found(practitioner_client, settings):
    settings.DEBUG = False
    response = practitioner_client.get(reverse("records:child", args=[uuid.uuid4()]))
    assert response.status_code == 404
    assert_security_headers(response.headers)


def test_forbidden():
    auditor = signed_in_client(make_user("hdrauditor", roles=(Role.AUDITOR,)))
    response = auditor.get(reverse("records:search"))
    assert response.status_code == 403
    assert_security_headers(response.headers)


def test_csrf_failure():
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("accounts:login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert_security_headers(response.headers)


@pytest.mark.django_db(transaction=True)
def test_server_error_in_the_service_style_without_a_trace(practitioner_client):
    """A failing audit write (trigger) makes a 500: the page still carries every header."""
    child = make_child()
    url = reverse("records:child", args=[child.public_id])
    practitioner_client.post(url, {"reason": "coordination"})
    as_owner(
        """
            CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS
            $$ BEGIN RAISE EXCEPTION 'audit unavailable'; END $$;
            CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_auditevent
            FOR EACH ROW EXECUTE FUNCTION refuse_audit();
            """
    )
    practitioner_client.raise_request_exception = False
    try:
        response = practitioner_client.get(url)
    finally:
        as_owner("DROP TRIGGER refuse_audit ON audit_auditevent; DROP FUNCTION refuse_audit();")
    assert response.status_code == 500
    page = response.content.decode()
    assert "Sorry, there is a problem with the service" in page
    assert response.headers["X-Request-ID"] in page
    assert "Traceback" not in page and "audit unavailable" not in page
    assert_security_headers(response.headers)


def test_the_api():
    make_organisation("HDR-SYS", "Header system")
    out = StringIO()
    call_command("create_integration_client", "hdrsys", "--organisation", "HDR-SYS", stdout=out)
    token = out.getvalue().strip().splitlines()[-1]
    answered = Client().post(
        "/api/v1/children/search",
        json.dumps({"family_name": "Jones", "birth_year": 2015}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert answered.status_code == 200
    assert_security_headers(answered.headers)
    refused = Client().post("/api/v1/children/search", "{}", content_type="application/json")
    assert refused.status_code in (401, 403)
    assert_security_headers(refused.headers)


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/health/live", "/health/ready"])
def test_health_endpoints(path):
    response = Client().get(path)
    assert response.status_code == 200
    assert_security_headers(response.headers)


def test_static_files_served_by_whitenoise(settings):
    # Tests run without collectstatic: let whitenoise find files where they are.
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    response = Client().get("/static/js/init.mjs")
    assert response.status_code == 200
    assert "initAll" in b"".join(response.streaming_content).decode()
    assert_security_headers(response.headers, no_store=False)
    assert response.headers.get("Cache-Control") != "no-store"


TEMPLATE_DIRS = [BASE_DIR / "templates", *sorted(BASE_DIR.glob("*/templates"))]
INLINE = [
    (
        re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>"),
        "inline script",
    ),
    (re.compile(r"<style\b"), "style element"),
    (re.compile(r"\sstyle\s*="), "style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.IGNORECASE), "event handler attribute"),
    (re.compile(r"javascript:", re.IGNORECASE), "javascript: URL"),
]


def test_no_template_has_inline_script_or_style():
    """The CSP forbids them; a browser would silently ignore them."""
    found = []
    for directory in TEMPLATE_DIRS:
        if ".venv" in directory.parts or not directory.is_dir():
            continue
        for template in directory.rglob("*.html"):
            text = template.read_text()
            found += [
                f"{template.relative_to(BASE_DIR)}: {what}"
                for pattern, what in INLINE
                if pattern.search(text)
            ]
    assert found == []


def test_the_security_key_pages_need_nothing_inline(admin_of_a):
    """django-otp-webauthn's pages: its configuration is JSON data, its code static files."""
    newcomer = make_user(
        "keynewcomer",
        organisation=admin_of_a.organisation,
        with_device=False,
        status=AccountStatus.AWAITING_ENROLMENT,
    )
    code = activation_code_issue(request=None, admin=admin_of_a, user=newcomer)
    client = Client()
    client.post(reverse("accounts:login"), {"username": newcomer.username, "password": PASSWORD})
    client.post(reverse("accounts:enrol"), {"code": code})
    enrolment = client.get(reverse("accounts:enrol"))
    page = enrolment.content.decode()
    assert "otp_webauthn_register.js" in page
    tags = re.findall(r"<script\b[^>]*>", page)
    assert [tag for tag in tags if "src=" not in tag] == [
        '<script id="otp_webauthn_config" type="application/json">'
    ]
    assert_security_headers(enrolment.headers)
    catalog = client.get(reverse("otp_webauthn:js-i18n-catalog"))
    assert catalog.status_code == 200
    assert_security_headers(catalog.headers)


PRODUCTION_ENV = {
    "HTTPS": "true",
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "childindex.example",
    "AUDIT_SEAL_KEY": "prod-test:" + secrets.token_urlsafe(48),
    "AUDIT_WITNESS_PATH": str(
        BASE_DIR / "var" / "audit-witness" / "production-settings-test.jsonl"
    ),
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_deployment_checks_pass_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_a_per_process_cache():
    result = manage("check", env={**PRODUCTION_ENV, "REDIS_URL": "locmem"})
    assert result.returncode != 0
    assert "production needs a shared Redis" in result.stderr


@pytest.mark.django_db(transaction=True)
def test_in_production_cookies_are_host_prefixed_and_secure_and_hsts_is_sent():
    user = make_user("cookies")
    env = {
        **PRODUCTION_ENV,
        "ALLOWED_HOSTS": "127.0.0.1",
        "TRUST_X_FORWARDED_PROTO": "true",
        "DATABASE_URL": database_url_of_test_database(),
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
    }
    with gunicorn(env) as server:
        plain_http = server.request("GET", reverse("accounts:login"))
        assert plain_http.status == 301
        assert plain_http.headers["Location"].startswith("https://")

        https = {"X-Forwarded-Proto": "https"}
        page = server.request("GET", reverse("accounts:login"), headers=https)
        assert page.status == 200
        assert page.headers["Strict-Transport-Security"] == (
            "max-age=31536000; includeSubDomains; preload"
        )
        assert_security_headers(page.headers)
        csrf_cookie = cookie(page.headers, "__Host-csrftoken")
        token = csrf_cookie.split(";", 1)[0].split("=", 1)[1]
        form_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]

        signed = server.request(
            "POST",
            reverse("accounts:login"),
            headers={
                **https,
                "Origin": f"https://127.0.0.1:{server.port}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"__Host-csrftoken={token}",
            },
            body=f"csrfmiddlewaretoken={form_token}&username={user.username}&password={PASSWORD}",
        )
        assert signed.status == 302, signed.text[:2000]
        assert signed.headers["Location"].startswith(reverse("accounts:verify"))
        assert_security_headers(signed.headers)
        for name in ("__Host-sessionid", "__Host-csrftoken"):
            attributes = [part.strip().lower() for part in cookie(signed.headers, name).split(";")]
            assert "secure" in attributes and "httponly" in attributes
            assert "path=/" in attributes and "samesite=strict" in attributes
            assert not any(part.startswith("domain=") for part in attributes)


def cookie(headers, name: str) -> str:
    found = [value for value in headers.get_all("Set-Cookie") or [] if value.startswith(name + "=")]
    assert found, f"no {name} cookie in {headers.get_all('Set-Cookie')}"
    return found[-1]
