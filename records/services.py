"""Writes about children, each with its audit event in the same transaction."""

import datetime
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.http import HttpRequest

from accounts.models import User
from accounts.roles import Role
from audit.models import Action
from audit.services import audit_event_record
from records.models import (
    Address,
    AddressStatus,
    Carer,
    Child,
    ChildName,
    NameKind,
    ShieldDecision,
)
from records.names import normalise_postcode, postcode_district
from records.search import SearchCriteria, SearchOutcome, search_children

RECORD_ACCESS_KEY = "record_access"


@dataclass(frozen=True)
class NameInput:
    given_name: str
    family_name: str
    used_until: datetime.date | None = None


@dataclass(frozen=True)
class AddressInput:
    line_1: str
    postcode: str
    line_2: str = ""
    town: str = ""
    status: str = AddressStatus.CURRENT
    moved_in: datetime.date | None = None
    moved_out: datetime.date | None = None


@dataclass(frozen=True)
class CarerInput:
    name: str
    relationship: str
    phone: str = ""
    email: str = ""
    has_parental_responsibility: bool = True


@transaction.atomic
def child_create(
    *,
    given_name: str,
    family_name: str,
    date_of_birth: datetime.date,
    gender: str,
    former_names: list[NameInput] | None = None,
    addresses: list[AddressInput] | None = None,
    carers: list[CarerInput] | None = None,
    is_shielded: bool = False,
) -> Child:
    """Create a child with their names (current and former), addresses and carers.

    The caller writes the audit event for the action that created the child
    (a feed import, a data-quality fix); demo seeding writes none.
    """
    child = Child.objects.create(
        given_name=given_name,
        family_name=family_name,
        date_of_birth=date_of_birth,
        gender=gender,
        is_shielded=is_shielded,
    )
    names = [
        ChildName(
            child=child, kind=NameKind.CURRENT, given_name=given_name, family_name=family_name
        )
    ]
    for former in former_names or []:
        names.append(
            ChildName(
                child=child,
                kind=NameKind.FORMER,
                given_name=former.given_name,
                family_name=former.family_name,
                used_until=former.used_until,
            )
        )
    for name in names:
        name.set_search_forms()
    ChildName.objects.bulk_create(names)
    for address in addresses or []:
        postcode = normalise_postcode(address.postcode)
        Address.objects.create(
            child=child,
            status=address.status,
            line_1=address.line_1,
            line_2=address.line_2,
            town=address.town,
            postcode=postcode,
            postcode_district=postcode_district(postcode),
            moved_in=address.moved_in,
            moved_out=address.moved_out,
        )
    Carer.objects.bulk_create(
        Carer(
            child=child,
            name=carer.name,
            relationship=carer.relationship,
            phone=carer.phone,
            email=carer.email,
            has_parental_responsibility=carer.has_parental_responsibility,
        )
        for carer in carers or []
    )
    return child


@transaction.atomic
def child_search(
    *, request: HttpRequest, criteria: SearchCriteria, for_audit: bool = False
) -> SearchOutcome:
    """Run a search and record who searched, for what, and which children it returned."""
    outcome = search_children(
        user=request.user,
        criteria=criteria,
        cap=settings.SEARCH_RESULT_CAP,
        for_audit=for_audit,
    )
    audit_event_record(
        action=Action.SEARCH,
        request=request,
        reason="to review access (audit)" if for_audit else "",
        details={
            "criteria": criteria.for_audit(),
            "returned": [str(match.child.public_id) for match in outcome.matches],
            "more_than_cap": outcome.more_than_cap,
        },
    )
    return outcome


def record_access_grant(*, request: HttpRequest, child: Child, reason: str) -> None:
    """Remember, for a short while in this session only, why the user is opening this record."""
    grants = request.session.get(RECORD_ACCESS_KEY, {})
    grants[str(child.public_id)] = {"reason": reason, "at": time.time()}
    request.session[RECORD_ACCESS_KEY] = grants


def record_access_reason(*, request: HttpRequest, child: Child) -> str | None:
    """The reason given for this record in this session, if it is still fresh."""
    grant = request.session.get(RECORD_ACCESS_KEY, {}).get(str(child.public_id))
    if not grant or time.time() - grant["at"] > settings.RECORD_ACCESS_SECONDS:
        return None
    return grant["reason"]


def record_view_audit(*, request: HttpRequest, user: User, child: Child, reason: str) -> None:
    """Write the record-view event; raises (and so fails the page closed) if it cannot."""
    audit_event_record(
        action=Action.RECORD_VIEW,
        request=request,
        actor=user,
        reason=reason,
        object_type="child",
        object_id=str(child.public_id),
    )


BREAK_GLASS_KEY = "break_glass"


@transaction.atomic
def child_shield(
    *,
    request: HttpRequest | None,
    actor: User,
    child: Child,
    reason: str,
    review_due: datetime.date,
) -> None:
    """Shield a child: ordinary users see only names, gender, date of birth and carer's name."""
    Child.objects.filter(pk=child.pk).update(is_shielded=True, shield_review_due=review_due)
    child.is_shielded, child.shield_review_due = True, review_due
    ShieldDecision.objects.create(
        child=child, shielded=True, reason=reason, review_due=review_due, decided_by=actor
    )
    audit_event_record(
        action=Action.SHIELD,
        request=request,
        actor=actor,
        reason=reason,
        object_type="child",
        object_id=str(child.public_id),
        details={"review_due": review_due.isoformat()},
    )


@transaction.atomic
def child_unshield(*, request: HttpRequest | None, actor: User, child: Child, reason: str) -> None:
    Child.objects.filter(pk=child.pk).update(is_shielded=False, shield_review_due=None)
    child.is_shielded, child.shield_review_due = False, None
    ShieldDecision.objects.create(child=child, shielded=False, reason=reason, decided_by=actor)
    audit_event_record(
        action=Action.UNSHIELD,
        request=request,
        actor=actor,
        reason=reason,
        object_type="child",
        object_id=str(child.public_id),
    )


@transaction.atomic
def break_glass_grant(*, request: HttpRequest, child: Child, reason: str) -> None:
    """Open a shielded record once, for a child-protection override holder.

    Writes the break-glass event, tells the index team at once (by email, with no
    detail of the child beyond what the index team can look up by reference), and
    allows exactly one full view in this session.
    """
    audit_event_record(
        action=Action.BREAK_GLASS,
        request=request,
        reason=reason,
        object_type="child",
        object_id=str(child.public_id),
    )
    grants = request.session.get(BREAK_GLASS_KEY, {})
    grants[str(child.public_id)] = {"reason": reason, "at": time.time()}
    request.session[BREAK_GLASS_KEY] = grants
    request.session[RECORD_ACCESS_KEY] = {
        **request.session.get(RECORD_ACCESS_KEY, {}),
        str(child.public_id): {"reason": f"Break glass: {reason}", "at": time.time()},
    }
    recipients = list(
        User.objects.filter(groups__name=Role.INDEX_TEAM.value, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    user = request.user
    organisation = user.organisation.name if user.organisation else "no organisation"
    reference = str(child.public_id)
    if recipients:
        transaction.on_commit(
            lambda: send_mail(
                subject="Child Index: the glass was broken on a shielded record",
                message=(
                    f"{user.get_full_name()} ({user.username}, {organisation}) broke the "
                    f"glass on the shielded record {reference}.\n\nReason given: {reason}\n\n"
                    f"Review it under Audit, 'Who has accessed this child'."
                ),
                from_email=None,
                recipient_list=recipients,
            )
        )


def break_glass_consume(*, request: HttpRequest, child: Child) -> bool:
    """True once after break_glass_grant: the grant is spent by the view it opens."""
    grants = request.session.get(BREAK_GLASS_KEY, {})
    grant = grants.pop(str(child.public_id), None)
    if grant is None:
        return False
    request.session[BREAK_GLASS_KEY] = grants
    records = request.session.get(RECORD_ACCESS_KEY, {})
    records.pop(str(child.public_id), None)
    request.session[RECORD_ACCESS_KEY] = records
    return time.time() - grant["at"] <= settings.RECORD_ACCESS_SECONDS
