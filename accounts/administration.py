"""Administrator pages: request, vet, authorise, suspend, reactivate and close accounts.

An organisation administrator sees and manages only their own organisation's
users (anyone else's looks like a page that does not exist), never grants
themselves roles, and reads no child records by virtue of this role. Nobody,
whatever their roles, vets, authorises or issues activation codes for their own
account (accounts.lifecycle.own_account_refuse): the pages refuse it as well.
"""

import datetime
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import grantable_roles, is_administrator, manageable_users
from accounts.forms import (
    AccountRequestForm,
    AuthorisationForm,
    DbsForm,
    ReasonForm,
    RolesForm,
    TrainingForm,
    UserFilterForm,
)
from accounts.lifecycle import (
    LifecycleError,
    account_authorise,
    account_close,
    account_reactivate,
    account_request,
    account_suspend,
    activation_code_issue,
    own_account_refuse,
    roles_set,
    vetting_record_authorisation,
    vetting_record_dbs,
    vetting_record_training,
)
from accounts.models import AccountStatus, User, Vetting
from accounts.roles import Role
from audit.models import Action, AuditEvent
from audit.services import audit_denial_record

REVIEW_STATUSES = (
    AccountStatus.REQUESTED,
    AccountStatus.VETTING,
    AccountStatus.AWAITING_ENROLMENT,
)
View = Callable[..., HttpResponse]


def administrator_required(view: View) -> View:
    """Only administrators; anyone else is refused and the refusal audited."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not is_administrator(request.user):
            audit_denial_record(request=request, reason="not an administrator")
            return render(request, "errors/403.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped


def _managed_user(request: HttpRequest, public_id: str) -> User:
    """The user, or 404 whether they do not exist or belong to another organisation."""
    try:
        return (
            manageable_users(request.user)
            .select_related("organisation", "vetting")
            .get(public_id=public_id)
        )
    except User.DoesNotExist as exc:
        audit_denial_record(
            request=request,
            reason="user not found or not managed",
            object_type="user",
            object_id=str(public_id),
        )
        raise Http404 from exc


def _own_account_refused(request: HttpRequest, user: User, action: str) -> HttpResponse | None:
    """None for someone else's account; for the administrator's own, the refusal page.

    The service functions refuse too; refusing here first means no form is offered
    for a decision that would be refused. The refusal is audited by the service rule.
    """
    try:
        own_account_refuse(request=request, admin=request.user, user=user, action=action)
    except LifecycleError as error:
        context = {"subject": user, "error": str(error)}
        return render(request, "accounts/admin/own_account.html", context, status=403)
    return None


def _filtered(users: QuerySet[User], form: UserFilterForm) -> QuerySet[User]:
    if not form.is_valid():
        return users
    data = form.cleaned_data
    if data["status"]:
        users = users.filter(status=data["status"])
    if data["role"]:
        users = users.filter(groups__name=data["role"])
    if data["expiring"]:
        soon = _expiring_ids(users)
        users = users.filter(pk__in=soon)
    if data["q"]:
        term = data["q"]
        users = users.filter(
            Q(first_name__icontains=term) | Q(last_name__icontains=term) | Q(email__icontains=term)
        )
    return users


def _expiring_ids(users: QuerySet[User], days: int = 30) -> list[int]:
    today = datetime.date.today()
    limit = today + datetime.timedelta(days=days)
    vettings = Vetting.objects.filter(user__in=users, user__status=AccountStatus.ACTIVE)
    return [v.user_id for v in vettings if (due := v.earliest_expiry()) and today < due <= limit]


@require_GET
@administrator_required
def user_list(request: HttpRequest) -> HttpResponse:
    form = UserFilterForm(request.GET or None)
    users = _filtered(manageable_users(request.user), form)
    users = users.select_related("organisation", "vetting").order_by(
        "last_name", "first_name", "pk"
    )
    page = Paginator(users.distinct(), 50).get_page(request.GET.get("page"))
    return render(request, "accounts/admin/user_list.html", {"form": form, "page": page})


@require_GET
@administrator_required
def review_queue(request: HttpRequest) -> HttpResponse:
    users = (
        manageable_users(request.user)
        .filter(status__in=REVIEW_STATUSES)
        .select_related("organisation", "vetting")
        .order_by("requested_at", "pk")
    )
    return render(request, "accounts/admin/review_queue.html", {"users": users})


@require_http_methods(["GET", "POST"])
def request_account(request: HttpRequest) -> HttpResponse:
    """Any signed-in user may ask for an account for a colleague in their own organisation."""
    form = AccountRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if request.user.organisation is None:
            form.add_error(None, "Your account has no organisation, so it cannot request others")
        else:
            try:
                account_request(
                    request=request,
                    requested_by=request.user,
                    organisation=request.user.organisation,
                    **form.cleaned_data,
                )
            except LifecycleError as error:
                form.add_error("email", str(error))
            else:
                return render(
                    request, "accounts/admin/request_sent.html", {"data": form.cleaned_data}
                )
    return render(request, "accounts/admin/request_account.html", {"form": form})


@require_GET
@administrator_required
def user_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    user = _managed_user(request, public_id)
    vetting = getattr(user, "vetting", None)
    history = AuditEvent.objects.filter(object_type="user", object_id=str(user.public_id)).order_by(
        "-id"
    )[:30]
    context = {
        "subject": user,
        "vetting": vetting,
        "history": history,
        "may_change_roles": bool(grantable_roles(request.user, user)),
        "is_self": user.pk == request.user.pk,
        "statuses": AccountStatus,
    }
    return render(request, "accounts/admin/user_detail.html", context)


VETTING_FORMS = {
    "dbs": (DbsForm, vetting_record_dbs, "DBS check"),
    "authorisation": (AuthorisationForm, vetting_record_authorisation, "Manager's authorisation"),
    "training": (TrainingForm, vetting_record_training, "Training"),
}


@require_http_methods(["GET", "POST"])
@administrator_required
def vetting_record(request: HttpRequest, public_id: str, item: str) -> HttpResponse:
    if item not in VETTING_FORMS:
        raise Http404
    user = _managed_user(request, public_id)
    if refused := _own_account_refused(request, user, Action.VETTING_RECORD):
        return refused
    form_class, service, title = VETTING_FORMS[item]
    form = form_class(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            service(request=request, admin=request.user, user=user, **form.cleaned_data)
        except LifecycleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{title} recorded for {user.get_full_name()}.")
            return redirect("accounts:admin_user", public_id=user.public_id)
    context = {"subject": user, "form": form, "title": title}
    return render(request, "accounts/admin/vetting_form.html", context)


def _lifecycle_action(
    request: HttpRequest,
    public_id: str,
    action: Callable[..., object],
    audit_action: str,
    done: str,
) -> HttpResponse:
    user = _managed_user(request, public_id)
    if refused := _own_account_refused(request, user, audit_action):
        return refused
    try:
        action(request=request, admin=request.user, user=user)
    except LifecycleError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done.format(name=user.get_full_name()))
    return redirect("accounts:admin_user", public_id=user.public_id)


@require_http_methods(["GET", "POST"])
@administrator_required
def authorise(request: HttpRequest, public_id: str) -> HttpResponse:
    user = _managed_user(request, public_id)
    if refused := _own_account_refused(request, user, Action.ACCOUNT_AUTHORISE):
        return refused
    error = ""
    if request.method == "POST":
        try:
            code = account_authorise(request=request, admin=request.user, user=user)
        except LifecycleError as exc:
            error = str(exc)
        else:
            return render(
                request,
                "accounts/admin/activation_code.html",
                {"subject": user, "code": code, "first": True},
            )
    return render(request, "accounts/admin/authorise.html", {"subject": user, "error": error})


@require_POST
@administrator_required
def activation_code(request: HttpRequest, public_id: str) -> HttpResponse:
    user = _managed_user(request, public_id)
    if refused := _own_account_refused(request, user, Action.ACTIVATION_ISSUE):
        return refused
    try:
        code = activation_code_issue(request=request, admin=request.user, user=user)
    except LifecycleError as error:
        messages.error(request, str(error))
        return redirect("accounts:admin_user", public_id=user.public_id)
    return render(
        request,
        "accounts/admin/activation_code.html",
        {"subject": user, "code": code, "first": False},
    )


def _reason_action(
    request: HttpRequest,
    public_id: str,
    action: Callable[..., None],
    audit_action: str,
    template: str,
    done: str,
) -> HttpResponse:
    user = _managed_user(request, public_id)
    if refused := _own_account_refused(request, user, audit_action):
        return refused
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            action(
                request=request, admin=request.user, user=user, reason=form.cleaned_data["reason"]
            )
        except LifecycleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, done.format(name=user.get_full_name()))
            return redirect("accounts:admin_user", public_id=user.public_id)
    return render(request, template, {"subject": user, "form": form})


@require_http_methods(["GET", "POST"])
@administrator_required
def suspend(request: HttpRequest, public_id: str) -> HttpResponse:
    return _reason_action(
        request,
        public_id,
        account_suspend,
        Action.ACCOUNT_SUSPEND,
        "accounts/admin/suspend.html",
        "{name}'s account is suspended. Their sessions have ended.",
    )


@require_http_methods(["GET", "POST"])
@administrator_required
def close(request: HttpRequest, public_id: str) -> HttpResponse:
    return _reason_action(
        request,
        public_id,
        account_close,
        Action.ACCOUNT_CLOSE,
        "accounts/admin/close.html",
        "{name}'s account is closed.",
    )


@require_POST
@administrator_required
def reactivate(request: HttpRequest, public_id: str) -> HttpResponse:
    return _lifecycle_action(
        request,
        public_id,
        account_reactivate,
        Action.ACCOUNT_REACTIVATE,
        "{name}'s account is reactivated.",
    )


@require_http_methods(["GET", "POST"])
@administrator_required
def roles(request: HttpRequest, public_id: str) -> HttpResponse:
    user = _managed_user(request, public_id)
    if refused := _own_account_refused(request, user, Action.ROLES_CHANGE):
        return refused
    allowed = grantable_roles(request.user, user)
    if not allowed:
        audit_denial_record(
            request=request,
            reason="roles change refused",
            object_type="user",
            object_id=str(user.public_id),
        )
        return render(request, "accounts/admin/roles_refused.html", {"subject": user}, status=403)
    choices = [(role.value, role.label) for role in Role if role in allowed]
    current = [name for name in user.role_names() if name in {value for value, _ in choices}]
    form = RolesForm(
        request.POST if request.method == "POST" else None,
        choices=choices,
        initial={"roles": current},
    )
    if request.method == "POST" and form.is_valid():
        chosen = {Role(value) for value in form.cleaned_data["roles"]}
        try:
            roles_set(request=request, admin=request.user, user=user, roles=chosen)
        except LifecycleError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{user.get_full_name()}'s roles are updated.")
            return redirect("accounts:admin_user", public_id=user.public_id)
    return render(request, "accounts/admin/roles.html", {"subject": user, "form": form})
