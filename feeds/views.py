"""The index team's review queue for possible matches from feeds (shielded candidates included:
only the index team sees this queue)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from audit.services import audit_denial_record
from feeds.jobs import import_job_create, import_job_start
from feeds.merging import MergeRefused, child_merge, child_unmerge
from feeds.models import ChildMerge, ImportJob, ImportStatus, ReviewItem, ReviewStatus
from feeds.review import ReviewRefused, review_decide
from feeds.scoring import explanation_rows
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
    context = {
        "item": item,
        "comparison": comparison,
        "explanation": explanation_rows(item.explanation),
        "error": error,
    }
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


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV or JSON Lines file",
        error_messages={"required": "Choose the file to import"},
    )
    source = forms.CharField(label="Sending system", max_length=60)
    dry_run = forms.BooleanField(label="Check only: change nothing", required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith((".csv", ".jsonl", ".ndjson")):
            raise forms.ValidationError("The file must be a .csv or .jsonl file")
        if upload.size > 200 * 1024 * 1024:
            raise forms.ValidationError("The file must be smaller than 200 MB; use import_records")
        return upload


@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    if not may_mediate(request.user):
        return _refuse(request)
    form = UploadForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    if request.method == "POST" and form.is_valid():
        job = import_job_create(
            user=request.user,
            upload=form.cleaned_data["file"],
            source=form.cleaned_data["source"].strip(),
            dry_run=form.cleaned_data["dry_run"],
        )
        transaction.on_commit(lambda: import_job_start(job))
        return redirect("feeds:job", public_id=job.public_id)
    jobs = ImportJob.objects.all()[:20]
    return render(request, "feeds/upload.html", {"form": form, "jobs": jobs})


@require_GET
def job(request: HttpRequest, public_id: str) -> HttpResponse:
    if not may_mediate(request.user):
        return _refuse(request)
    found = ImportJob.objects.filter(public_id=public_id).first()
    if found is None:
        raise Http404
    return render(request, "feeds/job.html", {"job": found})


@require_GET
def job_report(request: HttpRequest, public_id: str) -> HttpResponse:
    if not may_mediate(request.user):
        return _refuse(request)
    found = ImportJob.objects.filter(public_id=public_id, status=ImportStatus.DONE).first()
    if found is None:
        raise Http404
    response = HttpResponse(found.report, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-report-{found.public_id}.csv"'
    return response


@require_GET
def api_docs(request: HttpRequest) -> HttpResponse:
    """The API described from its OpenAPI schema, for integrators (signed-in users)."""
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema.get("components", {}).get("schemas", {})

    def fields(ref: dict | None) -> list[tuple[str, str, bool]]:
        if not ref:
            return []
        name = (
            ref.get("$ref", "").rsplit("/", 1)[-1]
            or ref.get("items", {}).get("$ref", "").rsplit("/", 1)[-1]
        )
        component = components.get(name, {})
        required = set(component.get("required", []))
        return [
            (field, spec.get("format") or spec.get("type") or "enum", field in required)
            for field, spec in component.get("properties", {}).items()
        ]

    endpoints = []
    for path, methods in schema.get("paths", {}).items():
        for method, spec in methods.items():
            body = spec.get("requestBody", {}).get("content", {}).get("application/json", {})
            ok = next(iter(spec.get("responses", {}).values()), {})
            answer = ok.get("content", {}).get("application/json", {}).get("schema")
            endpoints.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": spec.get("description", ""),
                    "request": fields(body.get("schema")),
                    "response": fields(answer),
                }
            )
    return render(request, "feeds/api_docs.html", {"endpoints": endpoints})
