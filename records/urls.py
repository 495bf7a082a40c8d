from django.urls import path

from records import views

app_name = "records"
urlpatterns = [
    path("", views.search, name="search"),
    path("children/<uuid:public_id>/", views.child_detail, name="child"),
    path("audit/find-child/", views.audit_lookup, name="audit_lookup"),
]
