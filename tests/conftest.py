import copy
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.management.color import no_style
from django.core.management.sql import emit_post_migrate_signal, sql_flush
from django.db import connections
from django.test import TransactionTestCase

from accounts.roles import Role
from audit.privileges import CREDENTIALS
from tests.database import execute_as_owner_function_sql, forced
from tests.factories import make_organisation, make_user

TEST_SEAL_KEY_ID = "test-2026"
TEST_SEAL_SECRET = "test-only-audit-seal-secret-0123456789-abcdefghij"  # noqa: S105  # nosec B105


@pytest.fixture
def organisation_a():
    return make_organisation("ORG-A", "Organisation A")


@pytest.fixture
def practitioner(organisation_a):
    return make_user("practitioner", roles=(Role.PRACTITIONER,), organisation=organisation_a)


@pytest.fixture
def index_officer():
    return make_user("indexofficer", roles=(Role.PRACTITIONER, Role.INDEX_TEAM))


@pytest.fixture
def sensitive_practitioner():
    return make_user("sensitiveprac", roles=(Role.PRACTITIONER, Role.SENSITIVE_SERVICES))


@pytest.fixture
def admin_of_a(organisation_a):
    return make_user("adminofa", roles=(Role.ORG_ADMIN,), organisation=organisation_a)


@pytest.fixture
def auditor():
    return make_user("auditor", roles=(Role.AUDITOR,))


@pytest.fixture
def suspended_user():
    user = make_user("suspended", roles=(Role.PRACTITIONER,))
    user.is_active = False
    user.save()
    return user


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    """Tests render templates without a collectstatic manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def local_cache(settings):
    """Each test counts searches in its own per-process cache, never the shared Redis.

    The machine's Redis is shared with other checkouts whose test users have the same
    ids; a local cache, emptied before each test, keeps every test's counts its own.
    """
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    local = caches["default"]
    local.clear()
    yield
    local.clear()


def pytest_collection_modifyitems(items):
    """Every database test may use both connections: denied requests are audited on "audit"."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is not None and "databases" not in marker.kwargs:
            item.add_marker(
                pytest.mark.django_db(*marker.args, databases="__all__", **marker.kwargs),
                append=False,
            )


# The roles' credentials, taken before the setup below switches the test connections.
SERVING_CREDENTIALS = {
    key: copy.deepcopy(settings.DATABASES["default"][key]) for key in CREDENTIALS
}
OWNER_CREDENTIALS = (
    {key: copy.deepcopy(settings.DATABASE_OWNER[key]) for key in CREDENTIALS}
    if settings.DATABASE_OWNER is not None
    else SERVING_CREDENTIALS
)


def _connect_as(credentials: dict) -> None:
    """Reconnect the test connections ("default" and "audit": one database) with ``credentials``."""
    for alias in ("default", "audit"):
        connections[alias].close()
        connections[alias].settings_dict.update(copy.deepcopy(credentials))


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Create and migrate the test database as the owner role, as `make setup` migrates.

    The serving role then holds only what `migrate` grants it (audit/privileges.py), and may
    not create databases. Without an owner role (one DATABASE_URL for everything), the one
    role does everything.
    """
    _connect_as(OWNER_CREDENTIALS)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The tests run as the serving role; the owner drops the test database at the end.

    Before switching, the owner adds tests/database.py's ``test_execute_as_owner`` to the
    test database (and to no other).
    """
    with django_db_blocker.unblock(), connections["default"].cursor() as cursor:
        for statement in execute_as_owner_function_sql(settings.DATABASE_SERVING_ROLE):
            cursor.execute(statement)
    _connect_as(SERVING_CREDENTIALS)
    yield
    with django_db_blocker.unblock():
        _connect_as(OWNER_CREDENTIALS)


def _empty_the_database_as_owner(self: TransactionTestCase) -> None:
    """After a transactional test, empty every table as the owner (replaces Django's flush).

    Django's flush is a TRUNCATE as the test's role; the serving role may not TRUNCATE, and
    the append-only tables refuse it to everyone while their triggers are on. The owner does
    it in one transaction with the triggers off (tests/database.py), no superuser needed.
    """
    for statement in sql_flush(no_style(), connections["default"], reset_sequences=False):
        forced(statement)
    if self.available_apps is None and not self.serialized_rollback:
        emit_post_migrate_signal(verbosity=0, interactive=False, db="default")


@pytest.fixture(scope="session", autouse=True)
def _transactional_tests_emptied_by_the_owner():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(TransactionTestCase, "_fixture_teardown", _empty_the_database_as_owner)
        yield


@pytest.fixture(autouse=True)
def audit_witness(settings, tmp_path) -> Path:
    """Each test's audit chain has its own witness, whatever its directory: the database is
    rolled back after every test, and a witness shared between tests would hold heads the
    next test's database never had."""
    path = tmp_path / "audit-witness.jsonl"
    settings.AUDIT_WITNESS_PATH = str(path)
    return path


@pytest.fixture(autouse=True)
def audit_seal_key(settings) -> str:
    """Tests seal with a key of their own, never the development key file under var/."""
    settings.AUDIT_SEAL_KEY_ID = TEST_SEAL_KEY_ID
    settings.AUDIT_SEAL_SECRETS = {TEST_SEAL_KEY_ID: TEST_SEAL_SECRET}
    return TEST_SEAL_KEY_ID
