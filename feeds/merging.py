"""Merging a duplicate child into the one kept, and undoing a wrong merge.

Every involvement, name, address, carer, identifier and source link of the
duplicate moves to the kept child; the duplicate is hidden (``merged_into``) but
kept, with a record of exactly what moved, so an unmerge puts everything back.
The audit trail keeps both children's references.
"""

from django.db import transaction
from django.db.models import Model
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from audit.models import Action
from audit.services import audit_event_record
from feeds.models import ChildMerge, SourceRecord
from involvements.models import Involvement
from records.models import (
    Address,
    AddressStatus,
    Carer,
    Child,
    ChildIdentifier,
    ChildName,
    NameKind,
)

MOVABLE: list[type[Model]] = [Involvement, ChildName, Address, Carer, ChildIdentifier, SourceRecord]


class MergeRefused(Exception):
    pass


def _label(model: type[Model]) -> str:
    return model._meta.label_lower


@transaction.atomic
def child_merge(
    *, request: HttpRequest | None, actor: User, kept: Child, duplicate: Child, reason: str
) -> ChildMerge:
    if kept.pk == duplicate.pk:
        raise MergeRefused("Choose two different children")
    if kept.merged_into_id or duplicate.merged_into_id:
        raise MergeRefused("One of these records has already been merged")
    if not reason.strip():
        raise MergeRefused("Give the reason for the merge")
    _check_reason(reason)
    moved: dict[str, list[int]] = {}
    for model in MOVABLE:
        moved[_label(model)] = list(
            model.objects.filter(child=duplicate).values_list("pk", flat=True)
        )
    # The duplicate's current name becomes an alias, its live address a previous one,
    # so the kept child keeps one current name and at most one current address.
    ChildName.objects.filter(child=duplicate, kind=NameKind.CURRENT).update(kind=NameKind.ALIAS)
    if Address.objects.filter(
        child=kept, status__in=[AddressStatus.CURRENT, AddressStatus.LAST_KNOWN]
    ).exists():
        moved["demoted_addresses"] = list(
            Address.objects.filter(
                child=duplicate, status__in=[AddressStatus.CURRENT, AddressStatus.LAST_KNOWN]
            ).values_list("pk", flat=True)
        )
        Address.objects.filter(pk__in=moved["demoted_addresses"]).update(
            status=AddressStatus.PREVIOUS
        )
    for model in MOVABLE:
        model.objects.filter(pk__in=moved[_label(model)]).update(child=kept)
    if duplicate.is_shielded and not kept.is_shielded:
        # Never let a merge unshield a child.
        Child.objects.filter(pk=kept.pk).update(
            is_shielded=True, shield_review_due=duplicate.shield_review_due
        )
        moved["shield_copied"] = [1]
    Child.objects.filter(pk=duplicate.pk).update(merged_into=kept)
    merge = ChildMerge.objects.create(
        kept=kept, merged=duplicate, moved=moved, reason=reason, merged_by=actor
    )
    audit_event_record(
        action=Action.CHILD_MERGE,
        request=request,
        actor=actor,
        reason=reason,
        object_type="child",
        object_id=str(kept.public_id),
        details={
            "merged": str(duplicate.public_id),
            "moved": {k: len(v) for k, v in moved.items()},
        },
    )
    return merge


def _check_reason(reason: str) -> None:
    """Reasons come straight from the page (no form field): refuse what PostgreSQL cannot hold."""
    if "\x00" in reason:
        raise MergeRefused("The reason cannot contain a NUL character")
    if len(reason) > 2000:
        raise MergeRefused("The reason must be 2,000 characters or fewer")


@transaction.atomic
def child_unmerge(
    *, request: HttpRequest | None, actor: User, merge: ChildMerge, reason: str
) -> None:
    _check_reason(reason)
    merge = ChildMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.undone_at is not None:
        raise MergeRefused("This merge has already been undone")
    duplicate = merge.merged
    for model in MOVABLE:
        model.objects.filter(pk__in=merge.moved.get(_label(model), [])).update(child=duplicate)
    alias_ids = merge.moved.get(_label(ChildName), [])
    ChildName.objects.filter(
        pk__in=alias_ids,
        kind=NameKind.ALIAS,
        given_name=duplicate.given_name,
        family_name=duplicate.family_name,
    ).update(kind=NameKind.CURRENT)
    demoted = merge.moved.get("demoted_addresses", [])
    if demoted:
        Address.objects.filter(pk__in=demoted[:1]).update(status=AddressStatus.CURRENT)
    Child.objects.filter(pk=duplicate.pk).update(merged_into=None)
    ChildMerge.objects.filter(pk=merge.pk).update(undone_at=timezone.now(), undone_by=actor)
    audit_event_record(
        action=Action.CHILD_UNMERGE,
        request=request,
        actor=actor,
        reason=reason,
        object_type="child",
        object_id=str(merge.kept.public_id),
        details={"restored": str(duplicate.public_id)},
    )
