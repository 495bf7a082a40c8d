"""Recording CAF status and assigning the lead professional; audited, and followers told
(each only what their own record view shows: notifications.services.followers_notify)."""

import datetime

from django.db import transaction
from django.db.models import Max
from django.http import HttpRequest

from accounts.models import User
from audit.models import Action
from audit.services import audit_event_record
from caf.models import CafStatus, CafVersion, LeadBasis, LeadProfessional
from involvements.models import Involvement
from notifications.services import follow_set, followers_notify, may_follow
from records.models import Child


class CoordinationError(Exception):
    """The change cannot be made as asked; the message is for the user."""


def caf_current(child: Child) -> CafVersion | None:
    return (
        CafVersion.objects.filter(child=child)
        .select_related("holder_service", "holder_practitioner")
        .first()
    )


def lead_current(child: Child) -> LeadProfessional | None:
    return (
        LeadProfessional.objects.filter(child=child, ended_on__isnull=True)
        .select_related("involvement__service", "involvement__practitioner")
        .first()
    )


@transaction.atomic
def caf_record(
    *,
    request: HttpRequest | None,
    actor: User,
    child: Child,
    holder: Involvement,
    status: str,
    started_on: datetime.date,
    completed_on: datetime.date | None = None,
    review_due: datetime.date | None = None,
) -> CafVersion:
    """Add the next version of the child's CAF indicator (nothing is edited in place)."""
    if holder.child_id != child.pk or holder.is_sensitive:
        raise CoordinationError("The CAF holder must be one of the child's current involvements")
    if status == CafStatus.COMPLETED and completed_on is None:
        raise CoordinationError("Give the date the CAF was completed")
    if completed_on is not None and completed_on < started_on:
        raise CoordinationError("The completion date must be on or after the start date")
    # Lock the child's row so two people recording at once get versions n and n+1.
    Child.objects.select_for_update().filter(pk=child.pk).first()
    latest = CafVersion.objects.filter(child=child).aggregate(v=Max("version"))["v"] or 0
    previous = caf_current(child)
    version = CafVersion.objects.create(
        child=child,
        version=latest + 1,
        status=status,
        started_on=started_on,
        completed_on=completed_on,
        review_due=review_due,
        holder_service=holder.service,
        holder_practitioner=holder.practitioner,
        recorded_by=actor,
    )
    audit_event_record(
        action=Action.CAF_RECORD,
        request=request,
        actor=actor,
        object_type="child",
        object_id=str(child.public_id),
        details={"version": version.version, "status": status},
    )
    if previous is None or previous.status != status:
        followers_notify(
            child=child,
            message=f"The CAF for {child.full_name} is now {version.get_status_display().lower()}.",
            actor=actor,
        )
    return version


@transaction.atomic
def lead_professional_assign(
    *,
    request: HttpRequest | None,
    actor: User,
    child: Child,
    involvement: Involvement,
    basis: str,
    basis_note: str = "",
    assigned_on: datetime.date | None = None,
) -> LeadProfessional:
    """Make one of the child's current involvements the lead professional; the previous
    lead becomes history. The new lead follows the child, unless their record view of it
    is the minimal one (a shielded child): then the index team keeps them informed."""
    today = datetime.date.today()
    current_ids = set(
        Involvement.objects.current(today).filter(child=child).values_list("pk", flat=True)
    )
    if involvement.pk not in current_ids or involvement.is_sensitive:
        raise CoordinationError(
            "The lead professional must be one of the child's current involvements"
        )
    if basis not in LeadBasis.values:
        raise CoordinationError("Choose the basis for the choice of lead professional")
    if basis == LeadBasis.OTHER and not basis_note.strip():
        raise CoordinationError("Say why this practitioner is the lead professional")
    LeadProfessional.objects.filter(child=child, ended_on__isnull=True).update(ended_on=today)
    lead = LeadProfessional.objects.create(
        child=child,
        involvement=involvement,
        basis=basis,
        basis_note=basis_note.strip(),
        assigned_on=assigned_on or today,
        assigned_by=actor,
    )
    audit_event_record(
        action=Action.LEAD_ASSIGN,
        request=request,
        actor=actor,
        object_type="child",
        object_id=str(child.public_id),
        details={"involvement": str(involvement.public_id), "basis": basis},
    )
    who = involvement.practitioner.name if involvement.practitioner else involvement.service.name
    followers_notify(
        child=child,
        message=(
            f"{who} ({involvement.service.name}) is now the lead professional "
            f"for {child.full_name}."
        ),
        actor=actor,
    )
    lead_user = involvement.practitioner.user if involvement.practitioner else None
    if lead_user is not None and may_follow(user=lead_user, child=child):
        follow_set(user=lead_user, child=child, following=True)
    return lead
