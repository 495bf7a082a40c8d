"""Property tests (Hypothesis): every form in the service, given arbitrary input (unicode,
huge, empty, NUL bytes, absurd numbers and dates), answers with a bool and error messages;
it never raises, and nothing it accepts carries a NUL byte towards PostgreSQL."""

import uuid
from collections.abc import Callable

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.datastructures import MultiValueDict
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts import forms as account_forms
from accounts.roles import Role
from audit.forms import EventFilterForm
from caf.views import CafForm, LeadForm
from feeds.views import UploadForm
from involvements.directory import DirectorySearchForm, ServiceEntryForm
from involvements.views import ContactsForm, EndForm, JoinForm, WithdrawForm
from lookups import forms as lookup_forms
from records import forms as record_forms
from reports.views import DashboardFilter
from tests.factories import make_service, make_user
from tests.strategies import junk, post_data

pytestmark = pytest.mark.django_db

CHOICE = str(uuid.uuid4())


def with_choices(form_class: type[forms.Form], field: str) -> Callable[..., forms.Form]:
    def build(data, files, context):
        form = form_class(data)
        form.fields[field].choices = [(CHOICE, "A practitioner")]
        return form

    return build


def plain(form_class: type[forms.Form]) -> Callable[..., forms.Form]:
    return lambda data, files, context: form_class(data)


FORMS: dict[str, Callable[..., forms.Form]] = {
    "ChildSearchForm": plain(record_forms.ChildSearchForm),
    "AuditChildFinderForm": plain(record_forms.AuditChildFinderForm),
    "AccessReason": plain(record_forms.AccessReason),
    "ShieldForm": plain(record_forms.ShieldForm),
    "UnshieldForm": plain(record_forms.UnshieldForm),
    "BreakGlassForm": plain(record_forms.BreakGlassForm),
    "EventFilterForm": plain(EventFilterForm),
    "UploadForm": lambda data, files, context: UploadForm(data, files),
    "LookupOpenForm": plain(lookup_forms.LookupOpenForm),
    "LookupRequestForm": plain(lookup_forms.LookupRequestForm),
    "LookupCloseForm": lambda data, files, context: lookup_forms.LookupCloseForm(
        data, choices=[(CHOICE, "Pat, Class teacher, Hillside")]
    ),
    "QueueFilterForm": plain(lookup_forms.QueueFilterForm),
    "DashboardFilter": plain(DashboardFilter),
    "SignInForm": plain(account_forms.SignInForm),
    "SecondFactorForm": plain(account_forms.SecondFactorForm),
    "ActivationCodeForm": plain(account_forms.ActivationCodeForm),
    "EnrolmentConfirmForm": plain(account_forms.EnrolmentConfirmForm),
    "AgreementForm": plain(account_forms.AgreementForm),
    "BackupCodeForm": plain(account_forms.BackupCodeForm),
    "AccountRequestForm": plain(account_forms.AccountRequestForm),
    "DbsForm": plain(account_forms.DbsForm),
    "AuthorisationForm": plain(account_forms.AuthorisationForm),
    "TrainingForm": plain(account_forms.TrainingForm),
    "ReasonForm": plain(account_forms.ReasonForm),
    "RolesForm": lambda data, files, context: account_forms.RolesForm(
        data, choices=[(role.value, role.label) for role in Role]
    ),
    "UserFilterForm": plain(account_forms.UserFilterForm),
    "CafForm": with_choices(CafForm, "holder"),
    "LeadForm": with_choices(LeadForm, "involvement"),
    "WithdrawForm": plain(WithdrawForm),
    "JoinForm": lambda data, files, context: JoinForm(data, user=context["user"]),
    "EndForm": plain(EndForm),
    "ContactsForm": plain(ContactsForm),
    "DirectorySearchForm": plain(DirectorySearchForm),
    "ServiceEntryForm": lambda data, files, context: ServiceEntryForm(
        data, instance=context["service"]
    ),
}

upload = st.builds(
    lambda name, content: SimpleUploadedFile(name, content),
    st.one_of(
        st.from_regex(r"\A[\w\u00e9 .-]{0,20}[\w]\.(csv|jsonl|CSV|txt)\Z"),
        st.sampled_from(["feed.csv", "x.jsonl", "a.exe"]),
    ),
    st.binary(max_size=500),
)


def strings_in(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [text for item in value for text in strings_in(item)]
    return []


def test_every_form_in_the_service_is_covered():
    """A new form must be added to FORMS (and so get its property test)."""
    found = {
        cls.__name__
        for module in (
            record_forms,
            account_forms,
            lookup_forms,
            __import__("audit.forms", fromlist=["x"]),
            __import__("caf.views", fromlist=["x"]),
            __import__("feeds.views", fromlist=["x"]),
            __import__("involvements.views", fromlist=["x"]),
            __import__("involvements.directory", fromlist=["x"]),
            __import__("reports.views", fromlist=["x"]),
        )
        for cls in vars(module).values()
        if isinstance(cls, type)
        and issubclass(cls, forms.BaseForm)
        and cls.__module__ == module.__name__
    }
    assert found <= set(FORMS), found - set(FORMS)


@pytest.mark.parametrize("name", sorted(FORMS))
def test_a_form_never_raises_on_arbitrary_input(name):
    user = make_user(roles=(Role.PRACTITIONER,))
    service = make_service()
    context = {"user": user, "service": service}
    build = FORMS[name]
    template = build(None, None, context)

    @settings(max_examples=50, deadline=None)
    @given(data=post_data(template), file=upload, extra=st.dictionaries(junk, junk, max_size=3))
    def check(data, file, extra):
        form = build(
            MultiValueDict({**{k: [v] for k, v in extra.items()}, **data}),
            MultiValueDict({"file": [file]}),
            context,
        )
        valid = form.is_valid()
        assert isinstance(valid, bool)
        for messages in form.errors.values():
            assert messages and all(isinstance(m, str) and m.strip() for m in messages)
        form.errors.as_text()  # renders
        if valid:
            for value in form.cleaned_data.values():
                assert not any("\x00" in text for text in strings_in(value))

    check()
