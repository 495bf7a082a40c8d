from django import forms

from audit.models import Action
from childindex.forms import GovukDateField


class EventFilterForm(forms.Form):
    username = forms.CharField(label="User (sign-in name)", max_length=150, required=False)
    child = forms.UUIDField(
        label="Child reference",
        required=False,
        error_messages={"invalid": "Enter a child reference as shown by 'Find a child to review'"},
    )
    organisation = forms.CharField(label="Organisation code", max_length=40, required=False)
    action = forms.ChoiceField(label="Action", required=False)
    date_from = GovukDateField(label="From", required=False, past_only=False)
    date_to = GovukDateField(label="To", required=False, past_only=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "Any action"), *Action.choices]

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The 'to' date must be the same as or after the 'from' date")
        return data
