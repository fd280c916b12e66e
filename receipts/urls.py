from django.urls import path

from receipts import views

app_name = "receipts"

urlpatterns = [
    # Public verification by code, downloads for those allowed, signed links for emails.
    path("r/<str:code>/", views.receipt_verify, name="verify"),
    path("receipts/<int:receipt_id>/pdf/", views.receipt_download, name="download"),
    path("receipts/link/<str:token>/", views.receipt_download_signed, name="signed"),
    path("me/tax-identity/", views.tax_identity, name="tax_identity"),
]
