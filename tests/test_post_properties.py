"""Property tests (Hypothesis): arbitrary data posted to the main forms of the service never
gives a server error. The answer is a redirect (accepted), a 4xx, or the form again with an
error summary when the data was not valid."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts import forms as account_forms
from accounts.models import AccountStatus
from accounts.roles import Role
from feeds.views import UploadForm
from lookups import forms as lookup_forms
from lookups.models import MediatedLookup
from records import forms as record_forms
from tests.factories import make_child, make_organisation, make_user, signed_in_client
from tests.strategies import junk, post_data

pytestmark = pytest.mark.django_db

CALL = {
    "caller_name": "Dr Jo Bloggs",
    "caller_role": "GP",
    "caller_organisation": "Out of hours GP",
    "caller_phone": "020 7946 0999",
    "identity_check": "call_back",
    "purpose": "Urgent prescription; need the health visitor",
    "child_description": "Alfie Brennan, about 1 year old",
    "consent": "obtained",
    "consent_detail": "Mother agreed on the phone today",
    "urgency": "routine",
}


@dataclass
class Page:
    """A POST view: who posts, where, and the form it binds (for field names)."""

    persona: str
    url: Callable[[dict], str]
    form: Callable[[], forms.Form]
    summary_when_invalid: bool = True


PAGES = {
    "search": Page(
        "practitioner", lambda s: reverse("records:search"), record_forms.ChildSearchForm
    ),
    "record reason": Page(
        "practitioner",
        lambda s: reverse("records:child", args=[s["child"].public_id]),
        record_forms.AccessReason,
    ),
    "shield": Page(
        "officer",
        lambda s: reverse("records:shield", args=[s["child"].public_id]),
        record_forms.ShieldForm,
        summary_when_invalid=False,  # the page shows shield or unshield by the child's state
    ),
    "lookup open": Page("officer", lambda s: reverse("lookups:new"), lookup_forms.LookupOpenForm),
    "lookup ask": Page(
        "practitioner", lambda s: reverse("lookups:ask"), lookup_forms.LookupRequestForm
    ),
    "lookup close": Page(
        "officer",
        lambda s: reverse("lookups:close", args=[s["lookup"].public_id]),
        lambda: lookup_forms.LookupCloseForm(None, choices=[]),
        summary_when_invalid=False,  # its choices depend on the child posted with it
    ),
    "import upload": Page("officer", lambda s: reverse("feeds:upload"), UploadForm),
    "account request": Page(
        "admin", lambda s: reverse("accounts:request_account"), account_forms.AccountRequestForm
    ),
    "vetting dbs": Page(
        "admin",
        lambda s: reverse("accounts:admin_vetting", args=[s["member"].public_id, "dbs"]),
        account_forms.DbsForm,
    ),
    "vetting authorisation": Page(
        "admin",
        lambda s: reverse("accounts:admin_vetting", args=[s["member"].public_id, "authorisation"]),
        account_forms.AuthorisationForm,
    ),
    "vetting training": Page(
        "admin",
        lambda s: reverse("accounts:admin_vetting", args=[s["member"].public_id, "training"]),
        account_forms.TrainingForm,
    ),
    "suspend": Page(
        "admin",
        lambda s: reverse("accounts:admin_suspend", args=[s["member"].public_id]),
        account_forms.ReasonForm,
    ),
    "roles": Page(
        "admin",
        lambda s: reverse("accounts:admin_roles", args=[s["member"].public_id]),
        lambda: account_forms.RolesForm(None, choices=[(r.value, r.label) for r in Role]),
        summary_when_invalid=False,
    ),
}


def setting() -> dict:
    organisation = make_organisation()
    officer = make_user(roles=(Role.PRACTITIONER, Role.INDEX_TEAM))
    scene = {
        "practitioner": make_user(roles=(Role.PRACTITIONER,), organisation=organisation),
        "officer": officer,
        "admin": make_user(roles=(Role.ORG_ADMIN,), organisation=organisation),
        "member": make_user(
            roles=(Role.PRACTITIONER,), organisation=organisation, status=AccountStatus.ACTIVE
        ),
        "child": make_child("Alfie", "Brennan", datetime.date.today() - datetime.timedelta(400)),
    }
    response = signed_in_client(officer).post(reverse("lookups:new"), CALL)
    assert response.status_code == 302
    scene["lookup"] = MediatedLookup.objects.get()
    return scene


upload = st.builds(
    SimpleUploadedFile,
    st.sampled_from(["feed.csv", "feed.jsonl", "notes.txt", "x.CSV"]),
    st.binary(max_size=300),
)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_posting_arbitrary_data_never_gives_a_server_error(name, settings_, tmp_path):
    page = PAGES[name]
    scene = setting()
    client = signed_in_client(scene[page.persona])
    url = page.url(scene)
    template = page.form()

    @settings(max_examples=40, deadline=None)
    @given(
        data=post_data(template),
        extra=st.dictionaries(st.text(st.characters(codec="ascii"), max_size=10), junk, max_size=3),
        file=upload,
        child=st.one_of(junk, st.just(str(scene["child"].public_id))),
    )
    def check(data, extra, file, child):
        body = {**{k: [v] for k, v in extra.items()}, **data}
        if name == "import upload":
            body["file"] = [file]
        if name == "lookup close":
            body["child"] = [child]
        response = client.post(url, body)
        assert response.status_code in {200, 302, 400, 403, 404, 405, 429}, response.status_code
        if response.status_code == 200 and page.summary_when_invalid:
            bound = type(template)(
                {k: v[-1] for k, v in body.items() if k != "file"},
                {"file": file} if name == "import upload" else None,
            )
            if not bound.is_valid():
                assert "govuk-error-summary" in response.content.decode()

    check()


@pytest.fixture
def settings_(settings, tmp_path):
    settings.UPLOAD_DIR = str(tmp_path)
    return settings
