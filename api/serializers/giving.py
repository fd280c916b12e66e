"""How to give to a project: the leads' bank account, mobile-money numbers, cash contact and
collection points (donations/models.py GivingDetails). Texts bounded by the models' lengths."""

from rest_framework import serializers

from donations.limits import COLLECTION_POINTS_MAX, MOBILE_MONEY_ACCOUNTS_MAX
from donations.models import CollectionPoint, GivingDetails, MobileMoneyAccount


class MobileMoneySerializer(serializers.ModelSerializer):
    class Meta:
        model = MobileMoneyAccount
        fields = ["operator", "number", "holder"]


class CollectionPointSerializer(serializers.ModelSerializer):
    class Meta:
        model = CollectionPoint
        fields = ["name", "address", "hours", "contact", "map_url"]


class GivingSerializer(serializers.ModelSerializer):
    mobile_money = MobileMoneySerializer(many=True, required=False, max_length=MOBILE_MONEY_ACCOUNTS_MAX)
    collection_points = CollectionPointSerializer(many=True, required=False, max_length=COLLECTION_POINTS_MAX)

    class Meta:
        model = GivingDetails
        fields = [
            "bank_holder",
            "bank_account",
            "bank_name",
            "cash_contact",
            "payment_days",
            "public",
            "mobile_money",
            "collection_points",
        ]

    def to_representation(self, giving):
        # A donations.giving.Giving: the details row and its rows.
        return {
            **{name: getattr(giving.details, name) for name in self.Meta.fields[:6]},
            "mobile_money": MobileMoneySerializer(giving.mobile_money, many=True).data,
            "collection_points": CollectionPointSerializer(giving.collection_points, many=True).data,
        }
