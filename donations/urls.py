from django.urls import path

from donations import payment_views, views

app_name = "donations"

urlpatterns = [
    path("p/<slug:slug>/needs/<int:need_id>/pledge/", views.pledge_create, name="pledge"),
    path("me/pledges/", views.my_pledges, name="mine"),
    path("me/pledges/<int:pledge_id>/cancel/", views.pledge_cancel, name="cancel"),
    # Card payments (Stripe Checkout): README "Card payments".
    path("me/pledges/<int:pledge_id>/pay/", payment_views.card_pay, name="card_pay"),
    path("me/pledges/<int:pledge_id>/pay/done/", payment_views.card_return, name="card_return"),
    path("p/<slug:slug>/manage/pledges/<int:pledge_id>/refund/", payment_views.card_refund, name="card_refund"),
    path("stripe/webhook/", payment_views.stripe_webhook, name="stripe_webhook"),
]
