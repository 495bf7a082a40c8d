"""The index team's review queue for possible matches from feeds (shielded candidates included:
only the index team sees this queue)."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from audit.services import audit_denial_record
from feeds.models import ReviewItem, ReviewStatus
from feeds.review import ReviewRefused, review_decide
from records.access import may_mediate


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
