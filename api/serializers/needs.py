"""Needs: with their progress, in brief (inside a pledge, a reception or an expense), and the
input to create or correct one."""

from rest_framework import serializers

from api.serializers.decimals import QUANTITY
from api.serializers.numbers import DecimalNumberField
from donations.models import Need


class NeedSerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    unit_plural = serializers.CharField(source="plural_unit", read_only=True)
    target_quantity = serializers.DecimalField(**QUANTITY, read_only=True)
    estimated_unit_value = serializers.DecimalField(**QUANTITY, read_only=True, allow_null=True)
    pledged = serializers.DecimalField(**QUANTITY, read_only=True)
    received = serializers.DecimalField(**QUANTITY, read_only=True)
    missing = serializers.DecimalField(**QUANTITY, read_only=True)
    supporters = serializers.IntegerField(read_only=True)

    class Meta:
        model = Need
        fields = [
            "id",
            "project",
            "kind",
            "label",
            "unit",
            "unit_plural",
            "target_quantity",
            "estimated_unit_value",
            "whole_units",
            "position",
            "status",
            "pledged",
            "received",
            "missing",
            "supporters",
        ]


class NeedInProjectSerializer(NeedSerializer):
    class Meta(NeedSerializer.Meta):
        fields = [name for name in NeedSerializer.Meta.fields if name not in ("project", "position")]


class NeedBriefSerializer(serializers.ModelSerializer):
    unit_plural = serializers.CharField(source="plural_unit", read_only=True)

    class Meta:
        model = Need
        fields = ["id", "kind", "label", "unit", "unit_plural"]


class NeedWriteSerializer(serializers.Serializer):
    project = serializers.SlugField(max_length=140, help_text="The project's slug.")
    kind = serializers.ChoiceField(choices=Need.Kind.choices)
    label = serializers.CharField(max_length=120)
    unit = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    unit_plural = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default="", help_text="Empty: the usual plural of `unit`."
    )
    target_quantity = DecimalNumberField(**QUANTITY)
    estimated_unit_value = DecimalNumberField(**QUANTITY, required=False, allow_null=True, default=None)
    whole_units = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text=(
            "Material only: counted in whole units (pieces, bags: 1.5 is refused) or not (kg, m²: 2.5). "
            "Omitted: whole unless the unit is a measure (g, kg, t, l, m, m², m³, ha…)."
        ),
    )


class NeedUpdateSerializer(NeedWriteSerializer):
    project = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
