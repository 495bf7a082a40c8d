from django.urls import path

from notifications import views

app_name = "notifications"
urlpatterns = [
    path("notifications/", views.notification_list, name="list"),
    path("children/<uuid:public_id>/follow/", views.follow, name="follow"),
]
