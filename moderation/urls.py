from django.urls import path

from moderation import views

app_name = "moderation"

urlpatterns = [
    # Members report content.
    path("flag/<str:kind>/<int:target_id>/", views.flag, name="flag"),
    # A community's queue, and each of its actions.
    path("c/<slug:slug>/moderate/", views.queue, name="queue"),
    path("c/<slug:slug>/moderate/projects/<int:project_id>/", views.review, name="review"),
    path("c/<slug:slug>/moderate/flags/<str:kind>/<int:target_id>/", views.decide, name="decide"),
    path("c/<slug:slug>/moderate/pledges/<int:pledge_id>/", views.pledge_correct, name="pledge_correct"),
    path("c/<slug:slug>/moderate/suspensions/", views.suspend, name="suspend"),
    path("c/<slug:slug>/moderate/suspensions/<int:member_id>/lift/", views.lift, name="lift"),
    # The superusers' queue: profiles of members who take part in no community.
    path("moderate/", views.queue, name="site_queue"),
    path("moderate/flags/<str:kind>/<int:target_id>/", views.decide, name="site_decide"),
]
