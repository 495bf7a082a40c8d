"""Passwords: Argon2id, long, not common; a reset by email never skips the second factor."""

import re

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from audit.models import Action, AuditEvent
from tests.factories import PASSWORD, make_organisation, make_user, signed_in_client

pytestmark = pytest.mark.django_db


def test_passwords_are_hashed_with_argon2id():
    user = make_user("casey")
    assert user.password.startswith("argon2$argon2id$")


@pytest.mark.parametrize(
    "password",
    ["short-pass", "password1234", "childindex-is-great", "hillside-rocks-2026", "x" * 300],
)
def test_weak_passwords_are_refused(password):
    user = make_user("casey", organisation=make_organisation(name="Hillside Primary School"))
    with pytest.raises(ValidationError):
        validate_password(password, user)


def test_a_long_passphrase_without_composition_rules_is_accepted():
    validate_password("correct horse battery staple " * 2, make_user("casey"))


def test_password_reset_emails_a_link_and_never_signs_in_or_skips_the_second_factor():
    user = make_user("casey")
    user.email = "casey@example.org"
    user.save()
    response = Client().post(reverse("accounts:password_reset"), {"email": "casey@example.org"})
    assert response.status_code == 302
    link = re.search(r"http://testserver(/account/password-reset/\S+/)", mail.outbox[0].body).group(
        1
    )
    client = Client()
    form = client.get(link, follow=True)
    assert "Set a new password" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-brand-new-passphrase-7", "new_password2": "a-brand-new-passphrase-7"},
    )
    assert done.status_code == 302
    assert (
        client.get(reverse("records:search"))
        .headers["Location"]
        .startswith(reverse("accounts:login"))
    )
    client.post(
        reverse("accounts:login"), {"username": "casey", "password": "a-brand-new-passphrase-7"}
    )
    assert (
        client.get(reverse("records:search"))
        .headers["Location"]
        .startswith(reverse("accounts:verify"))
    )
    assert AuditEvent.objects.filter(action=Action.PASSWORD_RESET, actor_id=user.id).exists()


def test_a_reset_request_for_an_unknown_address_looks_the_same():
    response = Client().post(reverse("accounts:password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_changing_the_password_ends_other_sessions_but_not_this_one():
    user = make_user("casey")
    here = signed_in_client(user)
    elsewhere = signed_in_client(user)
    response = here.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "another-long-passphrase-9",
            "new_password2": "another-long-passphrase-9",
        },
    )
    assert response.status_code == 302
    assert here.get(reverse("records:search")).status_code == 200
    assert elsewhere.get(reverse("records:search")).status_code == 302
    assert AuditEvent.objects.filter(action=Action.PASSWORD_CHANGE, actor_id=user.id).exists()
