import datetime

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from audit.services import audit_denial_record
from records.access import (
    child_access,
    children_visible_to,
    may_break_glass,
    may_identify_for_audit,
    may_search,
    may_shield,
    visible_identifiers,
)
from records.forms import (
    AccessReason,
    AuditChildFinderForm,
    BreakGlassForm,
    ChildSearchForm,
    ShieldForm,
    UnshieldForm,
)
from records.models import Child
from records.ratelimits import SearchRefused, search_allowance_use, seconds_words
from records.sections import sections_for
from records.services import (
    break_glass_consume,
    break_glass_grant,
    child_search,
    child_shield,
    child_unshield,
    record_access_grant,
    record_access_reason,
    record_view_audit,
)

# The session keeps the user's last search criteria (never in a URL), so that coming back
# from a record shows the form as they left it.
LAST_SEARCH_KEY = "last_search"


def visible_child(request: HttpRequest, public_id: str) -> Child:
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
    if request.method == "POST" and (refused := search_allowance_use(request=request)):
        return _too_many_searches(request, refused)
    if request.method == "POST":
        form = ChildSearchForm(request.POST)
    else:
        # "Back to your search" from a record: the last criteria, ready to refine.
        last = request.session.get(LAST_SEARCH_KEY) if request.GET.get("refine") else None
        form = ChildSearchForm(initial=last or {})
    outcome = None
    if request.method == "POST" and form.is_valid():
        outcome = child_search(request=request, criteria=form.criteria())
        request.session[LAST_SEARCH_KEY] = {
            name: request.POST.get(name, "").strip() for name in form.fields
        }
    return render(request, "records/search.html", {"form": form, "outcome": outcome})


def _too_many_searches(
    request: HttpRequest, refused: SearchRefused, *, back: str = "records:search"
) -> HttpResponse:
    context = {
        "limit": refused.limit_words,
        "wait_words": seconds_words(refused.retry_after),
        "retry_at": timezone.localtime() + datetime.timedelta(seconds=refused.retry_after),
        "back": back,
    }
    response = render(request, "records/too_many_searches.html", context, status=429)
    response["Retry-After"] = str(refused.retry_after)
    return response


@require_http_methods(["GET", "POST"])
def child_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    child = visible_child(request, public_id)
    if request.method == "POST":
        form = AccessReason(request.POST)
        if form.is_valid():
            record_access_grant(request=request, child=child, reason=form.reason_text())
            return redirect("records:child", public_id=child.public_id)
        return render(request, "records/access_reason.html", {"child": child, "form": form})

    reason = record_access_reason(request=request, child=child)
    broke_glass = child.is_shielded and break_glass_consume(request=request, child=child)
    if reason is None:
        return render(
            request, "records/access_reason.html", {"child": child, "form": AccessReason()}
        )

    access = child_access(request.user, child, broke_glass=broke_glass)
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
        "identifiers": visible_identifiers(access),
        "sections": sections_for(request.user, access),
    }
    return render(request, "records/child_detail.html", context)


def _shield_managed_child(request: HttpRequest, public_id: str) -> Child:
    if not may_shield(request.user):
        audit_denial_record(request=request, reason="not index team", object_id=str(public_id))
        raise Http404
    return visible_child(request, public_id)


@require_http_methods(["GET", "POST"])
def shield(request: HttpRequest, public_id: str) -> HttpResponse:
    """The index team shields a child (or removes the shield), with a reason and a review date."""
    child = _shield_managed_child(request, public_id)
    data = request.POST if request.method == "POST" else None
    if child.is_shielded:
        form = UnshieldForm(data)
        if request.method == "POST" and form.is_valid():
            child_unshield(request=request, actor=request.user, child=child, **form.cleaned_data)
            messages.success(request, "The shield is removed.")
            return redirect("records:child", public_id=child.public_id)
    else:
        default_review = datetime.date.today() + datetime.timedelta(days=182)
        form = ShieldForm(data, initial={"review_due": default_review})
        if request.method == "POST" and form.is_valid():
            child_shield(request=request, actor=request.user, child=child, **form.cleaned_data)
            messages.success(request, "The child is shielded.")
            return redirect("records:child", public_id=child.public_id)
    history = child.shield_decisions.select_related("decided_by")[:20]
    context = {"child": child, "form": form, "history": history}
    return render(request, "records/shield.html", context)


@require_GET
def shield_reviews(request: HttpRequest) -> HttpResponse:
    """Shields due for review in the next 30 days (or overdue), soonest first."""
    if not may_shield(request.user):
        audit_denial_record(request=request, reason="not index team")
        return render(request, "errors/403.html", status=403)
    horizon = datetime.date.today() + datetime.timedelta(days=30)
    children = (
        Child.objects.filter(is_shielded=True)
        .filter(Q(shield_review_due__lte=horizon) | Q(shield_review_due__isnull=True))
        .order_by("shield_review_due", "family_name")
    )
    return render(request, "records/shield_reviews.html", {"children": children})


@require_http_methods(["GET", "POST"])
def break_glass(request: HttpRequest, public_id: str) -> HttpResponse:
    child = visible_child(request, public_id)
    if not may_break_glass(request.user, child):
        audit_denial_record(
            request=request,
            reason="break glass not allowed",
            object_type="child",
            object_id=str(child.public_id),
        )
        raise Http404
    form = BreakGlassForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        break_glass_grant(request=request, child=child, reason=form.cleaned_data["reason"])
        return redirect("records:child", public_id=child.public_id)
    return render(request, "records/break_glass.html", {"child": child, "form": form})


@require_http_methods(["GET", "POST"])
def audit_lookup(request: HttpRequest) -> HttpResponse:
    """Auditors find a child by family name and full date of birth (never by postcode), to
    see who has accessed the record. Each search counts against the same per-user allowance
    as Find a child (SEARCH_RATE_LIMIT)."""
    if not may_identify_for_audit(request.user):
        audit_denial_record(request=request, reason="not an auditor")
        return render(request, "errors/403.html", status=403)
    if request.method == "POST" and (refused := search_allowance_use(request=request)):
        return _too_many_searches(request, refused, back="records:audit_lookup")
    form = AuditChildFinderForm(request.POST if request.method == "POST" else None)
    outcome = None
    if request.method == "POST" and form.is_valid():
        outcome = child_search(request=request, criteria=form.criteria(), for_audit=True)
    return render(request, "records/audit_lookup.html", {"form": form, "outcome": outcome})
