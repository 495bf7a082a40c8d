from django.contrib import admin
from django.urls import include, path
from django_otp.admin import OTPAdminSite

# The Django admin also demands a verified second factor (as does the middleware).
admin.site.__class__ = OTPAdminSite

urlpatterns = [
    path("", include("records.urls")),
    path("", include("involvements.urls")),
    path("", include("notifications.urls")),
    path("", include("caf.urls")),
    path("", include("accounts.urls")),
    path("", include("childindex.health")),
    path("webauthn/", include("accounts.webauthn")),
    path("audit/", include("audit.urls")),
    path("lookups/", include("lookups.urls")),
    path("api/", include("feeds.urls")),
    path("feeds/review/", include("feeds.review_urls")),
    path("reports/", include("reports.urls")),
    path("django-admin/", admin.site.urls),
]

handler400 = "childindex.errors.bad_request"
handler403 = "childindex.errors.permission_denied"
handler404 = "childindex.errors.page_not_found"
handler500 = "childindex.errors.server_error"
