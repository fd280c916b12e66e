"""A project's team in the API: its open co-lead invitations, and a member's own invitations."""

from rest_framework import serializers

from projects.limits import INVITATION_HANDLE_MAX
from projects.models import LeadInvitation


class InvitationSerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    project_title = serializers.CharField(source="project.title", read_only=True)
    member = serializers.CharField(source="member.handle", read_only=True)
    invited_by = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()

    class Meta:
        model = LeadInvitation
        fields = ["id", "project", "project_title", "member", "invited_by", "status", "created_at", "expires_at"]

    def get_invited_by(self, invitation) -> str | None:
        return invitation.invited_by.public_handle if invitation.invited_by else None

    def get_status(self, invitation) -> str:
        """pending, accepted, declined, withdrawn or expired (a pending one past its date)."""
        return invitation.shown_status.value


class InviteSerializer(serializers.Serializer):
    handle = serializers.CharField(max_length=INVITATION_HANDLE_MAX, help_text="Handle, with or without @.")


class TeamSerializer(serializers.Serializer):
    leads = serializers.ListField(child=serializers.CharField(), help_text="The leads' handles.")
    invitations = InvitationSerializer(many=True, help_text="The open invitations, newest first.")
