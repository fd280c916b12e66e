"""Receipts: one of the donor's own, and what anyone holding one may check by its code."""

from django.urls import reverse
from rest_framework import serializers

from api.serializers.decimals import QUANTITY
from api.serializers.links import absolute_url, api_url
from receipts.models import Receipt


class ReceiptSerializer(serializers.ModelSerializer):
    """One of your receipts. Its PDF carries your legal name if you gave one: download it, the
    API does not repeat it."""

    issuer = serializers.CharField(source="issuer.legal_name", read_only=True, help_text="The issuing association.")
    pdf_url = serializers.SerializerMethodField()
    verification_url = serializers.SerializerMethodField()

    class Meta:
        model = Receipt
        fields = [
            "id",
            "number",
            "kind",
            "year",
            "status",
            "is_tax_receipt",
            "issued_at",
            "pledge",
            "issuer",
            "pdf_url",
            "verification_url",
        ]

    def get_pdf_url(self, receipt) -> str:
        return api_url(self.context.get("request"), "receipt-pdf", pk=receipt.pk)

    def get_verification_url(self, receipt) -> str:
        return absolute_url(self.context.get("request"), reverse("receipts:verify", args=[receipt.code]))


class ReceiptCashSerializer(serializers.Serializer):
    amount = serializers.DecimalField(**QUANTITY)
    currency = serializers.CharField()


class ReceiptItemSerializer(serializers.Serializer):
    label = serializers.CharField()
    quantity = serializers.DecimalField(**QUANTITY)
    unit = serializers.CharField(allow_blank=True)


class ReceiptIssuerSerializer(serializers.Serializer):
    name = serializers.CharField(source="legal_name")
    registration_number = serializers.CharField()


class ReceiptVerificationSerializer(serializers.Serializer):
    """What anyone holding a receipt may check: as the verification page, never the donor."""

    number = serializers.CharField()
    kind = serializers.ChoiceField(choices=Receipt.Kind.choices)
    status = serializers.ChoiceField(choices=Receipt.Status.choices)
    is_tax_receipt = serializers.BooleanField()
    issuer = ReceiptIssuerSerializer()
    issued_on = serializers.DateField(source="public.issued_on")
    gift_dates = serializers.ListField(child=serializers.DateField(), source="public.gift_dates")
    projects = serializers.ListField(child=serializers.CharField(), source="public.projects")
    cash = ReceiptCashSerializer(many=True, source="public.cash")
    items = ReceiptItemSerializer(many=True, source="public.items")
    replaced_by = serializers.CharField(source="replaced_by_number", allow_null=True)
    void_reason = serializers.CharField(allow_blank=True)
