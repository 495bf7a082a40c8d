import csv

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from audit.models import Action
from audit.services import audit_denial_record, audit_event_record
from audit.views import neutralise
from records.access import may_mediate
from records.models import Child
from reports.subject_access import subject_access_report


@require_GET
def subject_access(request: HttpRequest, public_id: str) -> HttpResponse:
    """Everything held on one child and every access to the record (index team); audited."""
    if not may_mediate(request.user):
        audit_denial_record(request=request, reason="subject access is for the index team")
        return render(request, "errors/403.html", status=403)
    child = Child.objects.filter(public_id=public_id).first()
    if child is None:
        raise Http404
    report = subject_access_report(child)
    as_csv = request.GET.get("format") == "csv"
    audit_event_record(
        action=Action.EXPORT,
        request=request,
        object_type="child",
        object_id=str(child.public_id),
        reason="subject access request",
        details={"what": "subject access", "format": "csv" if as_csv else "html"},
    )
    if not as_csv:
        return render(request, "reports/subject_access.html", report)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="subject-access-{child.public_id}.csv"'
    writer = csv.writer(response)
    for section in report["sections"]:
        writer.writerow([section.title])
        writer.writerow(section.columns)
        for row in section.rows:
            writer.writerow([neutralise(value) for value in row])
        writer.writerow([])
    return response
