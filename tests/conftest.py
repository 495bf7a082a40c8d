import pytest

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
