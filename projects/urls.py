from django.urls import path

from projects import expense_views, feeds, lead_views, milestone_views, sharing_views, update_views, views

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="list"),
    path("projects/new/", views.project_create, name="create"),
    path("c/<slug:slug>/", views.community_detail, name="community"),
    path("c/<slug:slug>/join/", views.community_join, name="community_join"),
    path("p/<slug:slug>/", views.project_detail, name="detail"),
    path("p/<slug:slug>/edit/", views.project_edit, name="edit"),
    # Sharing: feeds, social card, badge, progress report.
    path("p/<slug:slug>/feed.atom", feeds.ProjectFeed(), name="feed"),
    path("c/<slug:slug>/feed.atom", feeds.CommunityFeed(), name="community_feed"),
    path("p/<slug:slug>/card.png", sharing_views.social_card, name="card"),
    path("p/<slug:slug>/badge.svg", sharing_views.badge, name="badge"),
    path("p/<slug:slug>/report.pdf", sharing_views.progress_report, name="report"),
    path("p/<slug:slug>/manage/", lead_views.dashboard, name="dashboard"),
    path("p/<slug:slug>/manage/status/", lead_views.project_move, name="move"),
    path("p/<slug:slug>/manage/needs/new/", lead_views.need_add, name="need_add"),
    path("p/<slug:slug>/manage/needs/<int:need_id>/edit/", lead_views.need_edit, name="need_edit"),
    path("p/<slug:slug>/manage/needs/<int:need_id>/close/", lead_views.need_close, name="need_close"),
    path("p/<slug:slug>/manage/pledges/<int:pledge_id>/receive/", lead_views.reception_add, name="reception_add"),
    path(
        "p/<slug:slug>/manage/pledges/<int:pledge_id>/cancel/", lead_views.lead_pledge_cancel, name="lead_pledge_cancel"
    ),
    # Milestones (leads).
    path("p/<slug:slug>/manage/milestones/", milestone_views.milestone_list, name="milestones"),
    path("p/<slug:slug>/manage/milestones/new/", milestone_views.milestone_add, name="milestone_add"),
    path(
        "p/<slug:slug>/manage/milestones/<int:milestone_id>/edit/",
        milestone_views.milestone_edit,
        name="milestone_edit",
    ),
    path(
        "p/<slug:slug>/manage/milestones/<int:milestone_id>/move/",
        milestone_views.milestone_move,
        name="milestone_move",
    ),
    # Expenses: the public list, recording and correcting for leads.
    path("p/<slug:slug>/expenses/", expense_views.expense_list, name="expenses"),
    path("p/<slug:slug>/manage/expenses/new/", expense_views.expense_add, name="expense_add"),
    path(
        "p/<slug:slug>/manage/expenses/<int:expense_id>/correct/",
        expense_views.expense_correct_page,
        name="expense_correct",
    ),
    # Updates: the public page, the unsubscribe link of their emails, writing for leads.
    path("p/<slug:slug>/updates/<int:update_id>/", update_views.update_detail, name="update"),
    path("p/<slug:slug>/unsubscribe/<str:token>/", update_views.update_unsubscribe, name="update_unsubscribe"),
    path("p/<slug:slug>/manage/updates/", update_views.update_list, name="updates_manage"),
    path("p/<slug:slug>/manage/updates/new/", update_views.update_add, name="update_add"),
    path("p/<slug:slug>/manage/updates/<int:update_id>/edit/", update_views.update_edit, name="update_edit"),
    path("p/<slug:slug>/manage/updates/<int:update_id>/publish/", update_views.update_publish, name="update_publish"),
]
