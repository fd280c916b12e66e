"""Members: a public profile (handle, projects led, public pledges; never an email) and the
logged-in member's own account."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Member
from api.serializers.decimals import QUANTITY
from api.serializers.needs import NeedBriefSerializer
from api.serializers.projects import ProjectBriefSerializer
from donations.models import Pledge


class PublicPledgeSerializer(serializers.ModelSerializer):
    project = ProjectBriefSerializer(source="need.project", read_only=True)
    need = NeedBriefSerializer(read_only=True)
    quantity = serializers.DecimalField(**QUANTITY, read_only=True)

    class Meta:
        model = Pledge
        fields = ["id", "project", "need", "quantity", "status", "created_at"]


class MemberSerializer(serializers.ModelSerializer):
    """A member as anyone sees them: the handle, never the email."""

    member_since = serializers.DateTimeField(source="date_joined", read_only=True)
    projects_led = serializers.SerializerMethodField()
    public_pledges = serializers.SerializerMethodField()

    class Meta:
        model = Member
        fields = ["handle", "member_since", "projects_led", "public_pledges"]

    @extend_schema_field(ProjectBriefSerializer(many=True))
    def get_projects_led(self, member):
        return ProjectBriefSerializer(self.context["projects_led"], many=True).data

    @extend_schema_field(PublicPledgeSerializer(many=True))
    def get_public_pledges(self, member):
        return PublicPledgeSerializer(self.context["public_pledges"], many=True).data


class MeSerializer(serializers.ModelSerializer):
    """The logged-in member's own account: the only response that carries an email, theirs."""

    member_since = serializers.DateTimeField(source="date_joined", read_only=True)

    class Meta:
        model = Member
        fields = ["handle", "email", "member_since", "language"]
        read_only_fields = ["handle", "email"]
