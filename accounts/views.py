"""Signing in and out, second factors, the user agreement and passwords: the user's own pages."""

import io

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from accounts.devices import (
    EnrolmentError,
    activation_code_check,
    backup_codes_issue,
    device_remove,
    pending_activation,
    totp_device_pending,
    totp_enrolment_confirm,
    user_devices,
)
from accounts.forms import (
    ActivationCodeForm,
    AgreementForm,
    BackupCodeForm,
    EnrolmentConfirmForm,
    SecondFactorForm,
    SignInForm,
)
from accounts.models import BackupCodeDevice
from accounts.services import (
    agreement_accept,
    password_change_record,
    password_reset_record,
    password_reset_request_record,
    user_sign_in,
    user_sign_out,
    user_verify_second_factor,
)


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = user_sign_in(
            request=request,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
        )
        if user is not None:
            query = urlencode({"next": _safe_next(request)})
            return redirect(f"{reverse('accounts:verify')}?{query}")
        form.add_error(None, "Enter a correct username and password")
    return render(
        request,
        "accounts/sign_in.html",
        {"form": form, "next": _safe_next(request), "expired": request.GET.get("expired")},
    )


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    if request.user.is_verified():
        return redirect(_safe_next(request))
    has_app = TOTPDevice.objects.filter(user=request.user, confirmed=True).exists()
    has_key = WebAuthnCredential.objects.filter(user=request.user, confirmed=True).exists()
    has_device = has_app or has_key
    form = SecondFactorForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and has_device and form.is_valid():
        if user_verify_second_factor(request=request, token=form.cleaned_data["token"]):
            return redirect(_safe_next(request))
        form.add_error("token", "The code is not valid. Check your authenticator app and try again")
    context = {
        "form": form,
        "next": _safe_next(request),
        "has_device": has_device,
        "has_app": has_app,
        "has_key": has_key,
    }
    return render(request, "accounts/verify.html", context)


@require_http_methods(["GET", "POST"])
def verify_backup(request: HttpRequest) -> HttpResponse:
    if request.user.is_verified():
        return redirect(_safe_next(request))
    form = BackupCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if user_verify_second_factor(request=request, token=form.cleaned_data["code"]):
            remaining = BackupCodeDevice.objects.get(user=request.user).remaining()
            messages.success(
                request,
                f"You used a backup code. You have {remaining} left: you can create new ones "
                f"from 'Your security'.",
            )
            return redirect(_safe_next(request))
        form.add_error("code", "The backup code is not valid or has been used")
    return render(
        request, "accounts/verify_backup.html", {"form": form, "next": _safe_next(request)}
    )


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    user_sign_out(request=request)
    messages.success(request, "You have signed out.")
    return redirect("accounts:login")


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode("utf-8").split("?>", 1)[-1]


@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator: first the activation code, then the app and a code from it."""
    user = request.user
    if pending_activation(request, user) is None:
        form = ActivationCodeForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                activation_code_check(request=request, user=user, code=form.cleaned_data["code"])
            except EnrolmentError as error:
                form.add_error("code", str(error))
            else:
                return redirect("accounts:enrol")
        return render(request, "accounts/enrol_code.html", {"form": form})

    device = totp_device_pending(user)
    form = EnrolmentConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = totp_enrolment_confirm(
                request=request,
                user=user,
                device=device,
                token=form.cleaned_data["token"],
                name=form.cleaned_data["name"],
            )
        except EnrolmentError as error:
            form.add_error("token", str(error))
        else:
            return render(
                request, "accounts/backup_codes.html", {"codes": codes, "new_device": True}
            )
    secret = device.config_url.split("secret=")[1].split("&")[0]
    context = {"form": form, "qr": _qr_svg(device.config_url), "secret": secret}
    return render(request, "accounts/enrol_app.html", context)


@require_http_methods(["GET", "POST"])
def agreement(request: HttpRequest) -> HttpResponse:
    form = AgreementForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        agreement_accept(request=request)
        return redirect(_safe_next(request))
    context = {
        "form": form,
        "version": settings.USER_AGREEMENT_VERSION,
        "next": _safe_next(request),
    }
    return render(request, "accounts/agreement.html", context)


@require_http_methods(["GET"])
def security(request: HttpRequest) -> HttpResponse:
    """The user's own second factors and password."""
    devices = user_devices(request.user)
    context = {
        "apps": [d for d in devices if isinstance(d, TOTPDevice)],
        "keys": [d for d in devices if isinstance(d, WebAuthnCredential)],
        "backup": next((d for d in devices if isinstance(d, BackupCodeDevice)), None),
    }
    return render(request, "accounts/security.html", context)


DEVICE_KINDS = {"app": TOTPDevice, "key": WebAuthnCredential}


@require_http_methods(["GET", "POST"])
def device_remove_view(request: HttpRequest, kind: str, device_id: int) -> HttpResponse:
    model = DEVICE_KINDS.get(kind)
    device = model.objects.filter(user=request.user, pk=device_id).first() if model else None
    if device is None:
        raise Http404
    error = ""
    if request.method == "POST":
        try:
            device_remove(request=request, user=request.user, device=device)
        except EnrolmentError as exc:
            error = str(exc)
        else:
            messages.success(request, f"'{device.name}' has been removed.")
            return redirect("accounts:security")
    return render(request, "accounts/device_remove.html", {"device": device, "error": error})


@require_POST
def backup_codes_new(request: HttpRequest) -> HttpResponse:
    codes = backup_codes_issue(request=request, user=request.user)
    return render(request, "accounts/backup_codes.html", {"codes": codes, "new_device": False})


class PasswordChange(auth_views.PasswordChangeView):
    """Change password; other sessions end (the session hash changes), this one continues."""

    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:security")

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        response = super().form_valid(form)
        password_change_record(request=self.request)
        messages.success(self.request, "Your password has been changed.")
        return response


class PasswordReset(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        password_reset_request_record(request=self.request, email=form.cleaned_data["email"])
        return super().form_valid(form)


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    """Setting a new password never signs the user in: the second factor is still needed."""

    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
    post_reset_login = False

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        response = super().form_valid(form)
        password_reset_record(request=self.request, user=form.user)
        return response


password_reset_done = auth_views.PasswordResetDoneView.as_view(
    template_name="accounts/password_reset_done.html"
)
password_reset_complete = auth_views.PasswordResetCompleteView.as_view(
    template_name="accounts/password_reset_complete.html"
)
