"""Pledges: in full (for their donor and the project's dashboard), as supporters on a project's
page, and the input to make, pay or withdraw one."""

from rest_framework import serializers

from api.serializers.decimals import QUANTITY
from api.serializers.needs import NeedBriefSerializer
from api.serializers.projects import ProjectBriefSerializer
from donations.models import Pledge


def _shown_donor(serializer, pledge):
    request = serializer.context.get("request")
    donor = pledge.donor_shown_to(request.user) if request is not None else None
    return donor.handle if donor is not None else None


class PledgeSerializer(serializers.ModelSerializer):
    """A pledge in full, for its donor and the project's dashboard (leads, moderators)."""

    project = ProjectBriefSerializer(source="need.project", read_only=True)
    need = NeedBriefSerializer(read_only=True)
    donor = serializers.SerializerMethodField(help_text="The donor's handle; null when anonymous to you.")
    quantity = serializers.DecimalField(**QUANTITY, read_only=True)
    received = serializers.DecimalField(**QUANTITY, read_only=True)

    class Meta:
        model = Pledge
        fields = [
            "id",
            "project",
            "need",
            "donor",
            "quantity",
            "received",
            "status",
            "visibility",
            "channel",
            "message",
            "cancellation_reason",
            "created_at",
        ]

    def get_donor(self, pledge) -> str | None:
        return _shown_donor(self, pledge)


class SupporterSerializer(serializers.ModelSerializer):
    """A standing pledge as anyone sees it on the project's page."""

    donor = serializers.SerializerMethodField(help_text="The donor's handle; null when the pledge is anonymous.")
    anonymous = serializers.BooleanField(source="is_anonymous", read_only=True)
    need = NeedBriefSerializer(read_only=True)
    quantity = serializers.DecimalField(**QUANTITY, read_only=True)

    class Meta:
        model = Pledge
        fields = ["id", "donor", "anonymous", "need", "quantity", "status", "message", "created_at"]

    def get_donor(self, pledge) -> str | None:
        return _shown_donor(self, pledge)


class PledgeWriteSerializer(serializers.Serializer):
    need = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="The need's id.")
    quantity = serializers.DecimalField(
        **QUANTITY, help_text="An amount in the project's currency, or a number of units."
    )
    channel = serializers.ChoiceField(choices=Pledge.Channel.choices)
    visibility = serializers.ChoiceField(choices=Pledge.Visibility.choices, default=Pledge.Visibility.PUBLIC)
    message = serializers.CharField(max_length=280, required=False, allow_blank=True, default="")


class CheckoutSerializer(serializers.Serializer):
    checkout_url = serializers.URLField(help_text="Stripe's payment page for this pledge; send the donor there.")


class PledgeCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default="", help_text="Required from a lead."
    )
