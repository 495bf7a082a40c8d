from django.urls import path

from involvements import views

app_name = "involvements"
urlpatterns = [
    path(
        "involvements/<uuid:public_id>/withdraw-consent/",
        views.withdraw_consent,
        name="withdraw_consent",
    ),
]
