"""GOV.UK form fields shared by every app: presentation only, no rules about the domain.

Here rather than in an app so that every app, the audit app included (which depends on
no other), can ask for dates the GOV.UK way: day, month and year boxes.
"""

import datetime

from django import forms


class DateParts(forms.MultiWidget):
    """Day, month and year boxes; pages render them with templates/includes/field_date.html."""

    def __init__(self) -> None:
        super().__init__([forms.TextInput, forms.TextInput, forms.TextInput])

    def decompress(self, value: datetime.date | None) -> list[object]:
        return [value.day, value.month, value.year] if value else [None, None, None]


class GovukDateField(forms.MultiValueField):
    """A date entered as day, month and year, with GOV.UK error messages."""

    widget = DateParts

    def __init__(self, *, past_only: bool = True, **kwargs: object) -> None:
        self.past_only = past_only
        fields = tuple(forms.CharField(required=False) for _ in range(3))
        label = str(kwargs.get("label", "the date"))
        kwargs.setdefault(
            "error_messages", {"required": f"Enter the {label[0].lower()}{label[1:]}"}
        )
        super().__init__(fields=fields, require_all_fields=False, **kwargs)

    def compress(self, data_list: list[str]) -> datetime.date | None:
        if not data_list or not any(data_list):
            # Parts of only spaces reach here empty: a required date is still missing.
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return None
        day, month, year = (part.strip() if part else "" for part in data_list)
        if not (day and month and year):
            raise forms.ValidationError(f"{self.label} must include a day, month and year")
        try:
            value = datetime.date(int(year), int(month), int(day))
        except (ValueError, OverflowError) as exc:  # "31", "2", "99999999999" and the like
            raise forms.ValidationError(f"{self.label} must be a real date") from exc
        if value.year < 1900:
            raise forms.ValidationError(f"{self.label} must be a real date")
        if self.past_only and value > datetime.date.today():
            raise forms.ValidationError(f"{self.label} must be today or in the past")
        return value
