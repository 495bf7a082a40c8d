from django.urls import path

from records import views

app_name = "records"
urlpatterns = [
    path("", views.search, name="search"),
    path("children/<uuid:public_id>/", views.child_detail, name="child"),
    path("audit/find-child/", views.audit_lookup, name="audit_lookup"),
    path("children/<uuid:public_id>/shield/", views.shield, name="shield"),
    path("children/<uuid:public_id>/break-glass/", views.break_glass, name="break_glass"),
    path("shields/", views.shield_reviews, name="shield_reviews"),
]
