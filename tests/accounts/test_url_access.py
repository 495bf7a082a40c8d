"""Every URL refuses anonymous users and password-only sessions, except a reviewed allowlist.

The test walks the URL resolver: a new URL pattern that is not listed in
ACCESS below fails the suite until someone decides who may reach it.
"""

import uuid

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import make_user, signed_in_client

PUBLIC = "public"  # no sign-in at all
PASSWORD_ONLY = "password-only"  # after the password, before the second factor
PROTECTED = "protected"  # signed in with both factors
API = "api"  # a bearer token on every request (tests/feeds/test_api.py)

ACCESS = {
    "accounts:login": PUBLIC,
    "health:live": PUBLIC,
    "health:ready": PUBLIC,
    "health:live_alias": PUBLIC,
    "health:ready_alias": PUBLIC,
    "accounts:verify": PASSWORD_ONLY,
    "accounts:logout": PASSWORD_ONLY,
    "accounts:password_reset": PUBLIC,
    "accounts:password_reset_done": PUBLIC,
    "accounts:password_reset_confirm": PUBLIC,
    "accounts:password_reset_complete": PUBLIC,
    "accounts:verify_backup": PASSWORD_ONLY,
    "accounts:enrol": PASSWORD_ONLY,
    "accounts:agreement": PROTECTED,
    "accounts:security": PROTECTED,
    "accounts:device_remove": PROTECTED,
    "accounts:backup_codes": PROTECTED,
    "accounts:password_change": PROTECTED,
    "accounts:request_account": PROTECTED,
    "accounts:admin_users": PROTECTED,
    "accounts:admin_review": PROTECTED,
    "accounts:admin_user": PROTECTED,
    "accounts:admin_vetting": PROTECTED,
    "accounts:admin_authorise": PROTECTED,
    "accounts:admin_activation": PROTECTED,
    "accounts:admin_suspend": PROTECTED,
    "accounts:admin_reactivate": PROTECTED,
    "accounts:admin_close": PROTECTED,
    "accounts:admin_roles": PROTECTED,
    "otp_webauthn:credential-registration-begin": PASSWORD_ONLY,
    "otp_webauthn:credential-registration-complete": PASSWORD_ONLY,
    "otp_webauthn:credential-authentication-begin": PASSWORD_ONLY,
    "otp_webauthn:credential-authentication-complete": PASSWORD_ONLY,
    "otp_webauthn:js-i18n-catalog": PASSWORD_ONLY,
    "api:children_search": API,
    "api:involvement": API,
    "api:schema": API,
    "api:caf": API,
    "feeds:review_queue": PROTECTED,
    "feeds:review_decide": PROTECTED,
    "feeds:merge": PROTECTED,
    "feeds:unmerge": PROTECTED,
    "feeds:upload": PROTECTED,
    "feeds:api_docs": PROTECTED,
    "reports:subject_access": PROTECTED,
    "reports:dashboard": PROTECTED,
    "feeds:job": PROTECTED,
    "feeds:job_report": PROTECTED,
    "records:search": PROTECTED,
    "records:child": PROTECTED,
    "records:audit_lookup": PROTECTED,
    "records:shield": PROTECTED,
    "records:break_glass": PROTECTED,
    "records:shield_reviews": PROTECTED,
    "involvements:withdraw_consent": PROTECTED,
    "involvements:join": PROTECTED,
    "involvements:directory": PROTECTED,
    "involvements:directory_entry": PROTECTED,
    "involvements:directory_edit": PROTECTED,
    "involvements:end": PROTECTED,
    "involvements:contacts": PROTECTED,
    "notifications:list": PROTECTED,
    "caf:record": PROTECTED,
    "caf:lead": PROTECTED,
    "caf:worklist": PROTECTED,
    "notifications:follow": PROTECTED,
    "lookups:queue": PROTECTED,
    "lookups:new": PROTECTED,
    "lookups:ask": PROTECTED,
    "lookups:leave": PROTECTED,
    "lookups:detail": PROTECTED,
    "lookups:take": PROTECTED,
    "lookups:close": PROTECTED,
    "lookups:summary": PROTECTED,
    "audit:events": PROTECTED,
    "audit:child": PROTECTED,
    "audit:export": PROTECTED,
    "audit:alerts": PROTECTED,
}
SAMPLE_KWARGS = {
    "public_id": uuid.uuid4(),
    "child_id": uuid.uuid4(),
    "kind": "app",
    "device_id": 1,
    "item": "dbs",
    "uidb64": "MQ",
    "token": "set-password",
    "external_id": "EXT-1",
}


def _walk(resolver: URLResolver, namespace: str = "") -> list[tuple[str, object]]:
    found = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found.extend(_walk(entry, inner))
        elif isinstance(entry, URLPattern) and entry.name:
            found.append((f"{namespace}{entry.name}", entry))
    return found


ALL_PATTERNS = _walk(get_resolver())
OUR_VIEWS = sorted({name for name, _ in ALL_PATTERNS if not name.startswith("admin:")})


def test_every_url_pattern_has_a_reviewed_access_level():
    unknown = sorted(set(OUR_VIEWS) - set(ACCESS))
    assert unknown == [], (
        f"Add these URL names to ACCESS after deciding who may reach them: {unknown}"
    )
    stale = sorted(set(ACCESS) - set(OUR_VIEWS))
    assert stale == [], f"These ACCESS entries no longer exist: {stale}"


def _url(view_name: str) -> str:
    pattern = dict(ALL_PATTERNS)[view_name]
    kwargs = {key: SAMPLE_KWARGS[key] for key in pattern.pattern.converters}
    return reverse(view_name, kwargs=kwargs)


ADMIN_SAMPLES = [
    "/django-admin/",
    "/django-admin/login/",
    "/django-admin/accounts/user/",
    "/django-admin/accounts/user/1/change/",
    "/django-admin/records/child/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("view_name", OUR_VIEWS)
def test_anonymous_users_reach_only_public_urls(view_name):
    response = Client().get(_url(view_name))
    location = response.headers.get("Location", "")
    if ACCESS[view_name] == PUBLIC:
        assert not location.startswith(reverse("accounts:login"))
        assert response.status_code in (200, 405)
    elif ACCESS[view_name] == API:
        assert response.status_code in (401, 403, 405)
    else:
        assert response.status_code == 302
        assert location.startswith(reverse("accounts:login"))


@pytest.mark.django_db
@pytest.mark.parametrize("view_name", OUR_VIEWS)
def test_password_only_sessions_must_complete_the_second_factor(view_name):
    client = signed_in_client(make_user(), verified=False)
    response = client.get(_url(view_name))
    location = response.headers.get("Location", "")
    if ACCESS[view_name] == PROTECTED:
        assert response.status_code == 302
        assert location.startswith(reverse("accounts:verify"))
    elif ACCESS[view_name] == API:
        assert response.status_code in (401, 403, 405)
    else:
        assert not location.startswith(reverse("accounts:verify"))


@pytest.mark.django_db
@pytest.mark.parametrize("path", ADMIN_SAMPLES)
def test_the_django_admin_is_behind_both_factors(path):
    anonymous = Client().get(path)
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith(reverse("accounts:login"))
    staff = make_user(roles=())
    staff.is_staff = True
    staff.save()
    password_only = signed_in_client(staff, verified=False).get(path)
    assert password_only.status_code == 302
    assert password_only.headers["Location"].startswith(reverse("accounts:verify"))


@pytest.mark.django_db
def test_unknown_paths_do_not_reveal_themselves_to_anonymous_users():
    response = Client().get("/no-such-page/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_signed_in_pages_are_not_cached():
    client = signed_in_client(make_user())
    response = client.get(reverse("records:search"))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
