from django.urls import path

from caf import views

app_name = "caf"
urlpatterns = [
    path("children/<uuid:public_id>/caf/", views.record_caf, name="record"),
    path("children/<uuid:public_id>/lead-professional/", views.assign_lead, name="lead"),
    path("coordination/", views.worklist, name="worklist"),
]
