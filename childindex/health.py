"""Liveness and readiness endpoints for the load balancer and orchestrator (no sign-in needed)."""

from django.db import connection
from django.db.utils import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.http import require_GET


@require_GET
def live(request: HttpRequest) -> JsonResponse:
    """The process is up and answering."""
    return JsonResponse({"status": "ok"})


@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    """The service can reach its database and may take traffic."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        response = JsonResponse({"status": "unavailable"}, status=503)
        response["Retry-After"] = "30"
        return response
    return JsonResponse({"status": "ok"})


app_name = "health"
urlpatterns = [
    path("live", live, name="live"),
    path("ready", ready, name="ready"),
]
