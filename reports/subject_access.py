"""Subject access: everything the index holds on one child, and every access to the record.

The export finds every model that refers to a child by introspection, so a new
model linked to a child is included without anyone remembering to add it
(tests/reports/test_subject_access.py fails if one is ever left out).
"""

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models
from django.db.models import Q

from audit.models import AuditEvent
from records.models import Child

# Columns that are machinery rather than information about the child.
SKIP_FIELDS = {"given_norm", "family_norm", "given_key", "family_key"}


@dataclass
class Section:
    title: str
    columns: list[str]
    rows: list[list[str]]


def child_linked_models() -> list[tuple[type[models.Model], str]]:
    """Every (model, field name) whose foreign key points at a child."""
    found = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if field.many_to_one and field.concrete and field.related_model is Child:
                found.append((model, field.name))
    return sorted(found, key=lambda pair: (pair[0]._meta.label, pair[1]))


def _value(obj: models.Model, field: models.Field) -> str:
    value = getattr(obj, field.attname if field.many_to_one else field.name)
    if field.many_to_one and value is not None:
        related = getattr(obj, field.name)
        # Children by reference; people and services by name, as a reader needs them.
        return str(related.public_id) if isinstance(related, Child) else str(related)
    return "" if value is None else str(value)


def _section(model: type[models.Model], field_name: str, child: Child) -> Section:
    fields = [
        f for f in model._meta.concrete_fields if f.name not in SKIP_FIELDS and f.name != "id"
    ]
    rows = [
        [_value(obj, f) for f in fields]
        for obj in model.objects.filter(**{field_name: child}).order_by("pk")
    ]
    title = f"{model._meta.verbose_name_plural.capitalize()} ({model._meta.app_label})"
    if field_name != "child":
        title += f": as {field_name.replace('_', ' ')}"
    return Section(title=title, columns=[str(f.verbose_name) for f in fields], rows=rows)


def subject_access_report(child: Child) -> dict[str, Any]:
    identity = Section(
        title="Identity",
        columns=["reference", "given name", "family name", "date of birth", "gender", "shielded"],
        rows=[
            [
                str(child.public_id),
                child.given_name,
                child.family_name,
                child.date_of_birth.isoformat(),
                child.get_gender_display(),
                "yes" if child.is_shielded else "no",
            ]
        ],
    )
    held = [_section(model, name, child) for model, name in child_linked_models()]
    reference = str(child.public_id)
    accesses = AuditEvent.objects.filter(
        Q(object_id=reference) | Q(details__contains={"returned": [reference]})
    ).order_by("occurred_at", "id")
    access = Section(
        title="Every access to this record",
        columns=["when", "who", "organisation", "what", "reason"],
        rows=[
            [
                event.occurred_at.isoformat(timespec="seconds"),
                event.actor_username,
                event.actor_organisation,
                event.action_label,
                event.reason,
            ]
            for event in accesses
        ],
    )
    return {"child": child, "sections": [identity, *held, access]}
