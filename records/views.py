from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from audit.services import audit_denial_record
from records.access import child_access, children_visible_to, may_identify_for_audit, may_search
from records.forms import AccessReason, ChildSearchForm
from records.models import Child
from records.sections import sections_for
from records.services import (
    child_search,
    record_access_grant,
    record_access_reason,
    record_view_audit,
)


def _visible_child(request: HttpRequest, public_id: str) -> Child:
    """The child, or 404 whether it does not exist or the user may not see it (audited)."""
    try:
        if not may_search(request.user):
            raise Child.DoesNotExist
        return children_visible_to(request.user).get(public_id=public_id)
    except Child.DoesNotExist as exc:
        audit_denial_record(
            request=request,
            reason="record not found or not visible",
            object_type="child",
            object_id=str(public_id),
        )
        raise Http404 from exc


@require_http_methods(["GET", "POST"])
def search(request: HttpRequest) -> HttpResponse:
    if not may_search(request.user):
        audit_denial_record(request=request, reason="no search role")
        return render(request, "records/no_search_access.html", status=403)
    form = ChildSearchForm(request.POST if request.method == "POST" else None)
    outcome = None
    if request.method == "POST" and form.is_valid():
        outcome = child_search(request=request, criteria=form.criteria())
    return render(request, "records/search.html", {"form": form, "outcome": outcome})


@require_http_methods(["GET", "POST"])
def child_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    child = _visible_child(request, public_id)
    if request.method == "POST":
        form = AccessReason(request.POST)
        if form.is_valid():
            record_access_grant(request=request, child=child, reason=form.reason_text())
            return redirect("records:child", public_id=child.public_id)
        return render(request, "records/access_reason.html", {"child": child, "form": form})

    reason = record_access_reason(request=request, child=child)
    if reason is None:
        return render(
            request, "records/access_reason.html", {"child": child, "form": AccessReason()}
        )

    access = child_access(request.user, child)
    record_view_audit(request=request, user=request.user, child=child, reason=reason)
    context = {
        "child": child,
        "access": access,
        "reason": reason,
        "former_names": child.names.exclude(kind="current").order_by("id"),
        "address": child.addresses.filter(status__in=["current", "last_known"]).first()
        if access.sees_location
        else None,
        "carers": list(child.carers.all()),
        "sections": sections_for(request.user, access),
    }
    return render(request, "records/child_detail.html", context)


@require_http_methods(["GET", "POST"])
def audit_lookup(request: HttpRequest) -> HttpResponse:
    """Auditors find a child by name and date of birth, to see who has accessed the record."""
    if not may_identify_for_audit(request.user):
        audit_denial_record(request=request, reason="not an auditor")
        return render(request, "errors/403.html", status=403)
    form = ChildSearchForm(request.POST if request.method == "POST" else None)
    outcome = None
    if request.method == "POST" and form.is_valid():
        outcome = child_search(request=request, criteria=form.criteria(), for_audit=True)
    return render(request, "records/audit_lookup.html", {"form": form, "outcome": outcome})
