from django.urls import path

from audit import views

app_name = "audit"
urlpatterns = [
    path("", views.event_search, name="events"),
    path("children/<uuid:public_id>/", views.child_access, name="child"),
    path("export.csv", views.export, name="export"),
    path("alerts/", views.alerts, name="alerts"),
]
