import pytest
from django.core.cache import caches
from django.db import connections

from accounts.roles import Role
from tests.factories import make_organisation, make_user


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


@pytest.fixture(autouse=True)
def _audit_tables_can_be_flushed(request):
    """Let Django's test flush empty the append-only audit tables after transactional tests.

    The audit triggers refuse TRUNCATE for every session. Only a superuser can set
    session_replication_role = replica, which disables them; the test run's role is one
    (the private cluster's owner, or the server's postgres user). Each test starts with
    the triggers on again.
    """
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        yield
        return
    request.getfixturevalue("_django_db_helper")
    for alias in ("default", "audit"):
        with connections[alias].cursor() as cursor:
            cursor.execute("SET session_replication_role = origin")
    yield
    if marker.kwargs.get("transaction"):
        for alias in ("default", "audit"):
            with connections[alias].cursor() as cursor:
                cursor.execute("SET session_replication_role = replica")


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Close the second ("audit") connection before the test database is dropped."""
    yield
    with django_db_blocker.unblock():
        connections["audit"].close()
