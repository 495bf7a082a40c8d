"""Mediated lookup pages: the index team's queue, opening and closing lookups, summaries."""

import datetime
import uuid
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.access import may_review
from audit.models import AuditEvent
from audit.services import audit_denial_record
from involvements.models import Involvement
from lookups.forms import LookupCloseForm, LookupOpenForm, LookupRequestForm, QueueFilterForm
from lookups.models import MediatedLookup, Status
from lookups.services import (
    LookupRefused,
    disclosable,
    lookup_close,
    lookup_leave,
    lookup_open,
    lookup_request,
    lookup_take,
)
from records.access import children_visible_to, may_mediate
from records.models import Child

View = Callable[..., HttpResponse]


def index_team_required(view: View) -> View:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not may_mediate(request.user):
            audit_denial_record(request=request, reason="not index team")
            return render(request, "errors/403.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped


def _lookup(request: HttpRequest, public_id: str) -> MediatedLookup:
    lookup = MediatedLookup.objects.filter(public_id=public_id).first()
    if lookup is None:
        raise Http404
    return lookup


@require_GET
@index_team_required
def queue(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET or None)
    lookups = MediatedLookup.objects.select_related("created_by")
    view = "open"
    if form.is_valid():
        data = form.cleaned_data
        view = data["view"] or "open"
        if data["date_from"]:
            lookups = lookups.filter(created_at__date__gte=data["date_from"])
        if data["date_to"]:
            lookups = lookups.filter(created_at__date__lte=data["date_to"])
        if data["organisation"]:
            lookups = lookups.filter(caller_organisation__icontains=data["organisation"])
        if data["outcome"]:
            lookups = lookups.filter(outcome=data["outcome"])
    if view == "open":
        lookups = lookups.exclude(status=Status.CLOSED).order_by("-urgency", "created_at")
    elif view == "mine":
        lookups = lookups.filter(Q(created_by=request.user) | Q(closed_by=request.user))
    context = {"form": form, "lookups": lookups[:200], "view": view}
    return render(request, "lookups/queue.html", context)


@require_http_methods(["GET", "POST"])
@index_team_required
def new(request: HttpRequest) -> HttpResponse:
    form = LookupOpenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        lookup_open(request=request, actor=request.user, **form.cleaned_data)
        messages.success(request, "Lookup opened. Your searches are now recorded for this caller.")
        return redirect("records:search")
    return render(request, "lookups/new.html", {"form": form})


@require_http_methods(["GET", "POST"])
def ask(request: HttpRequest) -> HttpResponse:
    """Any signed-in practitioner may ask the index team to find out who is involved."""
    form = LookupRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        lookup_request(request=request, requester=request.user, **form.cleaned_data)
        return render(request, "lookups/asked.html")
    return render(request, "lookups/ask.html", {"form": form})


def _linked_events(lookup: MediatedLookup):
    return AuditEvent.objects.filter(
        Q(details__contains={"acting_for": {"lookup": str(lookup.public_id)}})
        | Q(object_type="lookup", object_id=str(lookup.public_id))
    ).order_by("occurred_at", "id")


@require_GET
def detail(request: HttpRequest, public_id: str) -> HttpResponse:
    """The whole lookup: for the index team, and for auditors (read only)."""
    if not (may_mediate(request.user) or may_review(request.user)):
        audit_denial_record(request=request, reason="lookup detail refused")
        return render(request, "errors/403.html", status=403)
    lookup = _lookup(request, public_id)
    context = {
        "lookup": lookup,
        "events": _linked_events(lookup),
        "disclosures": lookup.disclosures.all(),
        "may_act": may_mediate(request.user) and lookup.status != Status.CLOSED,
    }
    return render(request, "lookups/detail.html", context)


@require_POST
@index_team_required
def take(request: HttpRequest, public_id: str) -> HttpResponse:
    lookup = _lookup(request, public_id)
    try:
        lookup_take(request=request, actor=request.user, lookup=lookup)
    except LookupRefused as error:
        messages.error(request, str(error))
        return redirect("lookups:detail", public_id=lookup.public_id)
    messages.success(request, f"You are acting for {lookup.caller_name}.")
    return redirect("records:search")


@require_POST
@index_team_required
def leave(request: HttpRequest) -> HttpResponse:
    lookup_leave(request=request)
    return redirect("lookups:queue")


def _viewed_children(lookup: MediatedLookup) -> list[Child]:
    ids = (
        _linked_events(lookup)
        .filter(action="record.view", object_type="child")
        .values_list("object_id", flat=True)
    )
    return list(Child.objects.filter(public_id__in=list(ids)))


@require_http_methods(["GET", "POST"])
@index_team_required
def close(request: HttpRequest, public_id: str) -> HttpResponse:
    lookup = _lookup(request, public_id)
    if lookup.status == Status.CLOSED:
        return redirect("lookups:detail", public_id=lookup.public_id)
    child = None
    child_id = _uuid(request.POST.get("child") or request.GET.get("child") or "")
    if child_id:
        child = children_visible_to(request.user).filter(public_id=child_id).first()
    options = disclosable(child) if child else []
    choices = [(str(row.public_id), _describe(row)) for row in options]
    form = LookupCloseForm(request.POST if request.method == "POST" else None, choices=choices)
    if request.method == "POST" and form.is_valid():
        chosen = list(
            Involvement.objects.filter(public_id__in=form.cleaned_data["disclosed"]).select_related(
                "service", "practitioner"
            )
        )
        try:
            lookup_close(
                request=request,
                actor=request.user,
                lookup=lookup,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                child=child,
                disclosed=chosen,
            )
        except LookupRefused as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Lookup closed.")
            return redirect("lookups:summary", public_id=lookup.public_id)
    context = {
        "lookup": lookup,
        "form": form,
        "child": child,
        "viewed": _viewed_children(lookup),
        "hidden_count": _hidden_count(child, options),
    }
    return render(request, "lookups/close.html", context)


def _uuid(value: str) -> uuid.UUID | None:
    """A child reference as posted, or None if it is not one (treated as no child chosen)."""
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _hidden_count(child: Child | None, options: list[Involvement]) -> int:
    if child is None:
        return 0
    current_options = [row for row in options if not _ended(row)]
    return Involvement.objects.current().filter(child=child).count() - len(current_options)


def _ended(row: Involvement) -> bool:
    return row.end_date is not None and row.end_date < datetime.date.today()


def _describe(row: Involvement) -> str:
    who = f"{row.practitioner.name}, " if row.practitioner else ""
    contact = row.contact_phone or row.contact_email
    ended = f", ended {row.end_date:%-d %b %Y}" if _ended(row) else ""
    return f"{row.service.name}: {who}{row.role} ({contact}{ended})"


@require_GET
def summary(request: HttpRequest, public_id: str) -> HttpResponse:
    """A printable summary: the request and exactly what was disclosed, nothing more."""
    if not (may_mediate(request.user) or may_review(request.user)):
        audit_denial_record(request=request, reason="lookup summary refused")
        return render(request, "errors/403.html", status=403)
    lookup = _lookup(request, public_id)
    return render(
        request,
        "lookups/summary.html",
        {"lookup": lookup, "disclosures": lookup.disclosures.all()},
    )
