"""Communities: in lists, in full (with moderators and the viewer's role), and a membership."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from projects.models import Community


class CommunityBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Community
        fields = ["slug", "name", "hashtag"]


class CommunitySerializer(serializers.ModelSerializer):
    member_count = serializers.IntegerField(read_only=True)
    project_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Community
        fields = ["slug", "name", "hashtag", "description", "member_count", "project_count", "created_at"]


class CommunityDetailSerializer(CommunitySerializer):
    moderators = serializers.SerializerMethodField()
    viewer_role = serializers.CharField(read_only=True, allow_null=True, help_text="Your role here, if a member.")

    class Meta(CommunitySerializer.Meta):
        fields = ["slug", "name", "hashtag", "description", "member_count", "created_at", "moderators", "viewer_role"]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_moderators(self, community):
        return [membership.member.handle for membership in community.moderator_memberships]


class MembershipSerializer(serializers.Serializer):
    community = serializers.SlugField()
    role = serializers.ChoiceField(choices=["member", "moderator"])
