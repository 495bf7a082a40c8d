"""Error pages in the service's style, with the request id and never a trace."""

import sys

from django.conf import settings
from django.db.utils import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

# A database (or cache) that cannot be reached: the service is unavailable, not broken.
UNAVAILABLE = (OperationalError, InterfaceError, RedisConnectionError, RedisTimeoutError)
RETRY_AFTER_SECONDS = 30
# Paths whose callers are programs: they get JSON, not a page.
_JSON_PATHS = ("/api/", "/healthz", "/readyz", "/health/")


def _page(request: HttpRequest, template: str, status: int) -> HttpResponse:
    return render(request, template, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, "errors/400.html", 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, "errors/403.html", 403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, "errors/404.html", 404)


def server_error(request: HttpRequest) -> HttpResponse:
    """500, or 503 with Retry-After when the database (or cache) cannot be reached.

    Django calls this while handling the exception, from any middleware or view, so
    ``sys.exc_info()`` names the cause. The page is rendered without the request's
    context processors: they read the session, the user and notifications from the
    database, which may be the thing that failed (or sit in an aborted transaction).
    """
    exception = sys.exc_info()[1]
    unavailable = isinstance(exception, UNAVAILABLE)
    status = 503 if unavailable else 500
    request_id = getattr(request, "request_id", "")
    if request.path.startswith(_JSON_PATHS):
        detail = (
            "The service is unavailable. Try again later."
            if unavailable
            else "Sorry, there is a problem with the service."
        )
        response: HttpResponse = JsonResponse(
            {"detail": detail, "request_id": request_id}, status=status
        )
    else:
        template = "errors/503.html" if unavailable else "errors/500.html"
        context = {"service_name": settings.SERVICE_NAME, "request_id": request_id}
        response = HttpResponse(render_to_string(template, context), status=status)
    if unavailable:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return _page(request, "errors/403_csrf.html", 403)
