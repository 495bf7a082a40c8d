"""Audit review pages for auditors: find events, see who accessed a child, export, alerts.

Every page here is itself audited, and only auditors may use them.
"""

import csv
import datetime
from collections.abc import Callable
from functools import wraps

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from audit.access import may_review
from audit.alerts import findings, rule_descriptions
from audit.forms import EventFilterForm
from audit.models import EVENT_FIELDS, Action, AuditEvent
from audit.services import audit_denial_record, audit_event_record

EXPORT_LIMIT = 100_000
View = Callable[..., HttpResponse]


def auditor_required(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not may_review(request.user):
            audit_denial_record(request=request, reason="not an auditor")
            return render(request, "errors/403.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped


def _filtered(form: EventFilterForm) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.all()
    if not form.is_valid():
        return events.none()
    data = form.cleaned_data
    if data["username"]:
        events = events.filter(actor_username__iexact=data["username"])
    if data["child"]:
        events = events.filter(_touches_child(str(data["child"])))
    if data["organisation"]:
        events = events.filter(actor_organisation__iexact=data["organisation"])
    if data["action"]:
        events = events.filter(action=data["action"])
    if data["date_from"]:
        events = events.filter(occurred_at__date__gte=data["date_from"])
    if data["date_to"]:
        events = events.filter(occurred_at__date__lte=data["date_to"])
    return events.order_by("-occurred_at", "-id")


def _touches_child(public_id: str) -> Q:
    """Events about the child (views, refusals) and searches whose results included it."""
    return Q(object_id=public_id) | Q(details__contains={"returned": [public_id]})


def _criteria(form: EventFilterForm) -> dict[str, str]:
    if not form.is_valid():
        return {}
    return {key: str(value) for key, value in form.cleaned_data.items() if value}


@require_GET
@auditor_required
def event_search(request: HttpRequest) -> HttpResponse:
    form = EventFilterForm(request.GET or None)
    page = None
    if request.GET:
        page = Paginator(_filtered(form), 50).get_page(request.GET.get("page"))
        audit_event_record(
            action=Action.AUDIT_REVIEW,
            request=request,
            details={"page": "events", "criteria": _criteria(form)},
        )
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "audit/event_search.html", context)


@require_GET
@auditor_required
def child_access(request: HttpRequest, public_id: str) -> HttpResponse:
    """Who has accessed this child: every search that returned it and every view, with reasons."""
    public_id = str(public_id)
    events = list(
        AuditEvent.objects.filter(_touches_child(public_id)).order_by("occurred_at", "id")
    )
    audit_event_record(
        action=Action.AUDIT_REVIEW,
        request=request,
        object_type="child",
        object_id=public_id,
        details={"page": "child_access"},
    )
    context = {
        "child_id": public_id,
        "views": [e for e in events if e.action in (Action.RECORD_VIEW, Action.BREAK_GLASS)],
        "searches": [e for e in events if e.action == Action.SEARCH],
        "others": [
            e
            for e in events
            if e.action not in (Action.RECORD_VIEW, Action.BREAK_GLASS, Action.SEARCH)
        ],
    }
    return render(request, "audit/child_access.html", context)


class _Echo:
    def write(self, value: str) -> str:
        return value


def neutralise(value: object) -> str:
    """A spreadsheet must never run a cell as a formula: prefix = + - @ (and tab, CR) with '."""
    text = "" if value is None else str(value)
    if text and text[0] in "=+-@\t\r":
        return "'" + text
    return text


EXPORT_COLUMNS = ["id", "occurred_at", *(f for f in EVENT_FIELDS if f != "actor_id")]


@require_GET
@auditor_required
def export(request: HttpRequest) -> HttpResponse:
    form = EventFilterForm(request.GET or None)
    events = _filtered(form)[:EXPORT_LIMIT]
    audit_event_record(
        action=Action.EXPORT,
        request=request,
        details={"what": "audit events", "criteria": _criteria(form)},
    )
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(EXPORT_COLUMNS)
        for event in events.values_list(*EXPORT_COLUMNS).iterator(chunk_size=2000):
            yield writer.writerow([neutralise(value) for value in event])

    stamp = datetime.datetime.now(tz=datetime.UTC).strftime("%Y%m%d-%H%M%S")
    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="audit-events-{stamp}.csv"'
    return response


@require_GET
@auditor_required
def alerts(request: HttpRequest) -> HttpResponse:
    try:
        days = min(max(int(request.GET.get("days", "1")), 1), 31)
    except ValueError:
        days = 1
    found = findings(days=days)
    audit_event_record(
        action=Action.AUDIT_REVIEW,
        request=request,
        details={"page": "alerts", "days": days, "findings": len(found)},
    )
    since = datetime.date.today() - datetime.timedelta(days=days)
    context = {"findings": found, "rules": rule_descriptions(), "days": days, "since": since}
    return render(request, "audit/alerts.html", context)
