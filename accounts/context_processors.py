from django.conf import settings
from django.http import HttpRequest

from accounts.access import is_administrator


def service(request: HttpRequest) -> dict[str, object]:
    """Values every page needs: the service name and the request id for error reports."""
    return {
        "service_name": settings.SERVICE_NAME,
        "request_id": getattr(request, "request_id", ""),
        "nav_is_administrator": _is_administrator(request),
    }


def _is_administrator(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and is_administrator(user))
