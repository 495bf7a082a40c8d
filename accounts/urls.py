from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("sign-in/", views.sign_in, name="login"),
    path("sign-in/code/", views.verify, name="verify"),
    path("sign-out/", views.sign_out, name="logout"),
]
