from django.urls import path

from accounts import administration, views

app_name = "accounts"
urlpatterns = [
    path("account/sign-in/", views.sign_in, name="login"),
    path("account/sign-in/code/", views.verify, name="verify"),
    path("account/sign-in/backup-code/", views.verify_backup, name="verify_backup"),
    path("account/sign-out/", views.sign_out, name="logout"),
    path("account/set-up-authenticator/", views.enrol, name="enrol"),
    path("account/agreement/", views.agreement, name="agreement"),
    path("account/security/", views.security, name="security"),
    path(
        "account/security/<slug:kind>/<int:device_id>/remove/",
        views.device_remove_view,
        name="device_remove",
    ),
    path("account/security/backup-codes/", views.backup_codes_new, name="backup_codes"),
    path("account/password/", views.PasswordChange.as_view(), name="password_change"),
    path("account/password-reset/", views.PasswordReset.as_view(), name="password_reset"),
    path("account/password-reset/sent/", views.password_reset_done, name="password_reset_done"),
    path(
        "account/password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirm.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "account/password-reset/done/",
        views.password_reset_complete,
        name="password_reset_complete",
    ),
    path("account/request/", administration.request_account, name="request_account"),
    path("users/", administration.user_list, name="admin_users"),
    path("users/review/", administration.review_queue, name="admin_review"),
    path("users/<uuid:public_id>/", administration.user_detail, name="admin_user"),
    path(
        "users/<uuid:public_id>/vetting/<slug:item>/",
        administration.vetting_record,
        name="admin_vetting",
    ),
    path("users/<uuid:public_id>/authorise/", administration.authorise, name="admin_authorise"),
    path(
        "users/<uuid:public_id>/activation-code/",
        administration.activation_code,
        name="admin_activation",
    ),
    path("users/<uuid:public_id>/suspend/", administration.suspend, name="admin_suspend"),
    path("users/<uuid:public_id>/reactivate/", administration.reactivate, name="admin_reactivate"),
    path("users/<uuid:public_id>/close/", administration.close, name="admin_close"),
    path("users/<uuid:public_id>/roles/", administration.roles, name="admin_roles"),
]
