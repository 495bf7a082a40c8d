from django.urls import path

from involvements import directory, views

app_name = "involvements"
urlpatterns = [
    path("directory/", directory.directory, name="directory"),
    path("directory/<uuid:public_id>/", directory.entry, name="directory_entry"),
    path("directory/<uuid:public_id>/edit/", directory.edit, name="directory_edit"),
    path("children/<uuid:public_id>/working-with/", views.join, name="join"),
    path("involvements/<uuid:public_id>/end/", views.end, name="end"),
    path("involvements/<uuid:public_id>/contacts/", views.contacts, name="contacts"),
    path(
        "involvements/<uuid:public_id>/withdraw-consent/",
        views.withdraw_consent,
        name="withdraw_consent",
    ),
]
