from django import forms

from childindex.forms import GovukDateField
from lookups.models import Consent, IdentityCheck, Outcome, Urgency


class LookupOpenForm(forms.Form):
    caller_name = forms.CharField(label="Caller's name", max_length=200)
    caller_role = forms.CharField(label="Caller's role", max_length=120)
    caller_organisation = forms.CharField(label="Caller's organisation", max_length=200)
    caller_phone = forms.CharField(label="Caller's phone", max_length=40, required=False)
    caller_email = forms.EmailField(label="Caller's email", required=False)
    identity_check = forms.ChoiceField(
        label="How did you check who the caller is?",
        choices=[c for c in IdentityCheck.choices if c[0] != IdentityCheck.SIGNED_IN],
        widget=forms.RadioSelect,
    )
    identity_note = forms.CharField(label="Identity check note", max_length=500, required=False)
    purpose = forms.CharField(label="Why does the caller need to know?", widget=forms.Textarea)
    child_description = forms.CharField(
        label="Which child are they asking about?",
        max_length=300,
        help_text="Name, date of birth, address as the caller gave them",
    )
    consent = forms.ChoiceField(label="Consent", choices=Consent.choices, widget=forms.RadioSelect)
    consent_detail = forms.CharField(
        label="Consent: who gave it and when, or why it was not sought", max_length=500
    )
    urgency = forms.ChoiceField(label="Urgency", choices=Urgency.choices, widget=forms.RadioSelect)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("identity_check") == IdentityCheck.OTHER and not data.get("identity_note"):
            self.add_error("identity_note", "Say how you checked the caller's identity")
        if not data.get("caller_phone") and not data.get("caller_email"):
            self.add_error("caller_phone", "Give a phone number or an email for the caller")
        return data


class LookupRequestForm(forms.Form):
    child_description = forms.CharField(
        label="Which child do you need to know about?",
        max_length=300,
        help_text="Name, date of birth and any address you know",
    )
    purpose = forms.CharField(label="Why do you need to know?", widget=forms.Textarea)
    consent = forms.ChoiceField(label="Consent", choices=Consent.choices, widget=forms.RadioSelect)
    consent_detail = forms.CharField(
        label="Consent: who gave it and when, or why it was not sought", max_length=500
    )
    urgency = forms.ChoiceField(label="Urgency", choices=Urgency.choices, widget=forms.RadioSelect)


class LookupCloseForm(forms.Form):
    outcome = forms.ChoiceField(label="Outcome", choices=Outcome.choices, widget=forms.RadioSelect)
    disclosed = forms.MultipleChoiceField(
        label="Contacts you told the caller", required=False, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(
        label="Note",
        required=False,
        widget=forms.Textarea,
        help_text="Why nothing was disclosed, whom you referred to, or whom you contacted",
    )

    def __init__(self, *args: object, choices: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["disclosed"].choices = choices


class QueueFilterForm(forms.Form):
    view = forms.ChoiceField(
        label="Show",
        required=False,
        choices=[("open", "Open and requested"), ("mine", "Mine"), ("all", "All")],
    )
    date_from = GovukDateField(label="From", required=False, past_only=False)
    date_to = GovukDateField(label="To", required=False, past_only=False)
    organisation = forms.CharField(label="Caller's organisation", required=False, max_length=200)
    outcome = forms.ChoiceField(
        label="Outcome", required=False, choices=[("", "Any outcome"), *Outcome.choices]
    )
