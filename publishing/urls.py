from django.urls import path

from publishing import feeds, sharing_views, views

app_name = "publishing"

urlpatterns = [
    # Sharing: feeds, social card, badge, progress report.
    path("p/<slug:slug>/feed.atom", feeds.project_feed, name="feed"),
    path("c/<slug:slug>/feed.atom", feeds.community_feed, name="community_feed"),
    path("p/<slug:slug>/card.png", sharing_views.social_card, name="card"),
    path("p/<slug:slug>/badge.svg", sharing_views.badge, name="badge"),
    path("p/<slug:slug>/report.pdf", sharing_views.progress_report, name="report"),
    # Milestones (leads).
    path("p/<slug:slug>/manage/milestones/", views.milestone_list, name="milestones"),
    path("p/<slug:slug>/manage/milestones/new/", views.milestone_add, name="milestone_add"),
    path(
        "p/<slug:slug>/manage/milestones/<int:milestone_id>/edit/",
        views.milestone_edit,
        name="milestone_edit",
    ),
    path(
        "p/<slug:slug>/manage/milestones/<int:milestone_id>/move/",
        views.milestone_move,
        name="milestone_move",
    ),
    # Expenses: the public list, recording and correcting for leads.
    path("p/<slug:slug>/expenses/", views.expense_list, name="expenses"),
    path("p/<slug:slug>/manage/expenses/new/", views.expense_add, name="expense_add"),
    path(
        "p/<slug:slug>/manage/expenses/<int:expense_id>/correct/",
        views.expense_correct_page,
        name="expense_correct",
    ),
    # Updates: the public page, the unsubscribe link of their emails, writing for leads.
    path("p/<slug:slug>/updates/<int:update_id>/", views.update_detail, name="update"),
    path("p/<slug:slug>/unsubscribe/<str:token>/", views.update_unsubscribe, name="update_unsubscribe"),
    path("p/<slug:slug>/manage/updates/", views.update_list, name="updates_manage"),
    path("p/<slug:slug>/manage/updates/new/", views.update_add, name="update_add"),
    path("p/<slug:slug>/manage/updates/<int:update_id>/edit/", views.update_edit, name="update_edit"),
    path("p/<slug:slug>/manage/updates/<int:update_id>/publish/", views.update_publish, name="update_publish"),
]
