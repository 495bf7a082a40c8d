"""Recording involvements, and withdrawing consent to a sensitive one. Each audited."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from audit.models import Action
from audit.services import audit_event_record
from involvements.models import Involvement, Practitioner, SensitiveBasis, Service
from records.models import Child


class InvolvementError(Exception):
    """The involvement cannot be recorded as asked; the message is for the user."""


@transaction.atomic
def involvement_record(
    *,
    request: HttpRequest | None,
    actor: User | None,
    child: Child,
    service: Service,
    role: str,
    start_date: datetime.date,
    practitioner: Practitioner | None = None,
    basis: str = "",
    basis_by: str = "",
    basis_date: datetime.date | None = None,
    basis_note: str = "",
) -> Involvement:
    """Record that a service (and practitioner) works with a child.

    A sexual-health, mental-health or substance-misuse involvement needs its basis:
    the young person's informed consent, or reasonable cause to suspect significant
    harm, with who gave or decided it and when. The database refuses one without.
    """
    if service.is_sensitive:
        if basis not in SensitiveBasis.values:
            raise InvolvementError(
                "Record whether the young person consented or there is reasonable cause "
                "to suspect significant harm"
            )
        if not basis_by.strip() or basis_date is None:
            raise InvolvementError("Record who gave consent or made the decision, and when")
    else:
        basis, basis_by, basis_date, basis_note = "", "", None, ""
    involvement = Involvement(
        child=child,
        service=service,
        practitioner=practitioner,
        role=role,
        start_date=start_date,
        is_sensitive=service.is_sensitive,
        basis=basis,
        basis_by=basis_by.strip(),
        basis_date=basis_date,
        basis_note=basis_note.strip(),
    )
    try:
        involvement.full_clean(exclude=["child", "service", "practitioner"])
    except ValidationError as exc:
        raise InvolvementError("; ".join(exc.messages)) from exc
    involvement.save()
    audit_event_record(
        action=Action.INVOLVEMENT_RECORD,
        request=request,
        actor=actor,
        object_type="child",
        object_id=str(child.public_id),
        details={"involvement": str(involvement.public_id), "sensitive": involvement.is_sensitive},
    )
    return involvement


@transaction.atomic
def involvement_consent_withdraw(
    *, request: HttpRequest | None, actor: User, involvement: Involvement, note: str
) -> None:
    """Consent withdrawn: the involvement disappears from every view at once."""
    if not involvement.is_sensitive or involvement.withdrawn_at is not None:
        raise InvolvementError("Only a current sensitive involvement can have consent withdrawn")
    Involvement.objects.filter(pk=involvement.pk).update(withdrawn_at=timezone.now())
    audit_event_record(
        action=Action.CONSENT_WITHDRAW,
        request=request,
        actor=actor,
        reason=note,
        object_type="child",
        object_id=str(involvement.child.public_id),
        details={"involvement": str(involvement.public_id)},
    )
