from django.urls import path

from lookups import views

app_name = "lookups"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("new/", views.new, name="new"),
    path("ask/", views.ask, name="ask"),
    path("leave/", views.leave, name="leave"),
    path("<uuid:public_id>/", views.detail, name="detail"),
    path("<uuid:public_id>/take/", views.take, name="take"),
    path("<uuid:public_id>/close/", views.close, name="close"),
    path("<uuid:public_id>/summary/", views.summary, name="summary"),
]
