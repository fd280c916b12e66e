from django.urls import path

from donations import payment_views, receipt_views, views

app_name = "donations"

urlpatterns = [
    path("p/<slug:slug>/needs/<int:need_id>/pledge/", views.pledge_create, name="pledge"),
    path("me/pledges/", views.my_pledges, name="mine"),
    path("me/pledges/<int:pledge_id>/cancel/", views.pledge_cancel, name="cancel"),
    # Receipts: public verification by code, downloads for those allowed, signed links for emails.
    path("r/<str:code>/", receipt_views.receipt_verify, name="receipt_verify"),
    path("receipts/<int:receipt_id>/pdf/", receipt_views.receipt_download, name="receipt_download"),
    path("receipts/link/<str:token>/", receipt_views.receipt_download_signed, name="receipt_signed"),
    path("me/tax-identity/", receipt_views.tax_identity, name="tax_identity"),
    # Card payments (Stripe Checkout): README "Card payments".
    path("me/pledges/<int:pledge_id>/pay/", payment_views.card_pay, name="card_pay"),
    path("me/pledges/<int:pledge_id>/pay/done/", payment_views.card_return, name="card_return"),
    path("p/<slug:slug>/manage/pledges/<int:pledge_id>/refund/", payment_views.card_refund, name="card_refund"),
    path("stripe/webhook/", payment_views.stripe_webhook, name="stripe_webhook"),
]
