"""Integration clients: creating them and rotating their tokens."""

import hashlib
import re
import secrets

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from accounts.models import AccountStatus, Organisation, User
from accounts.roles import Role
from feeds.models import IntegrationClient
from records.ratelimits import RATE_PATTERN

TOKEN_PREFIX = "ci_"  # noqa: S105  # nosec B105  # a visible prefix, not a secret


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


@transaction.atomic
def integration_client_create(
    *, name: str, organisation: Organisation, rate_limit: str = ""
) -> tuple[IntegrationClient, str]:
    """Create a client and return it with its token (the only time the token is seen).

    ``rate_limit`` (``count/period``) overrides API_SEARCH_RATE_LIMIT for this client.
    """
    user = User.objects.create(
        username=f"api:{name}",
        first_name=name,
        last_name="(integration)",
        organisation=organisation,
        status=AccountStatus.ACTIVE,
    )
    user.set_unusable_password()
    user.save()
    # The API acts like an ordinary practitioner of the organisation, with no sign-in.
    group, _ = Group.objects.get_or_create(name=Role.INTEGRATION.value)
    user.groups.add(group)
    token = _new_token()
    client = IntegrationClient.objects.create(
        name=name,
        organisation=organisation,
        user=user,
        token_hash=token_hash(token),
        token_prefix=token[:8],
        rate_limit=_valid_rate(rate_limit),
    )
    return client, token


@transaction.atomic
def integration_client_rate_limit_set(*, client: IntegrationClient, rate_limit: str) -> None:
    """Give the client its own API allowance (``count/period``), or ``""`` for the default
    (API_SEARCH_RATE_LIMIT). It applies from the client's next request."""
    IntegrationClient.objects.filter(pk=client.pk).update(rate_limit=_valid_rate(rate_limit))
    client.rate_limit = rate_limit


def _valid_rate(rate_limit: str) -> str:
    if rate_limit and not re.match(RATE_PATTERN, rate_limit):
        raise ValueError(f"Give the limit as count/period (e.g. 600/m), not {rate_limit!r}")
    return rate_limit


@transaction.atomic
def integration_client_rotate(*, client: IntegrationClient) -> str:
    """A new token; the old one stops working at once."""
    token = _new_token()
    IntegrationClient.objects.filter(pk=client.pk).update(
        token_hash=token_hash(token), token_prefix=token[:8], revoked_at=None
    )
    return token


def integration_client_revoke(*, client: IntegrationClient) -> None:
    IntegrationClient.objects.filter(pk=client.pk).update(revoked_at=timezone.now())
