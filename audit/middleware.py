"""Gives every request an id that its audit events, logs and error pages share."""

import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_current = ContextVar("childindex_request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request being handled (for django-auditlog's correlation id)."""
    return _current.get()


class RequestIdMiddleware:
    """Sets ``request.request_id`` and the ``X-Request-ID`` response header.

    An id supplied by a proxy is kept only if it looks like an id, so a caller
    cannot inject text into the audit log through the header.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        token = _current.set(request.request_id)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response["X-Request-ID"] = request.request_id
        return response
