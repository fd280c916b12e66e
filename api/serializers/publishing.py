"""What projects publish: updates, milestones and expenses, with their photos and scans."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers.decimals import QUANTITY
from api.serializers.links import absolute_url, file_url
from api.serializers.needs import NeedBriefSerializer
from publishing.models import Expense, Milestone, Update


class PhotoSerializer(serializers.Serializer):
    url = serializers.SerializerMethodField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    caption = serializers.CharField(allow_blank=True)

    def get_url(self, photo) -> str:
        return file_url(self.context.get("request"), photo.image)


class UpdateSerializer(serializers.ModelSerializer):
    """A published update. Who may read a supporters-only one is the views' question (the rules)."""

    author = serializers.CharField(
        source="author.public_handle",
        read_only=True,
        allow_null=True,
        help_text="The lead's handle; null once they deleted their account.",
    )
    body = serializers.CharField(read_only=True, help_text="Markdown, as the lead wrote it.")
    body_html = serializers.SerializerMethodField(help_text="The text rendered and sanitised.")
    photos = PhotoSerializer(many=True, read_only=True)
    page_url = serializers.SerializerMethodField()

    class Meta:
        model = Update
        fields = ["id", "title", "body", "body_html", "audience", "author", "published_at", "photos", "page_url"]

    def get_body_html(self, update) -> str:
        return str(update.body_html)

    def get_page_url(self, update) -> str:
        path = reverse("publishing:update", args=[update.project.slug, update.pk])
        return absolute_url(self.context.get("request"), path)


class MilestoneSerializer(serializers.ModelSerializer):
    photos = PhotoSerializer(many=True, read_only=True, help_text="Evidence photos.")

    class Meta:
        model = Milestone
        fields = [
            "id",
            "position",
            "title",
            "description",
            "target_date",
            "status",
            "done_on",
            "evidence_note",
            "photos",
        ]


class ExpenseSerializer(serializers.ModelSerializer):
    amount = serializers.DecimalField(**QUANTITY, read_only=True, help_text="Negative for a correction.")
    need = NeedBriefSerializer(read_only=True, allow_null=True)
    scan = serializers.SerializerMethodField(help_text="The supplier's receipt (image or PDF), if any.")
    reverses = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The expense this entry corrects."
    )

    class Meta:
        model = Expense
        fields = [
            "id",
            "description",
            "supplier",
            "amount",
            "currency",
            "spent_on",
            "need",
            "scan",
            "reverses",
            "recorded_at",
        ]

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_scan(self, expense):
        return file_url(self.context.get("request"), expense.scan)
