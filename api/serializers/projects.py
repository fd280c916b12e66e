"""Projects: in lists (with progress and needs), in full, in brief, and the input to propose,
edit or move one through its lifecycle."""

import re

from django.db import models
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers.communities import CommunityBriefSerializer
from api.serializers.decimals import PERCENT, QUANTITY
from api.serializers.links import absolute_url, api_url, file_url
from api.serializers.needs import NeedInProjectSerializer
from api.serializers.numbers import DecimalNumberField
from core.currencies import Currency
from projects.limits import TRANSITION_NOTE_MAX
from projects.models import Category, Community, Project

SLUG = re.compile(r"[-a-zA-Z0-9_]+")


class ProgressSerializer(serializers.Serializer):
    """A project's totals over its cash needs (in its currency), and the bar's two percentages."""

    cash_target = serializers.DecimalField(**QUANTITY)
    cash_pledged = serializers.DecimalField(**QUANTITY)
    cash_received = serializers.DecimalField(**QUANTITY)
    cash_missing = serializers.DecimalField(**QUANTITY)
    supporters = serializers.IntegerField()
    pledged_percent = serializers.DecimalField(**PERCENT)
    received_percent = serializers.DecimalField(**PERCENT)


class ProjectSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField()
    community = CommunityBriefSerializer(read_only=True)
    progress = serializers.SerializerMethodField()
    needs = NeedInProjectSerializer(many=True, read_only=True)

    class Meta:
        model = Project
        fields = [
            "slug",
            "url",
            "page_url",
            "title",
            "summary",
            "community",
            "category",
            "status",
            "currency",
            "village",
            "region",
            "country",
            "hashtag",
            "deadline",
            "created_at",
            "opened_at",
            "progress",
            "needs",
        ]

    def get_url(self, project) -> str:
        return api_url(self.context.get("request"), "project-detail", slug=project.slug)

    def get_page_url(self, project) -> str:
        return absolute_url(self.context.get("request"), project.get_absolute_url())

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, project):
        return ProgressSerializer(project).data


class ProjectDetailSerializer(ProjectSerializer):
    story_html = serializers.SerializerMethodField()
    cover_image = serializers.SerializerMethodField()
    leads = serializers.SerializerMethodField()

    class Meta(ProjectSerializer.Meta):
        fields = [
            *ProjectSerializer.Meta.fields,
            "story",
            "story_html",
            "cover_image",
            "latitude",
            "longitude",
            "cancellation_reason",
            "leads",
        ]

    def get_story_html(self, project) -> str:
        return str(project.story_html)

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_cover_image(self, project):
        return file_url(self.context.get("request"), project.cover_image)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_leads(self, project):
        return [lead.handle for lead in project.leads.all()]


class ProjectBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Project
        fields = ["slug", "title", "currency"]


class CommunitySlugField(serializers.SlugRelatedField):
    """A community by its slug. What cannot be a slug does not exist, and is never sent to the
    database (PostgreSQL refuses a NUL byte in a query)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        if not SLUG.fullmatch(data):
            self.fail("does_not_exist", slug_name=self.slug_field, value=data)
        return super().to_internal_value(data)


class ProjectWriteSerializer(serializers.ModelSerializer):
    """What a member gives to propose a project (a draft they will lead). Texts are bounded by the
    model's max_length (projects/limits.py), numbers read by DecimalNumberField."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DecimalField: DecimalNumberField,
    }
    community = CommunitySlugField(slug_field="slug", queryset=Community.objects.all())
    category = serializers.ChoiceField(choices=Category.choices)
    currency = serializers.ChoiceField(choices=Currency.choices)

    class Meta:
        model = Project
        fields = [
            "community",
            "title",
            "summary",
            "story",
            "category",
            "currency",
            "village",
            "region",
            "country",
            "latitude",
            "longitude",
            "deadline",
            "hashtag",
        ]


class ProjectUpdateSerializer(ProjectWriteSerializer):
    """What a lead may change (any subset). The community is fixed once proposed."""

    class Meta(ProjectWriteSerializer.Meta):
        fields = [name for name in ProjectWriteSerializer.Meta.fields if name != "community"]
        extra_kwargs = {name: {"required": False} for name in fields}

    def validate(self, attrs):
        # Leads are never set by a field: a member joins by accepting an invitation. Said rather
        # than ignored, so that a client does not believe it changed the team.
        if isinstance(self.initial_data, dict) and "leads" in self.initial_data:
            raise serializers.ValidationError(
                {"leads": _("Co-leads join by invitation: POST their handle to the project's invitations/.")}
            )
        return super().validate(attrs)


class TransitionSerializer(serializers.Serializer):
    to_status = serializers.ChoiceField(choices=Project.Status.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=TRANSITION_NOTE_MAX)
