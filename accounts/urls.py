from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/email/<str:token>/", views.email_confirm, name="email_confirm"),
    # The member's own account: their address, a copy of their data, deleting it.
    path("me/account/", views.account, name="account"),
    path("me/account/email/remove/", views.email_remove, name="email_remove"),
    path("me/data.json", views.my_data, name="my_data"),
    path("me/delete/", views.delete_account, name="delete_account"),
    # The member's page for their API tokens (HTML, session only).
    path("api/tokens/", views.tokens, name="tokens"),
    path("api/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]
