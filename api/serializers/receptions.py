"""Receptions: what arrived for a pledge, and the input to record it."""

from rest_framework import serializers

from api.serializers.decimals import QUANTITY
from api.serializers.needs import NeedBriefSerializer
from api.serializers.numbers import DecimalNumberField, IntegerNumberField
from donations.limits import RECEPTION_NOTE_MAX
from donations.models import Reception


class ReceptionSerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(source="need.project", slug_field="slug", read_only=True)
    need = NeedBriefSerializer(read_only=True)
    quantity = serializers.DecimalField(**QUANTITY, read_only=True)

    class Meta:
        model = Reception
        fields = ["id", "pledge", "project", "need", "quantity", "received_on", "note", "recorded_at"]


class ReceptionWriteSerializer(serializers.Serializer):
    pledge = IntegerNumberField(min_value=1, max_value=2**63 - 1, help_text="The pledge's id.")
    quantity = DecimalNumberField(**QUANTITY)
    received_on = serializers.DateField(required=False, allow_null=True, default=None)
    note = serializers.CharField(max_length=RECEPTION_NOTE_MAX, required=False, allow_blank=True, default="")
