"""Second factors: enrolment with an activation code, backup codes, removal.

A stolen password alone can never enrol a device: enrolment needs a one-time
activation code issued by an administrator, and the new device must prove
itself with a code before it is confirmed.
"""

from django.conf import settings
from django.contrib.auth import update_session_auth_hash
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accounts.lifecycle import status_set, user_sessions_end
from accounts.models import (
    AccountStatus,
    ActivationCode,
    BackupCode,
    BackupCodeDevice,
    User,
    code_hashes,
    hash_code,
)
from audit.models import Action, Outcome
from audit.services import audit_event_record

ENROLMENT_SESSION_KEY = "enrolment_activation_id"


class EnrolmentError(Exception):
    """Enrolment cannot go ahead; the message is for the user."""


def activation_code_check(*, request: HttpRequest, user: User, code: str) -> ActivationCode:
    """Find the user's usable activation code matching ``code`` (not yet spent)."""
    activation = (
        ActivationCode.objects.filter(
            user=user, code_hash__in=code_hashes(code), used_at__isnull=True
        )
        .order_by("-issued_at")
        .first()
    )
    if activation is not None and activation.issued_by_id == user.pk:
        # Separation of duties: a code the user issued to themselves enrols nothing.
        audit_event_record(
            action=Action.DEVICE_ENROL,
            request=request,
            actor=user,
            outcome=Outcome.DENIED,
            reason="separation of duties: activation code issued by the user themselves",
            durable=True,
        )
        raise EnrolmentError(
            "You cannot use an activation code you issued yourself. Ask another administrator "
            "for a new one"
        )
    if activation is None or not activation.usable:
        audit_event_record(
            action=Action.DEVICE_ENROL,
            request=request,
            actor=user,
            outcome=Outcome.FAILURE,
            reason="activation code not valid",
        )
        raise EnrolmentError(
            "The activation code is not valid. Check it, or ask your administrator for a new one"
        )
    request.session[ENROLMENT_SESSION_KEY] = activation.pk
    return activation


def pending_activation(request: HttpRequest, user: User) -> ActivationCode | None:
    activation_id = request.session.get(ENROLMENT_SESSION_KEY)
    if activation_id is None:
        return None
    activation = (
        ActivationCode.objects.filter(pk=activation_id, user=user).exclude(issued_by=user).first()
    )
    return activation if activation is not None and activation.usable else None


def totp_device_pending(user: User) -> TOTPDevice:
    """The unconfirmed authenticator being set up (a fresh secret if there is none)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


@transaction.atomic
def totp_enrolment_confirm(
    *, request: HttpRequest, user: User, device: TOTPDevice, token: str, name: str
) -> list[str]:
    """Confirm the new authenticator with a code from it; spend the activation code.

    Activates an account awaiting enrolment, verifies this session with the new
    device, and returns fresh backup codes (shown once).
    """
    activation = pending_activation(request, user)
    if activation is None:
        raise EnrolmentError(
            "Your activation code has expired. Ask your administrator for a new one"
        )
    if not device.verify_token(token):
        raise EnrolmentError("The code is not valid. Check the time on your phone and try again")
    device.confirmed = True
    device.name = name or "Authenticator app"
    device.save()
    activation.used_at = timezone.now()
    activation.save(update_fields=["used_at"])
    del request.session[ENROLMENT_SESSION_KEY]
    if user.status == AccountStatus.AWAITING_ENROLMENT:
        status_set(user, AccountStatus.ACTIVE, by=user)
    audit_event_record(
        action=Action.DEVICE_ENROL,
        request=request,
        actor=user,
        details={"device": device.persistent_id, "kind": "totp"},
    )
    codes = backup_codes_issue(request=request, user=user)
    # A new device ends the user's other sessions; this one continues, verified with it.
    user_sessions_end(user)
    update_session_auth_hash(request, user)
    otp_login(request, device)
    request.session.cycle_key()
    return codes


@transaction.atomic
def backup_codes_issue(*, request: HttpRequest, user: User) -> list[str]:
    """Replace the user's backup codes with a new set. Only their hashes are kept."""
    device, _ = BackupCodeDevice.objects.get_or_create(
        user=user, defaults={"name": "Backup codes", "confirmed": True}
    )
    device.codes.all().delete()
    codes = [BackupCodeDevice.new_code() for _ in range(settings.BACKUP_CODE_COUNT)]
    BackupCode.objects.bulk_create(BackupCode(device=device, code_hash=hash_code(c)) for c in codes)
    audit_event_record(
        action=Action.BACKUP_CODES_ISSUE, request=request, actor=user, details={"count": len(codes)}
    )
    return codes


@transaction.atomic
def webauthn_enrolment_complete(*, request: HttpRequest, user: User, device_id: int) -> None:
    """A security key or passkey was registered: spend the activation code, as for an app."""
    activation = pending_activation(request, user)
    if activation is None:
        raise EnrolmentError(
            "Your activation code has expired. Ask your administrator for a new one"
        )
    device = WebAuthnCredential.objects.get(pk=device_id, user=user)
    device.name = device.name or "Security key"
    device.save(update_fields=["name"])
    activation.used_at = timezone.now()
    activation.save(update_fields=["used_at"])
    del request.session[ENROLMENT_SESSION_KEY]
    if user.status == AccountStatus.AWAITING_ENROLMENT:
        status_set(user, AccountStatus.ACTIVE, by=user)
    audit_event_record(
        action=Action.DEVICE_ENROL,
        request=request,
        actor=user,
        details={"device": device.persistent_id, "kind": "webauthn"},
    )
    user_sessions_end(user)
    update_session_auth_hash(request, user)
    otp_login(request, device)
    request.session.cycle_key()


def authenticators(user: User) -> list[Device]:
    """The user's confirmed authenticator apps and security keys (not backup codes)."""
    devices: list[Device] = list(TOTPDevice.objects.filter(user=user, confirmed=True))
    devices.extend(WebAuthnCredential.objects.filter(user=user, confirmed=True))
    return devices


def user_devices(user: User) -> list[Device]:
    """The user's confirmed second factors, of every kind."""
    return [*authenticators(user), *BackupCodeDevice.objects.filter(user=user)]


@transaction.atomic
def device_remove(*, request: HttpRequest, user: User, device: Device) -> None:
    """Remove one of the user's own devices. Sessions verified with it end at once.

    The last authenticator cannot be removed: without it the user could not sign
    in again until an administrator issued a new activation code.
    """
    if device.user_id != user.pk:
        raise EnrolmentError("That device is not yours")
    others = [d for d in authenticators(user) if d.persistent_id != device.persistent_id]
    if not isinstance(device, BackupCodeDevice) and not others:
        raise EnrolmentError(
            "You cannot remove your only authenticator. To replace it, ask your "
            "administrator for an activation code"
        )
    persistent_id = device.persistent_id
    # Sessions verified with this device lose their verification with it; the
    # second-factor middleware then ends them (see accounts.middleware).
    device.delete()
    audit_event_record(
        action=Action.DEVICE_REMOVE, request=request, actor=user, details={"device": persistent_id}
    )
