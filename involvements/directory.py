"""The service directory: what services exist, for whom, and how to refer."""

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.roles import Role
from audit.models import Action
from audit.services import audit_denial_record, audit_event_record
from involvements.models import Service, ServiceType


class DirectorySearchForm(forms.Form):
    q = forms.CharField(label="Search services", required=False, max_length=100)
    service_type = forms.ChoiceField(
        label="Type", required=False, choices=[("", "Any type"), *ServiceType.choices]
    )
    age = forms.IntegerField(label="For a child aged", required=False, min_value=0, max_value=25)


class ServiceEntryForm(forms.ModelForm):
    class Meta:
        model = Service
        fields = [
            "description",
            "categories",
            "min_age",
            "max_age",
            "area_served",
            "opening_times",
            "phone",
            "email",
            "address",
            "how_to_refer",
        ]

    def clean(self) -> dict:
        data = super().clean()
        low, high = data.get("min_age"), data.get("max_age")
        if low is not None and high is not None and low > high:
            self.add_error(
                "max_age", "The oldest age must be the same as or more than the youngest"
            )
        return data


def may_maintain(user, service: Service) -> bool:
    """The index team, and administrators of the organisation that runs the service."""
    if user.has_role(Role.INDEX_TEAM) or user.has_role(Role.GLOBAL_ADMIN):
        return True
    return user.has_role(Role.ORG_ADMIN) and user.organisation_id == service.organisation_id


@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    form = DirectorySearchForm(request.GET or None)
    services = Service.objects.select_related("organisation")
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            term = data["q"]
            services = services.filter(
                Q(name__icontains=term)
                | Q(description__icontains=term)
                | Q(categories__icontains=term)
                | Q(organisation__name__icontains=term)
            )
        if data["service_type"]:
            services = services.filter(service_type=data["service_type"])
        if data["age"] is not None:
            age = data["age"]
            services = services.filter(
                Q(min_age__isnull=True) | Q(min_age__lte=age),
                Q(max_age__isnull=True) | Q(max_age__gte=age),
            )
    return render(
        request, "involvements/directory.html", {"form": form, "services": services[:200]}
    )


@require_GET
def entry(request: HttpRequest, public_id: str) -> HttpResponse:
    service = Service.objects.select_related("organisation").filter(public_id=public_id).first()
    if service is None:
        raise Http404
    context = {"service": service, "may_maintain": may_maintain(request.user, service)}
    return render(request, "involvements/directory_entry.html", context)


@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, public_id: str) -> HttpResponse:
    service = Service.objects.filter(public_id=public_id).first()
    if service is None or not may_maintain(request.user, service):
        audit_denial_record(
            request=request, reason="directory edit refused", object_id=str(public_id)
        )
        raise Http404
    form = ServiceEntryForm(request.POST if request.method == "POST" else None, instance=service)
    if request.method == "POST" and form.is_valid():
        service_entry_update(request=request, form=form)
        messages.success(request, "The directory entry is updated.")
        return redirect("involvements:directory_entry", public_id=service.public_id)
    return render(request, "involvements/directory_edit.html", {"service": service, "form": form})


def service_entry_update(*, request: HttpRequest, form: ServiceEntryForm) -> Service:
    """Save a directory entry and record who changed what."""
    service = form.save()
    audit_event_record(
        action=Action.DIRECTORY_UPDATE,
        request=request,
        object_type="service",
        object_id=str(service.public_id),
        details={"changed": form.changed_data},
    )
    return service
