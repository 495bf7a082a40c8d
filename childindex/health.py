"""Liveness and readiness endpoints for the load balancer and orchestrator (no sign-in needed).

``/healthz`` (liveness): the process is up; it touches nothing else, so a database outage
never gets healthy processes restarted. ``/readyz`` (readiness): the process may take
traffic: the database answers, every migration is applied, and the audit chain's head
reads back, recomputes, carries a MAC that verifies, and is not behind the last head the
audit witness recorded outside the database (``audit_chain``: "inconsistent" or
"witness_mismatch" otherwise). ``/health/live`` and ``/health/ready`` are the same views
under their older addresses.
"""

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.utils import DatabaseError
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.http import require_GET

from audit.chain import head_state
from childindex.errors import RETRY_AFTER_SECONDS

_migrations_applied = False


@require_GET
def live(request: HttpRequest) -> JsonResponse:
    """The process is up and answering."""
    return JsonResponse({"status": "ok"})


@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    """The service can reach its database, is fully migrated and its audit head holds."""
    checks = {"database": "unavailable", "migrations": "unknown", "audit_chain": "unknown"}
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
        checks["migrations"] = "ok" if _all_migrations_applied() else "pending"
        checks["audit_chain"] = head_state()
    except DatabaseError:
        pass
    if all(value == "ok" for value in checks.values()):
        return JsonResponse({"status": "ok", "checks": checks})
    response = JsonResponse({"status": "unavailable", "checks": checks}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _all_migrations_applied() -> bool:
    # Once true it stays true for this process: a new migration arrives only with new
    # code, which runs in new processes. Reading the migration files on every probe is waste.
    global _migrations_applied
    if not _migrations_applied:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        _migrations_applied = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    return _migrations_applied


app_name = "health"
urlpatterns = [
    path("healthz", live, name="live"),
    path("readyz", ready, name="ready"),
    path("health/live", live, name="live_alias"),
    path("health/ready", ready, name="ready_alias"),
]
