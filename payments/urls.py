from django.urls import path

from payments import views

app_name = "payments"

urlpatterns = [
    # Card payments (Stripe Checkout): README "Card payments".
    path("me/pledges/<int:pledge_id>/pay/", views.card_pay, name="card_pay"),
    path("me/pledges/<int:pledge_id>/pay/done/", views.card_return, name="card_return"),
    path("p/<slug:slug>/manage/pledges/<int:pledge_id>/refund/", views.card_refund, name="card_refund"),
    path("stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
]
