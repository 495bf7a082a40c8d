"""Opening, taking and closing mediated lookups; every step audited.

While a lookup is open in the index officer's session, every audit event they
cause (searches, record views) names the lookup and the caller, so an auditor
can see exactly what was searched and viewed on the caller's behalf.
"""

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from audit.models import Action
from audit.services import ACTING_FOR_SESSION_KEY, audit_event_record
from involvements.models import Involvement
from involvements.selectors import (
    current_involvements_visible,
    recently_ended_involvements_visible,
)
from lookups.models import Disclosure, IdentityCheck, MediatedLookup, Outcome, Status
from records.access import caller_access
from records.models import Child


class LookupRefused(Exception):
    """The lookup cannot go ahead as asked; the message is for the index officer."""


def _act_for(request: HttpRequest, lookup: MediatedLookup) -> None:
    request.session[ACTING_FOR_SESSION_KEY] = {
        "lookup": str(lookup.public_id),
        "caller": lookup.caller_name,
        "caller_organisation": lookup.caller_organisation,
    }


def acting_for(request: HttpRequest) -> dict | None:
    return request.session.get(ACTING_FOR_SESSION_KEY)


def _audit(action: str, request: HttpRequest | None, lookup: MediatedLookup, **details) -> None:
    audit_event_record(
        action=action,
        request=request,
        object_type="lookup",
        object_id=str(lookup.public_id),
        details={"caller": lookup.caller_name, "purpose": lookup.purpose, **details},
    )


@transaction.atomic
def lookup_open(*, request: HttpRequest, actor: User, **fields: object) -> MediatedLookup:
    """Record the call before searching: who asked, how checked, why, consent, urgency."""
    lookup = MediatedLookup.objects.create(status=Status.OPEN, created_by=actor, **fields)
    _audit(Action.LOOKUP_OPEN, request, lookup, consent=lookup.consent)
    _act_for(request, lookup)
    return lookup


@transaction.atomic
def lookup_request(
    *,
    request: HttpRequest,
    requester: User,
    purpose: str,
    child_description: str,
    consent: str,
    consent_detail: str,
    urgency: str,
) -> MediatedLookup:
    """A signed-in practitioner without search rights for the child asks the index team."""
    organisation = requester.organisation.name if requester.organisation else ""
    lookup = MediatedLookup.objects.create(
        status=Status.REQUESTED,
        requested_by=requester,
        caller_name=requester.get_full_name() or requester.get_username(),
        caller_role=requester.job_title or "Practitioner",
        caller_organisation=organisation,
        caller_phone=requester.phone,
        caller_email=requester.email,
        identity_check=IdentityCheck.SIGNED_IN,
        purpose=purpose,
        child_description=child_description,
        consent=consent,
        consent_detail=consent_detail,
        urgency=urgency,
    )
    _audit(Action.LOOKUP_REQUEST, request, lookup)
    return lookup


@transaction.atomic
def lookup_take(*, request: HttpRequest, actor: User, lookup: MediatedLookup) -> None:
    """An index officer picks up an online request (or resumes an open lookup)."""
    if lookup.status == Status.CLOSED:
        raise LookupRefused("This lookup is closed.")
    if lookup.status == Status.REQUESTED:
        MediatedLookup.objects.filter(pk=lookup.pk).update(status=Status.OPEN, created_by=actor)
        lookup.status, lookup.created_by = Status.OPEN, actor
        _audit(Action.LOOKUP_OPEN, request, lookup, taken_from_request=True)
    _act_for(request, lookup)


def disclosable(child: Child) -> list[Involvement]:
    """What the caller may be told: as an ordinary practitioner would see it (no shielded
    location, no sensitive service): current involvements, then recently ended ones (a
    previous school, past social work), as the record page shows them."""
    access = caller_access(child)
    return current_involvements_visible(access) + recently_ended_involvements_visible(access)


@transaction.atomic
def lookup_close(
    *,
    request: HttpRequest,
    actor: User,
    lookup: MediatedLookup,
    outcome: str,
    note: str,
    child: Child | None,
    disclosed: list[Involvement],
) -> None:
    """Record the outcome. Disclosures are chosen from the record, and only what the
    caller may be told can be chosen; an outcome is required before closing."""
    if lookup.status == Status.CLOSED:
        raise LookupRefused("This lookup is already closed.")
    if outcome not in Outcome.values:
        raise LookupRefused("Choose the outcome of the lookup")
    if outcome == Outcome.DISCLOSED:
        if child is None or not disclosed:
            raise LookupRefused("Choose the contacts you disclosed to the caller")
        allowed = {involvement.pk for involvement in disclosable(child)}
        if any(involvement.pk not in allowed for involvement in disclosed):
            raise LookupRefused(
                "You cannot disclose that: the caller may not be told about a shielded "
                "child's location or a sensitive service. Broker contact instead."
            )
    elif not note.strip():
        raise LookupRefused(
            "Say why nothing was disclosed, whom you referred to, or whom you contacted"
        )
    for involvement in disclosed if outcome == Outcome.DISCLOSED else []:
        Disclosure.objects.create(
            lookup=lookup,
            involvement=involvement,
            service_name=involvement.service.name,
            practitioner_name=involvement.practitioner.name if involvement.practitioner else "",
            role=involvement.role,
            phone=involvement.contact_phone,
            email=involvement.contact_email,
        )
    now = timezone.now()
    MediatedLookup.objects.filter(pk=lookup.pk).update(
        status=Status.CLOSED,
        outcome=outcome,
        outcome_note=note.strip(),
        child=child,
        closed_at=now,
        closed_by=actor,
    )
    lookup.refresh_from_db()
    _audit(
        Action.LOOKUP_CLOSE,
        request,
        lookup,
        outcome=outcome,
        child=str(child.public_id) if child else "",
        disclosed=[str(involvement.public_id) for involvement in disclosed],
    )
    current = acting_for(request)
    if current and current.get("lookup") == str(lookup.public_id):
        del request.session[ACTING_FOR_SESSION_KEY]


def lookup_leave(*, request: HttpRequest) -> None:
    """Stop acting for the caller (the lookup stays open in the queue)."""
    request.session.pop(ACTING_FOR_SESSION_KEY, None)
