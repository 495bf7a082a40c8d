"""Parts of the record page contributed by other apps.

The record page belongs to ``records``, but what it shows about involvements
or CAF belongs to those apps. They register a section here (in their
``AppConfig.ready``) so that records depends on none of them. Each section
builds its context from the visibility decision it is given; it never decides
visibility itself.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from accounts.models import User
from records.access import ChildAccess

SectionContext = Callable[[User, ChildAccess], dict[str, Any]]


@dataclass(frozen=True)
class RecordSection:
    order: int
    template: str
    context: SectionContext


_SECTIONS: dict[str, RecordSection] = {}


def register_section(*, order: int, template: str, context: SectionContext) -> None:
    """Add a section to the record page; registering the same template again replaces it."""
    _SECTIONS[template] = RecordSection(order=order, template=template, context=context)


def sections_for(user: User, access: ChildAccess) -> list[tuple[str, dict[str, Any]]]:
    ordered = sorted(_SECTIONS.values(), key=lambda section: section.order)
    return [(section.template, section.context(user, access)) for section in ordered]
