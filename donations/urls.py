from django.urls import path

from donations import views

app_name = "donations"

urlpatterns = [
    path("p/<slug:slug>/needs/<int:need_id>/pledge/", views.pledge_create, name="pledge"),
    path("me/pledges/", views.my_pledges, name="mine"),
    path("me/pledges/<int:pledge_id>/cancel/", views.pledge_cancel, name="cancel"),
]
