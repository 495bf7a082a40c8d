"""Bearer-token authentication for integration clients (kept apart from the API views:
djangorestframework imports it while loading its own views)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from feeds.clients import token_hash
from feeds.models import IntegrationClient


class ClientTokenAuthentication(BaseAuthentication):
    """Authorization: Bearer <token>. Revoked or unknown tokens get 401."""

    keyword = b"bearer"

    def authenticate(self, request: Request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(
                "Give the token as: Authorization: Bearer <token>"
            )
        client = (
            IntegrationClient.objects.select_related("user", "user__organisation")
            .filter(
                token_hash=token_hash(parts[1].decode("utf-8", "replace")), revoked_at__isnull=True
            )
            .first()
        )
        if client is None or not client.user.is_active:
            raise exceptions.AuthenticationFailed("The token is not valid")
        return client.user, client

    def authenticate_header(self, request: Request) -> str:
        return "Bearer"


class ClientTokenScheme(OpenApiAuthenticationExtension):
    """Documents the bearer token in the OpenAPI schema (and keeps the deploy check clean)."""

    target_class = ClientTokenAuthentication
    name = "clientToken"

    def get_security_definition(self, auto_schema: object) -> dict[str, str]:
        return {"type": "http", "scheme": "bearer"}
