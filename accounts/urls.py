from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    # The member's page for their API tokens (HTML, session only).
    path("api/tokens/", views.tokens, name="tokens"),
    path("api/tokens/<int:token_id>/revoke/", views.token_revoke, name="token_revoke"),
]
