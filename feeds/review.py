"""Deciding possible matches: link to the candidate, create a new child, or mark them
as not the same child (remembered, so the matcher never proposes the pair again)."""

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from audit.models import Action
from audit.services import audit_event_record
from feeds.importing import _create_child, _identifiers, involvement_upsert, parse
from feeds.models import NotSamePair, ReviewItem, ReviewStatus, SourceRecord


class ReviewRefused(Exception):
    pass


@transaction.atomic
def review_decide(
    *, request: HttpRequest | None, actor: User, item: ReviewItem, decision: str
) -> None:
    """``decision`` is "link", "create" or "not_same" (which also creates a new child)."""
    item = ReviewItem.objects.select_for_update().get(pk=item.pk)
    if item.status != ReviewStatus.OPEN:
        raise ReviewRefused("This possible match has already been decided")
    parsed = parse(item.incoming)
    if decision == "link":
        if item.candidate is None:
            raise ReviewRefused("There is no candidate to link to")
        child, status = item.candidate, ReviewStatus.LINKED
    elif decision in ("create", "not_same"):
        if decision == "not_same" and item.candidate is not None:
            NotSamePair.objects.get_or_create(
                source=item.source, source_id=item.source_id, child=item.candidate
            )
        child = _create_child(parsed, item.source)
        status = ReviewStatus.NOT_SAME if decision == "not_same" else ReviewStatus.CREATED
    else:
        raise ReviewRefused("Choose link, create or not the same child")
    SourceRecord.objects.get_or_create(
        source=item.source, source_id=item.source_id, defaults={"child": child}
    )
    _identifiers(child, parsed, item.source)
    for row in item.rows:
        involvement_upsert(child, row, item.source, item.source_id, actor=actor)
    ReviewItem.objects.filter(pk=item.pk).update(
        status=status, decided_by=actor, decided_at=timezone.now()
    )
    audit_event_record(
        action=Action.REVIEW_DECISION,
        request=request,
        actor=actor,
        object_type="child",
        object_id=str(child.public_id),
        details={
            "review": str(item.public_id),
            "decision": decision,
            "candidate": str(item.candidate.public_id) if item.candidate else "",
            "source": item.source,
        },
    )
