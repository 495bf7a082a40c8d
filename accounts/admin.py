from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import Organisation, User


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
