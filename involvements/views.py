from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from audit.services import audit_denial_record
from involvements.models import Involvement
from involvements.services import InvolvementError, involvement_consent_withdraw
from records.access import children_visible_to, may_see_sensitive_details


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
