"""Helpers for the GOV.UK form templates in templates/includes/."""

from django import forms, template
from django.forms.widgets import ChoiceWidget

register = template.Library()


@register.filter
def error_anchor(field: forms.BoundField) -> str:
    """The id an error summary links to: the field's input, or the first of its inputs
    (day of a date, first radio or checkbox), so that following the link lands on it."""
    widget = field.field.widget
    grouped = isinstance(widget, forms.MultiWidget) or (
        isinstance(widget, ChoiceWidget) and widget.input_type in ("radio", "checkbox")
    )
    return f"{field.auto_id}_0" if grouped else field.auto_id
