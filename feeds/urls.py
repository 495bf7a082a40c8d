from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from feeds import api

app_name = "api"
urlpatterns = [
    path("v1/children/search", api.ChildSearch.as_view(), name="children_search"),
    path("v1/involvements/<str:external_id>", api.InvolvementPut.as_view(), name="involvement"),
    path("v1/children/<uuid:child_id>/caf", api.CafReport.as_view(), name="caf"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
]
