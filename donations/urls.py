from django.urls import path

from donations import views

app_name = "donations"

urlpatterns = [
    path("p/<slug:slug>/needs/<int:need_id>/pledge/", views.pledge_create, name="pledge"),
    path("me/pledges/<int:pledge_id>/", views.pledge_detail, name="pledge_detail"),
    path("me/pledges/<int:pledge_id>/cancel/", views.pledge_cancel, name="cancel"),
    # The leads' pages, reached from the dashboard (pages:dashboard).
    path("p/<slug:slug>/manage/giving/", views.giving_edit, name="giving_edit"),
    path("p/<slug:slug>/manage/needs/new/", views.need_add, name="need_add"),
    path("p/<slug:slug>/manage/needs/<int:need_id>/edit/", views.need_edit, name="need_edit"),
    path("p/<slug:slug>/manage/needs/<int:need_id>/close/", views.need_close, name="need_close"),
    path("p/<slug:slug>/manage/pledges/<int:pledge_id>/receive/", views.reception_add, name="reception_add"),
    path("p/<slug:slug>/manage/pledges/<int:pledge_id>/cancel/", views.lead_pledge_cancel, name="lead_pledge_cancel"),
]
