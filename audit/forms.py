from django import forms

from audit.models import Action


class EventFilterForm(forms.Form):
    username = forms.CharField(label="User (sign-in name)", max_length=150, required=False)
    child = forms.UUIDField(
        label="Child reference",
        required=False,
        error_messages={"invalid": "Enter a child reference as shown by 'Find a child to review'"},
    )
    organisation = forms.CharField(label="Organisation code", max_length=40, required=False)
    action = forms.ChoiceField(label="Action", required=False)
    date_from = forms.DateField(
        label="From (YYYY-MM-DD)",
        required=False,
        error_messages={"invalid": "Enter the date as YYYY-MM-DD, for example 2026-11-24"},
    )
    date_to = forms.DateField(
        label="To (YYYY-MM-DD)",
        required=False,
        error_messages={"invalid": "Enter the date as YYYY-MM-DD, for example 2026-11-24"},
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", "Any action"), *Action.choices]

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The 'to' date must be the same as or after the 'from' date")
        return data
