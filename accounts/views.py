from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_http_methods, require_POST

from accounts.forms import SecondFactorForm, SignInForm
from accounts.services import user_sign_in, user_sign_out, user_verify_second_factor


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    form = SignInForm(request.POST or None)
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
    has_device = request.user.totpdevice_set.filter(confirmed=True).exists()
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and has_device and form.is_valid():
        if user_verify_second_factor(request=request, token=form.cleaned_data["token"]):
            return redirect(_safe_next(request))
        form.add_error("token", "The code is not valid. Check your authenticator app and try again")
    return render(
        request,
        "accounts/verify.html",
        {"form": form, "next": _safe_next(request), "has_device": has_device},
    )


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    user_sign_out(request=request)
    messages.success(request, "You have signed out.")
    return redirect("accounts:login")
