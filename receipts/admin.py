"""Receipts in the admin.

Issuers' legal details are set here, by superusers (the Moderators group is not given these
permissions: they change what every receipt of a community prints). Receipts are read-only: they
are issued, voided and replaced by the services only. Donors' legal identities have no admin at
all, and the receipt admin does not show the snapshot that holds them.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.read_only_admin import ReadOnlyAdmin
from receipts.models import Issuer, Receipt


@admin.register(Issuer)
class IssuerAdmin(admin.ModelAdmin):
    list_display = ("legal_name", "community", "number_prefix", "language", "french_tax_receipts")
    list_select_related = ("community",)
    search_fields = ("legal_name", "number_prefix", "community__name")
    fieldsets = (
        (None, {"fields": ("community", "legal_name", "address", "registration_number", "logo")}),
        (_("Signature"), {"fields": ("signatory_name", "signatory_title", "signature_place")}),
        (_("Numbers and language"), {"fields": ("number_prefix", "language", "second_language")}),
        (_("French tax receipts"), {"fields": ("french_tax_receipts", "tax_article", "tax_category", "purpose")}),
    )

    def get_readonly_fields(self, request, obj=None):
        # The prefix is part of every number already issued.
        if obj is not None and obj.receipts.exists():
            return ("community", "number_prefix")
        return ()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdmin):
    list_display = ("number", "issuer", "kind", "status", "is_tax_receipt", "issued_at", "verification")
    list_filter = ("status", "kind", "is_tax_receipt", "issuer")
    search_fields = ("number",)
    list_select_related = ("issuer",)
    date_hierarchy = "issued_at"
    fields = ("number", "issuer", "kind", "year", "status", "void_reason", "voided_at", "replaces", "issued_at")

    @admin.display(description=_("verification page"))
    def verification(self, receipt):
        return format_html('<a href="{}">{}</a>', reverse("receipts:verify", args=[receipt.code]), _("open"))
