"""The Django admin (behind both factors, OTPAdminSite): a maintenance tool, not a way round
the service's rules.

Nobody changes what their own account may do here (roles, permissions, staff or superuser
status), and second factors cannot be created or edited here: enrolment needs an activation
code issued by a second person (accounts.lifecycle, accounts.devices).
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Organisation, User

# What an account may do: never changed by its own holder (separation of duties).
OWN_ACCOUNT_READ_ONLY = ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "organisation_type")
    search_fields = ("code", "name")


@admin.register(User)
class ChildIndexUserAdmin(UserAdmin):
    list_display = ("username", "first_name", "last_name", "organisation", "is_active")
    list_filter = ("is_active", "organisation", "groups")
    fieldsets = (
        *UserAdmin.fieldsets,
        ("Organisation", {"fields": ("organisation", "job_title", "phone")}),
    )

    def get_readonly_fields(self, request: HttpRequest, obj: User | None = None) -> tuple:
        fields = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and obj.pk == request.user.pk:
            return (*fields, *OWN_ACCOUNT_READ_ONLY)
        return fields


if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class TOTPDeviceReadOnlyAdmin(admin.ModelAdmin):
    """Authenticator apps, listed only: no secret shown, none added, changed or removed here."""

    list_display = ("user", "name", "confirmed")
    fields = ("user", "name", "confirmed")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
