import datetime

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.models import User
from audit.services import audit_denial_record
from childindex.forms import GovukDateField
from involvements.models import SENSITIVE_SERVICE_TYPES, Involvement, Service
from involvements.services import (
    InvolvementError,
    involvement_consent_withdraw,
    involvement_contacts_update,
    involvement_end,
    involvement_join,
)
from records.access import children_visible_to, may_see_sensitive_details
from records.views import visible_child


class WithdrawForm(forms.Form):
    note = forms.CharField(
        label="How was consent withdrawn?",
        max_length=500,
        widget=forms.Textarea,
        error_messages={"required": "Say how and when the young person withdrew consent"},
    )


@require_http_methods(["GET", "POST"])
def withdraw_consent(request: HttpRequest, public_id: str) -> HttpResponse:
    """The young person withdrew consent: the involvement disappears from every view at once."""
    involvement = (
        Involvement.objects.live()
        .filter(
            public_id=public_id,
            is_sensitive=True,
            child__in=children_visible_to(request.user),
        )
        .select_related("child", "service")
        .first()
    )
    if involvement is None or not may_see_sensitive_details(request.user):
        audit_denial_record(
            request=request, reason="withdraw consent refused", object_id=str(public_id)
        )
        raise Http404
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            involvement_consent_withdraw(
                request=request,
                actor=request.user,
                involvement=involvement,
                note=form.cleaned_data["note"],
            )
        except InvolvementError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Consent withdrawn: the involvement is no longer shown.")
            return redirect("records:child", public_id=involvement.child.public_id)
    return render(request, "involvements/withdraw.html", {"involvement": involvement, "form": form})


class JoinForm(forms.Form):
    service = forms.ModelChoiceField(
        label="Your service", queryset=Service.objects.none(), empty_label=None
    )
    role = forms.CharField(label="Your role with this child", max_length=120)
    start_date = GovukDateField(label="Since")
    phone = forms.CharField(label="Your work phone", max_length=40)
    email = forms.EmailField(label="Your work email", required=False)
    follow = forms.BooleanField(
        label="Tell me when another practitioner starts or stops working with this child",
        required=False,
        initial=True,
    )

    def __init__(self, *args: object, user: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.filter(
            organisation_id=user.organisation_id
        ).exclude(service_type__in=list(SENSITIVE_SERVICE_TYPES))


class EndForm(forms.Form):
    end_date = GovukDateField(label="Last day you worked with this child")


class ContactsForm(forms.Form):
    phone = forms.CharField(label="Work phone", max_length=40)
    email = forms.EmailField(label="Work email", required=False)


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, public_id: str) -> HttpResponse:
    """I am now working with this child."""
    child = visible_child(request, public_id)
    user = request.user
    initial = {
        "role": user.job_title,
        "phone": user.phone,
        "email": user.email,
        "start_date": datetime.date.today(),
        "follow": True,
    }
    form = JoinForm(request.POST if request.method == "POST" else None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            involvement_join(request=request, user=user, child=child, **form.cleaned_data)
        except InvolvementError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "You are recorded as working with this child.")
            return redirect("records:child", public_id=child.public_id)
    return render(request, "involvements/join.html", {"child": child, "form": form})


def _own_involvement(request: HttpRequest, public_id: str) -> Involvement:
    involvement = (
        Involvement.objects.current()
        .filter(public_id=public_id, practitioner__user=request.user)
        .select_related("child", "service", "practitioner")
        .first()
    )
    if involvement is None:
        audit_denial_record(
            request=request, reason="not your involvement", object_id=str(public_id)
        )
        raise Http404
    return involvement


@require_http_methods(["GET", "POST"])
def end(request: HttpRequest, public_id: str) -> HttpResponse:
    involvement = _own_involvement(request, public_id)
    form = EndForm(
        request.POST if request.method == "POST" else None,
        initial={"end_date": datetime.date.today()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            involvement_end(
                request=request,
                user=request.user,
                involvement=involvement,
                end_date=form.cleaned_data["end_date"],
            )
        except InvolvementError as error:
            form.add_error("end_date", str(error))
        else:
            messages.success(request, "Your involvement has ended.")
            return redirect("records:child", public_id=involvement.child.public_id)
    return render(request, "involvements/end.html", {"involvement": involvement, "form": form})


@require_http_methods(["GET", "POST"])
def contacts(request: HttpRequest, public_id: str) -> HttpResponse:
    involvement = _own_involvement(request, public_id)
    practitioner = involvement.practitioner
    form = ContactsForm(
        request.POST if request.method == "POST" else None,
        initial={"phone": practitioner.phone, "email": practitioner.email},
    )
    if request.method == "POST" and form.is_valid():
        involvement_contacts_update(
            request=request, user=request.user, involvement=involvement, **form.cleaned_data
        )
        messages.success(request, "Your contact details are updated.")
        return redirect("records:child", public_id=involvement.child.public_id)
    return render(request, "involvements/contacts.html", {"involvement": involvement, "form": form})
