from django.urls import path, re_path

from pages import views

app_name = "pages"

urlpatterns = [
    path("", views.home, name="home"),
    path("c/<slug:slug>/", views.community, name="community"),
    path("p/<slug:slug>/", views.project, name="project"),
    path("p/<slug:slug>/supporters/", views.supporters, name="supporters"),
    path("p/<slug:slug>/manage/", views.dashboard, name="dashboard"),
    # The moves themselves are posted to projects:move (…/manage/status/).
    path("p/<slug:slug>/manage/lifecycle/", views.project_status, name="project_status"),
    path("me/pledges/", views.my_pledges, name="my_pledges"),
    re_path(r"^@(?P<handle>[A-Za-z0-9_]+)/?$", views.profile, name="profile"),
]
