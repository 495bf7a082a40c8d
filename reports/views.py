import csv
import datetime

from django import forms
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.access import is_administrator
from audit.models import Action
from audit.services import audit_denial_record, audit_event_record
from audit.views import neutralise
from childindex.forms import GovukDateField
from records.access import may_mediate, may_see_sensitive_details
from records.models import Child
from reports.figures import HIDDEN, ROUND_TO, SUPPRESS_BELOW, figures
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


class DashboardFilter(forms.Form):
    date_from = GovukDateField(label="From", required=False, past_only=False)
    date_to = GovukDateField(label="To", required=False, past_only=False)
    district = forms.CharField(label="Postcode district", required=False, max_length=4)

    def clean_district(self) -> str:
        return self.cleaned_data["district"].strip().upper()


def may_see_figures(user) -> bool:
    return is_administrator(user) or may_mediate(user)


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Management information for administrators and the index team; numbers only."""
    if not may_see_figures(request.user):
        audit_denial_record(request=request, reason="management information refused")
        return render(request, "errors/403.html", status=403)
    form = DashboardFilter(request.GET or None)
    today = datetime.date.today()
    date_from, date_to, district = today - datetime.timedelta(days=365), today, ""
    if form.is_valid():
        date_from = form.cleaned_data["date_from"] or date_from
        date_to = form.cleaned_data["date_to"] or date_to
        district = form.cleaned_data["district"]
    tables = figures(
        date_from=date_from,
        date_to=date_to,
        district=district,
        full_detail=may_mediate(request.user),
        sensitive_services=may_see_sensitive_details(request.user),
    )
    as_csv = request.GET.get("format") == "csv"
    audit_event_record(
        action=Action.EXPORT if as_csv else Action.AUDIT_REVIEW,
        request=request,
        details={
            "what": "management information",
            "from": str(date_from),
            "to": str(date_to),
            "district": district,
        },
    )
    if as_csv:
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="management-information.csv"'
        writer = csv.writer(response)
        for table in tables:
            writer.writerow([table.title])
            writer.writerow(table.columns)
            for row in table.rows:
                writer.writerow([neutralise(value) for value in row])
            writer.writerow([])
        return response
    charts = []
    for table in tables:
        numbers = [row[-1] for row in table.rows if isinstance(row[-1], int | float)]
        charts.append((table, max(numbers) if numbers else 0))
    query = request.GET.copy()
    query["format"] = "csv"
    context = {
        "form": form,
        "charts": charts,
        "csv_query": query.urlencode(),
        "full_detail": may_mediate(request.user),
        "sensitive_services": may_see_sensitive_details(request.user),
        "hidden": HIDDEN,
        "round_to": ROUND_TO,
        "suppress_below": SUPPRESS_BELOW,
    }
    return render(request, "reports/dashboard.html", context)
