from django.urls import path

from projects import views

app_name = "projects"

urlpatterns = [
    path("projects/new/", views.project_create, name="create"),
    path("c/<slug:slug>/join/", views.community_join, name="community_join"),
    path("p/<slug:slug>/edit/", views.project_edit, name="edit"),
    path("p/<slug:slug>/manage/status/", views.project_move, name="move"),
]
