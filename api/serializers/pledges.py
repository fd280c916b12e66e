"""Pledges: in full (for their donor and the project's dashboard), as supporters on a project's
page, and the input to make, pay or withdraw one."""

from django.contrib.auth.models import AnonymousUser
from rest_framework import serializers

from api.serializers.decimals import QUANTITY
from api.serializers.needs import NeedBriefSerializer
from api.serializers.numbers import DecimalNumberField, IntegerNumberField
from api.serializers.projects import ProjectBriefSerializer
from donations.limits import PLEDGE_CANCELLATION_REASON_MAX, PLEDGE_MESSAGE_MAX
from donations.models import Pledge


def _viewer(serializer):
    request = serializer.context.get("request")
    return request.user if request is not None else AnonymousUser()


def _shown_donor(serializer, pledge):
    donor = pledge.donor_shown_to(_viewer(serializer))
    return donor.handle if donor is not None else None


class PledgeSerializer(serializers.ModelSerializer):
    """A pledge in full, for its donor and the project's dashboard (leads, moderators)."""

    project = ProjectBriefSerializer(source="need.project", read_only=True)
    need = NeedBriefSerializer(read_only=True)
    donor = serializers.SerializerMethodField(help_text="The donor's handle; null when anonymous to you.")
    quantity = serializers.DecimalField(**QUANTITY, read_only=True)
    received = serializers.DecimalField(**QUANTITY, read_only=True)
    message = serializers.SerializerMethodField(help_text="Empty while hidden by moderation, except to its donor.")
    message_hidden = serializers.BooleanField(
        source="message_is_hidden", read_only=True, help_text="Hidden from the public by moderation."
    )
    message_hidden_reason = serializers.SerializerMethodField(help_text="Why it is hidden (to its donor only).")
    reference = serializers.CharField(
        read_only=True, help_text="What the donor quotes on a transfer (TWZ-…); the leads search by it."
    )

    class Meta:
        model = Pledge
        fields = [
            "id",
            "reference",
            "project",
            "need",
            "donor",
            "quantity",
            "received",
            "status",
            "visibility",
            "channel",
            "message",
            "message_hidden",
            "message_hidden_reason",
            "cancellation_reason",
            "created_at",
        ]

    def get_donor(self, pledge) -> str | None:
        return _shown_donor(self, pledge)

    def get_message(self, pledge) -> str:
        return pledge.message_shown_to(_viewer(self))

    def get_message_hidden_reason(self, pledge) -> str:
        viewer = _viewer(self)
        return pledge.message_hidden_reason if viewer.is_authenticated and viewer.pk == pledge.donor_id else ""


class SupporterSerializer(serializers.ModelSerializer):
    """A standing pledge as anyone sees it on the project's page."""

    donor = serializers.SerializerMethodField(help_text="The donor's handle; null when the pledge is anonymous.")
    anonymous = serializers.SerializerMethodField(help_text="Shown as anonymous (to others, if you see the donor).")
    need = NeedBriefSerializer(read_only=True)
    quantity = serializers.DecimalField(**QUANTITY, read_only=True)
    message = serializers.CharField(source="public_message", read_only=True, help_text="Empty while hidden.")

    class Meta:
        model = Pledge
        fields = ["id", "donor", "anonymous", "need", "quantity", "status", "message", "created_at"]

    def get_donor(self, pledge) -> str | None:
        return _shown_donor(self, pledge)

    def get_anonymous(self, pledge) -> bool:
        # A donor whose profile moderation hid shows as anonymous, like an anonymous pledge.
        return pledge.is_anonymous or pledge.donor.profile_hidden_at is not None


class PledgeWriteSerializer(serializers.Serializer):
    need = IntegerNumberField(min_value=1, max_value=2**63 - 1, help_text="The need's id.")
    quantity = DecimalNumberField(**QUANTITY, help_text="An amount in the project's currency, or a number of units.")
    channel = serializers.ChoiceField(choices=Pledge.Channel.choices)
    visibility = serializers.ChoiceField(choices=Pledge.Visibility.choices, default=Pledge.Visibility.PUBLIC)
    message = serializers.CharField(max_length=PLEDGE_MESSAGE_MAX, required=False, allow_blank=True, default="")


class CheckoutSerializer(serializers.Serializer):
    checkout_url = serializers.URLField(help_text="Stripe's payment page for this pledge; send the donor there.")


class PledgeCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=PLEDGE_CANCELLATION_REASON_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required from a lead.",
    )
