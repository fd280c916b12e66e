from django.urls import path, re_path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    re_path(r"^@(?P<handle>[A-Za-z0-9_]+)/?$", views.profile, name="profile"),
]
