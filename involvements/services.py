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
from notifications.services import follow_set, followers_notify, may_follow, notifications_remove
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
    """Consent withdrawn: the involvement disappears from every view at once, and so do
    the notifications that told its followers about it."""
    if not involvement.is_sensitive or involvement.withdrawn_at is not None:
        raise InvolvementError("Only a current sensitive involvement can have consent withdrawn")
    Involvement.objects.filter(pk=involvement.pk).update(withdrawn_at=timezone.now())
    notifications_remove(about=involvement.public_id)
    audit_event_record(
        action=Action.CONSENT_WITHDRAW,
        request=request,
        actor=actor,
        reason=note,
        object_type="child",
        object_id=str(involvement.child.public_id),
        details={"involvement": str(involvement.public_id)},
    )


def practitioner_for(user: User) -> Practitioner:
    """The user's practitioner profile, made from their account the first time."""
    practitioner = Practitioner.objects.filter(user=user).first()
    if practitioner is None:
        practitioner = Practitioner.objects.create(
            user=user,
            organisation=user.organisation,
            name=user.get_full_name() or user.get_username(),
            job_title=user.job_title or "Practitioner",
            email=user.email,
            phone=user.phone,
        )
    return practitioner


def _describe_for_followers(involvement: Involvement, verb: str) -> str:
    """Words for any follower who may be told who is involved: a sensitive service is
    never named (notifications outlive the reader's role and the young person's consent)."""
    child = involvement.child.full_name
    if involvement.is_sensitive:
        return f"A restricted service {verb} {child}. The index team can put you in touch."
    who = involvement.practitioner.name if involvement.practitioner else involvement.service.name
    return f"{who} ({involvement.role}, {involvement.service.name}) {verb} {child}."


def involvement_followers_notify(
    *, involvement: Involvement, verb: str, actor: User | None
) -> None:
    """Tell the child's followers that someone "started working with" or "stopped working
    with" the child, from the page, the API or an import alike. Each follower is told
    only what their own record view shows (notifications.services.followers_notify):
    outside the index team, a shielded child's followers hear only that something changed.
    """
    followers_notify(
        child=involvement.child,
        message=_describe_for_followers(involvement, verb),
        actor=actor,
        about=involvement.public_id,
    )


@transaction.atomic
def involvement_join(
    *,
    request: HttpRequest | None,
    user: User,
    child: Child,
    service: Service,
    role: str,
    start_date: datetime.date,
    phone: str,
    email: str,
    follow: bool = True,
) -> Involvement:
    """ "I am now working with this child": record the user's own involvement and tell
    the child's followers (the lead professional among them). ``follow`` is ignored for a
    child the user may not follow (a shielded child, outside the index team)."""
    practitioner = practitioner_for(user)
    if service.is_sensitive:
        raise InvolvementError(
            "Sensitive-service involvements need a recorded basis: ask the index team"
        )
    if service.organisation_id != user.organisation_id:
        raise InvolvementError("Choose a service of your own organisation")
    if (
        Involvement.objects.current()
        .filter(child=child, practitioner=practitioner, service=service)
        .exists()
    ):
        raise InvolvementError(
            "You are already recorded as working with this child in that service"
        )
    practitioner.phone, practitioner.email = (
        phone or practitioner.phone,
        email or practitioner.email,
    )
    practitioner.save(update_fields=["phone", "email"])
    involvement = involvement_record(
        request=request,
        actor=user,
        child=child,
        service=service,
        role=role,
        start_date=start_date,
        practitioner=practitioner,
    )
    involvement_followers_notify(involvement=involvement, verb="started working with", actor=user)
    if follow and may_follow(user=user, child=child):
        follow_set(user=user, child=child, following=True)
    return involvement


@transaction.atomic
def involvement_end(
    *, request: HttpRequest | None, user: User, involvement: Involvement, end_date: datetime.date
) -> None:
    """End the user's own involvement on a date, and tell the child's followers."""
    if end_date < involvement.start_date:
        raise InvolvementError("The end date must be on or after the start date")
    if end_date > datetime.date.today():
        raise InvolvementError("The end date must be today or in the past")
    now = timezone.now()
    Involvement.objects.filter(pk=involvement.pk).update(end_date=end_date, updated_at=now)
    involvement.end_date, involvement.updated_at = end_date, now
    audit_event_record(
        action=Action.INVOLVEMENT_END,
        request=request,
        actor=user,
        object_type="child",
        object_id=str(involvement.child.public_id),
        details={"involvement": str(involvement.public_id), "end_date": end_date.isoformat()},
    )
    involvement_followers_notify(involvement=involvement, verb="stopped working with", actor=user)


@transaction.atomic
def involvement_contacts_update(
    *, request: HttpRequest | None, user: User, involvement: Involvement, phone: str, email: str
) -> None:
    practitioner = involvement.practitioner
    practitioner.phone, practitioner.email = phone, email
    practitioner.save(update_fields=["phone", "email"])
    # The record page shows the practitioner's contacts on each of their involvements.
    Involvement.objects.filter(practitioner=practitioner).update(updated_at=timezone.now())
    audit_event_record(
        action=Action.INVOLVEMENT_UPDATE,
        request=request,
        actor=user,
        object_type="child",
        object_id=str(involvement.child.public_id),
        details={"involvement": str(involvement.public_id)},
    )
