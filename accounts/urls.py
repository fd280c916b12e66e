from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/email/<str:token>/", views.email_confirm, name="email_confirm"),
    # Getting back into an account (accounts/recovery.py): a reset link by email, or a recovery code.
    path("accounts/password_reset/", views.password_reset, name="password_reset"),
    path("accounts/password_reset/done/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("accounts/reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("accounts/reset/done/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("accounts/recover/", views.recover, name="recover"),
    path("accounts/password_change/", views.password_change, name="password_change"),
    # The member's own account: their address, a copy of their data, deleting it.
    path("me/account/", views.account, name="account"),
    path("me/account/language/", views.language_choose, name="language"),
    path("me/account/email/remove/", views.email_remove, name="email_remove"),
    path("me/account/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("me/data.json", views.my_data, name="my_data"),
    path("me/delete/", views.delete_account, name="delete_account"),
    # The member's page for their API tokens (HTML, session only).
    path("api/tokens/", views.tokens, name="tokens"),
    path("api/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]
