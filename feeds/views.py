"""The index team's review queue for possible matches from feeds (shielded candidates included:
only the index team sees this queue)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from audit.services import audit_denial_record
from feeds.merging import MergeRefused, child_merge, child_unmerge
from feeds.models import ChildMerge, ReviewItem, ReviewStatus
from feeds.review import ReviewRefused, review_decide
from records.access import may_mediate
from records.models import Child


def _refuse(request: HttpRequest) -> HttpResponse:
    audit_denial_record(request=request, reason="review queue is for the index team")
    return render(request, "errors/403.html", status=403)


@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    if not may_mediate(request.user):
        return _refuse(request)
    items = ReviewItem.objects.filter(status=ReviewStatus.OPEN).select_related("candidate")[:200]
    return render(request, "feeds/review_queue.html", {"items": items})


@require_http_methods(["GET", "POST"])
def decide(request: HttpRequest, public_id: str) -> HttpResponse:
    if not may_mediate(request.user):
        return _refuse(request)
    item = ReviewItem.objects.filter(public_id=public_id).select_related("candidate").first()
    if item is None:
        raise Http404
    error = ""
    if request.method == "POST":
        try:
            review_decide(
                request=request,
                actor=request.user,
                item=item,
                decision=request.POST.get("decision", ""),
            )
        except ReviewRefused as exc:
            error = str(exc)
        else:
            messages.success(request, "Decision recorded.")
            return redirect("feeds:review_queue")
    candidate = item.candidate
    comparison = []
    if candidate is not None:
        address = candidate.addresses.filter(status__in=["current", "last_known"]).first()
        incoming = item.incoming
        comparison = [
            ("Given name", incoming.get("given_name", ""), candidate.given_name),
            ("Family name", incoming.get("family_name", ""), candidate.family_name),
            (
                "Former names",
                incoming.get("former_family_names", ""),
                ", ".join(n.family_name for n in candidate.names.exclude(kind="current")),
            ),
            (
                "Date of birth",
                incoming.get("date_of_birth", ""),
                candidate.date_of_birth.isoformat(),
            ),
            ("Gender", incoming.get("gender", ""), candidate.gender),
            ("Postcode", incoming.get("postcode", ""), address.postcode if address else ""),
        ]
    context = {"item": item, "comparison": comparison, "error": error}
    return render(request, "feeds/review_decide.html", context)


@require_http_methods(["GET", "POST"])
def merge(request: HttpRequest, public_id: str) -> HttpResponse:
    """Merge a duplicate record into this child (index team)."""
    if not may_mediate(request.user):
        return _refuse(request)
    kept = Child.objects.filter(public_id=public_id, merged_into__isnull=True).first()
    if kept is None:
        raise Http404
    error = ""
    duplicate = None
    reference = (
        request.POST.get("duplicate", "").strip() or request.GET.get("duplicate", "").strip()
    )
    if reference:
        try:
            duplicate = Child.objects.filter(public_id=reference, merged_into__isnull=True).first()
        except ValidationError:
            duplicate = None
        if duplicate is None:
            error = "There is no child with that reference"
    if request.method == "POST" and duplicate is not None and request.POST.get("confirm") == "yes":
        try:
            child_merge(
                request=request,
                actor=request.user,
                kept=kept,
                duplicate=duplicate,
                reason=request.POST.get("reason", ""),
            )
        except MergeRefused as exc:
            error = str(exc)
        else:
            messages.success(request, "The records are merged.")
            return redirect("records:child", public_id=kept.public_id)
    context = {"kept": kept, "duplicate": duplicate, "error": error, "reference": reference}
    return render(request, "feeds/merge.html", context)


@require_http_methods(["POST"])
def unmerge(request: HttpRequest, public_id: str) -> HttpResponse:
    if not may_mediate(request.user):
        return _refuse(request)
    record = ChildMerge.objects.filter(public_id=public_id).select_related("kept").first()
    if record is None:
        raise Http404
    try:
        child_unmerge(
            request=request, actor=request.user, merge=record, reason=request.POST.get("reason", "")
        )
    except MergeRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "The merge is undone: both records are back as they were.")
    return redirect("records:child", public_id=record.kept.public_id)
