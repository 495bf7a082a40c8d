"""Hypothesis strategies for hostile form input: arbitrary, unicode, huge, empty, NUL bytes."""

from django import forms
from hypothesis import strategies as st

AWKWARD = [
    "",
    " ",
    "\x00",
    "Amelia\x00",
    "0",
    "-1",
    "999999999999999999999999",
    "1e400",
    "NaN",
    "2026-02-30",
    "0000-00-00",
    "\ufdfd",
    "\U0001d7d8",
    "\u0661\u0662\u0663",
    "\u202eevil",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "=cmd|' /C calc'!A0",
    "SE6 4RU",
    "00000000-0000-0000-0000-000000000000",
]

junk = st.one_of(
    st.text(max_size=40),
    st.sampled_from(AWKWARD),
    st.integers().map(str),
    st.integers(min_value=10**15, max_value=10**60).map(str),
    st.dates().map(str),
    st.builds(lambda text, times: text * times, st.text(min_size=1, max_size=3), st.just(20_000)),
)


def field_keys(name: str, field: forms.Field) -> list[str]:
    """The POST keys a field reads: one, or one per part of a multi-part widget."""
    if isinstance(field.widget, forms.MultiWidget):
        return [f"{name}_{index}" for index in range(len(field.widget.widgets))]
    return [name]


def value_for(field: forms.Field) -> st.SearchStrategy:
    """Junk, or for a field with choices sometimes a real choice, or a plausible number."""
    options = [junk]
    choices = [str(value) for value, _ in getattr(field, "choices", []) or [] if value != ""]
    if choices:
        options.append(st.sampled_from(choices))
    if isinstance(field, forms.IntegerField):
        options.append(st.integers(min_value=-100, max_value=3000).map(str))
    return st.one_of(options)


@st.composite
def post_data(draw: st.DrawFn, form: forms.Form) -> dict[str, list[str]]:
    """Arbitrary POST data for every field of ``form`` (some fields left out entirely)."""
    data: dict[str, list[str]] = {}
    for name, field in form.fields.items():
        if isinstance(field, forms.FileField):
            continue
        for key in field_keys(form.add_prefix(name), field):
            if draw(st.booleans()) or draw(st.booleans()):
                count = 3 if isinstance(field, forms.MultipleChoiceField) else 1
                data[key] = draw(st.lists(value_for(field), min_size=1, max_size=count))
    return data
