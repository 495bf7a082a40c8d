"""Security keys and passkeys (django-otp-webauthn) as a second factor.

Registration is gated like the authenticator app: it needs a pending
administrator-issued activation code, even for a user who is already verified,
so a stolen password (or an unattended signed-in browser) cannot add a key.
Passwordless login is off (OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN = False): a
key is a second factor after the password, never instead of it.
"""

import json
from typing import Any

from django.db import transaction
from django.http import HttpResponse
from django.urls import path
from django_otp_webauthn import exceptions
from django_otp_webauthn import urls as package_urls
from django_otp_webauthn.views import (
    BeginCredentialRegistrationView,
    CompleteCredentialAuthenticationView,
    CompleteCredentialRegistrationView,
)

from accounts.devices import pending_activation, webauthn_enrolment_complete
from accounts.services import second_factor_passed


class ActivationRequired(exceptions.OTPWebAuthnApiError):
    status_code = 403
    default_code = "activation_required"
    default_detail = "Enter the activation code from your administrator first."


class _ActivationGate:
    request: Any

    def user_is_mfa_enrolled(self, user: Any) -> bool:
        # With a valid activation code, a user who lost their device may re-enrol
        # before verifying; that is what the code is for.
        if pending_activation(self.request, user) is not None:
            return False
        return super().user_is_mfa_enrolled(user)  # type: ignore[misc]

    def check_can_register(self) -> None:
        if pending_activation(self.request, self.request.user) is None:
            raise ActivationRequired()


class RegistrationBegin(_ActivationGate, BeginCredentialRegistrationView):
    pass


class RegistrationComplete(_ActivationGate, CompleteCredentialRegistrationView):
    def post(self, *args: Any, **kwargs: Any) -> HttpResponse:
        with transaction.atomic():
            response = super().post(*args, **kwargs)
            device_id = json.loads(response.content)["id"]
            webauthn_enrolment_complete(
                request=self.request, user=self.request.user, device_id=device_id
            )
        return response


class AuthenticationComplete(CompleteCredentialAuthenticationView):
    def complete_auth(self, device: Any) -> None:
        super().complete_auth(device)
        second_factor_passed(request=self.request, device=device)


app_name = "otp_webauthn"
urlpatterns = [
    path("registration/begin/", RegistrationBegin.as_view(), name="credential-registration-begin"),
    path(
        "registration/complete/",
        RegistrationComplete.as_view(),
        name="credential-registration-complete",
    ),
    path(
        "authentication/complete/",
        AuthenticationComplete.as_view(),
        name="credential-authentication-complete",
    ),
    *[
        pattern
        for pattern in package_urls.urlpatterns
        if pattern.name in {"credential-authentication-begin", "js-i18n-catalog"}
    ],
]
