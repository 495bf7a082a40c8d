import datetime

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from audit.services import audit_denial_record
from caf.models import CafStatus, CafVersion, LeadBasis, LeadProfessional
from caf.prompts import RULES, prompts_for
from caf.services import CoordinationError, caf_record, lead_professional_assign
from childindex.forms import GovukDateField
from involvements.models import Involvement
from records.access import child_access, may_mediate
from records.models import Child
from records.views import visible_child


def _choices(child: Child) -> list[tuple[str, str]]:
    rows = (
        Involvement.objects.current()
        .filter(child=child, is_sensitive=False)
        .select_related("service", "practitioner")
    )
    choices = []
    for row in rows:
        who = f"{row.practitioner.name}, " if row.practitioner else ""
        choices.append((str(row.public_id), f"{who}{row.role}, {row.service.name}"))
    return choices


class CafForm(forms.Form):
    holder = forms.ChoiceField(label="Who holds the CAF?", widget=forms.RadioSelect)
    status = forms.ChoiceField(label="Status", choices=CafStatus.choices, widget=forms.RadioSelect)
    started_on = GovukDateField(label="Started")
    completed_on = GovukDateField(label="Completed", required=False)
    review_due = GovukDateField(label="Review due", required=False, past_only=False)


class LeadForm(forms.Form):
    involvement = forms.ChoiceField(label="Who is the lead professional?", widget=forms.RadioSelect)
    basis = forms.ChoiceField(
        label="Why this practitioner?", choices=LeadBasis.choices, widget=forms.RadioSelect
    )
    basis_note = forms.CharField(label="Note", max_length=500, required=False)


def _involvement(child: Child, public_id: str) -> Involvement:
    return Involvement.objects.select_related("service", "practitioner").get(
        child=child, public_id=public_id
    )


def _editable_child(request: HttpRequest, public_id: str) -> Child:
    child = visible_child(request, public_id)
    if not child_access(request.user, child).sees_location:
        audit_denial_record(
            request=request, reason="coordination on a shielded child", object_id=str(public_id)
        )
        raise Http404
    return child


@require_http_methods(["GET", "POST"])
def record_caf(request: HttpRequest, public_id: str) -> HttpResponse:
    child = _editable_child(request, public_id)
    current = CafVersion.objects.filter(child=child).first()
    initial = (
        {
            "holder": "",
            "status": current.status,
            "started_on": current.started_on,
            "completed_on": current.completed_on,
            "review_due": current.review_due,
        }
        if current
        else {"started_on": datetime.date.today(), "status": CafStatus.IN_PROGRESS}
    )
    form = CafForm(request.POST if request.method == "POST" else None, initial=initial)
    form.fields["holder"].choices = _choices(child)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            caf_record(
                request=request,
                actor=request.user,
                child=child,
                holder=_involvement(child, data["holder"]),
                status=data["status"],
                started_on=data["started_on"],
                completed_on=data["completed_on"],
                review_due=data["review_due"],
            )
        except CoordinationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "CAF status recorded.")
            return redirect("records:child", public_id=child.public_id)
    return render(request, "caf/caf_form.html", {"child": child, "form": form, "current": current})


@require_http_methods(["GET", "POST"])
def assign_lead(request: HttpRequest, public_id: str) -> HttpResponse:
    child = _editable_child(request, public_id)
    form = LeadForm(request.POST if request.method == "POST" else None)
    form.fields["involvement"].choices = _choices(child)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            lead_professional_assign(
                request=request,
                actor=request.user,
                child=child,
                involvement=_involvement(child, data["involvement"]),
                basis=data["basis"],
                basis_note=data["basis_note"],
            )
        except CoordinationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Lead professional recorded.")
            return redirect("records:child", public_id=child.public_id)
    return render(request, "caf/lead_form.html", {"child": child, "form": form})


@require_GET
def worklist(request: HttpRequest) -> HttpResponse:
    """The index team's coordination worklist: children for whom a prompt holds."""
    if not may_mediate(request.user):
        audit_denial_record(request=request, reason="not index team")
        return render(request, "errors/403.html", status=403)
    today = datetime.date.today()
    current = Involvement.objects.current(today).select_related("service").order_by("child_id")
    by_child: dict[int, list[Involvement]] = {}
    for involvement in current:
        by_child.setdefault(involvement.child_id, []).append(involvement)
    cafs: dict[int, CafVersion] = {}
    for caf in CafVersion.objects.order_by("child_id", "-version"):
        cafs.setdefault(caf.child_id, caf)
    leads = {lead.child_id: lead for lead in LeadProfessional.objects.filter(ended_on__isnull=True)}
    rows = []
    children = Child.objects.filter(pk__in=list(by_child), is_shielded=False).order_by(
        "family_name", "given_name"
    )
    rule = request.GET.get("rule", "")
    for child in children:
        prompts = prompts_for(
            born=child.date_of_birth,
            current=by_child.get(child.pk, []),
            caf=cafs.get(child.pk),
            lead=leads.get(child.pk),
            today=today,
        )
        if rule:
            prompts = [prompt for prompt in prompts if prompt.rule == rule]
        if prompts:
            rows.append((child, prompts))
    context = {"rows": rows[:300], "total": len(rows), "rules": RULES, "rule": rule}
    return render(request, "caf/worklist.html", context)
