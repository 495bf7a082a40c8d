from django.conf import settings
from django.http import HttpRequest


def service(request: HttpRequest) -> dict[str, object]:
    """Values every page needs: the service name and the request id for error reports."""
    return {
        "service_name": settings.SERVICE_NAME,
        "request_id": getattr(request, "request_id", ""),
    }
