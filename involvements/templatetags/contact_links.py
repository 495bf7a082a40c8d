"""Phone numbers as tel: links and email addresses as mailto: links, as users expect."""

import re

from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def tel_href(phone: str) -> str:
    """``020 7946 0101`` -> ``tel:+442079460101``; ``+44 (0)20 ...`` drops the ``(0)``;
    other numbers keep their digits (and a leading +)."""
    digits = re.sub(r"[^\d+]", "", (phone or "").replace("(0)", ""))
    if digits.startswith("0") and not digits.startswith("00"):
        digits = "+44" + digits[1:]
    return f"tel:{digits}"


@register.simple_tag
def phone_link(phone: str, testid: str = "") -> str:
    """A tel: link for a phone number, or nothing for an empty one."""
    if not phone:
        return ""
    if testid:
        return format_html(
            '<a class="govuk-link" href="{}" data-testid="{}">{}</a>',
            tel_href(phone),
            testid,
            phone,
        )
    return format_html('<a class="govuk-link" href="{}">{}</a>', tel_href(phone), phone)


@register.simple_tag
def email_link(email: str) -> str:
    """A mailto: link for an email address, or nothing for an empty one."""
    if not email:
        return ""
    return format_html('<a class="govuk-link" href="mailto:{}">{}</a>', email, email)
