from django.urls import path

from publishing import expense_views, feeds, milestone_views, sharing_views, update_views

app_name = "publishing"

urlpatterns = [
    # Sharing: feeds, social card, badge, progress report.
    path("p/<slug:slug>/feed.atom", feeds.ProjectFeed(), name="feed"),
    path("c/<slug:slug>/feed.atom", feeds.CommunityFeed(), name="community_feed"),
    path("p/<slug:slug>/card.png", sharing_views.social_card, name="card"),
    path("p/<slug:slug>/badge.svg", sharing_views.badge, name="badge"),
    path("p/<slug:slug>/report.pdf", sharing_views.progress_report, name="report"),
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
