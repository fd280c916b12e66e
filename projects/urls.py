from django.urls import path

from projects import views

app_name = "projects"

urlpatterns = [
    path("projects/new/", views.project_create, name="create"),
    path("c/<slug:slug>/join/", views.community_join, name="community_join"),
    path("p/<slug:slug>/edit/", views.project_edit, name="edit"),
    path("p/<slug:slug>/manage/status/", views.project_move, name="move"),
    path("p/<slug:slug>/manage/team/", views.project_team, name="team"),
    path(
        "p/<slug:slug>/manage/team/invitations/<int:invitation_id>/withdraw/",
        views.invitation_withdraw,
        name="invitation_withdraw",
    ),
    path("p/<slug:slug>/manage/team/leads/<str:handle>/remove/", views.lead_remove, name="lead_remove"),
    path("me/invitations/", views.my_invitations, name="my_invitations"),
    path(
        "me/invitations/<int:invitation_id>/accept/",
        views.invitation_answer,
        {"answer": "accept"},
        name="invitation_accept",
    ),
    path(
        "me/invitations/<int:invitation_id>/decline/",
        views.invitation_answer,
        {"answer": "decline"},
        name="invitation_decline",
    ),
]
