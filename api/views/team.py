"""A project's team: its leads invite co-leads by handle, withdraw an invitation, remove a lead or
step down; the invited member accepts or declines. The rules are projects/services.py's."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors as member_selectors
from accounts.models import Member
from api.serializers.team import InvitationSerializer, InviteSerializer, TeamSerializer
from api.throttling import InvitationThrottle, MemberThrottle
from projects import permissions as project_permissions
from projects import selectors, services
from projects.models import LeadInvitation
from projects.page_access import visible_project


def _team_project(request, slug, may=project_permissions.can_view_dashboard):
    project = visible_project(request, slug)
    if not may(request.user, project):
        raise PermissionDenied()
    return project


class ProjectTeamView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    def get_throttles(self):
        # Each invitation sent counts against the member's budget, shared with the team page.
        if self.request.method == "POST":
            return [MemberThrottle(), InvitationThrottle()]
        return [MemberThrottle()]

    @extend_schema(responses=TeamSerializer, summary="The team: leads and open invitations (leads, moderators).")
    def get(self, request, slug):
        project = _team_project(request, slug)
        team = selectors.project_team(project=project)
        return Response(
            {
                "leads": [lead.handle for lead in team["leads"]],
                "invitations": InvitationSerializer(team["invitations"], many=True).data,
            }
        )

    @extend_schema(request=InviteSerializer, responses={201: InvitationSerializer}, summary="Invite a co-lead.")
    def post(self, request, slug):
        """Invite a member by handle. They accept or decline; the invitation lapses after 14 days."""
        project = _team_project(request, slug, may=project_permissions.can_manage_team)
        serializer = InviteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = services.lead_invitation_create(
            project=project, actor=request.user, handle=serializer.validated_data["handle"]
        )
        return Response(InvitationSerializer(invitation).data, status=status.HTTP_201_CREATED)


class ProjectInvitationView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [MemberThrottle]

    @extend_schema(responses={204: None}, summary="Withdraw an invitation not yet answered.")
    def delete(self, request, slug, invitation_id):
        project = _team_project(request, slug, may=project_permissions.can_manage_team)
        invitation = get_object_or_404(LeadInvitation, pk=invitation_id, project=project)
        services.lead_invitation_withdraw(invitation=invitation, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProjectLeadView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [MemberThrottle]

    @extend_schema(responses={204: None}, summary="Remove a lead, or step down (your own handle).")
    def delete(self, request, slug, handle):
        """Never the last lead: a project always keeps one (409, code last_lead)."""
        project = _team_project(request, slug)
        try:
            lead = member_selectors.member_by_handle(handle=handle)
        except Member.DoesNotExist:
            raise Http404 from None
        services.project_remove_lead(project=project, actor=request.user, member=lead)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MyInvitationsView(APIView):
    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [MemberThrottle]

    @extend_schema(responses=InvitationSerializer(many=True), summary="Your invitations waiting for an answer.")
    def get(self, request):
        invitations = selectors.member_open_invitations(member=request.user)
        return Response(InvitationSerializer(invitations, many=True).data)


class MyInvitationAnswerView(APIView):
    """Accept or decline one of your invitations. Another member's invitation is a 404."""

    permission_classes = [permissions.IsAuthenticated]
    throttle_classes = [MemberThrottle]
    answer = None

    @extend_schema(request=None, responses=InvitationSerializer, summary="Answer an invitation.")
    def post(self, request, invitation_id):
        invitation = get_object_or_404(LeadInvitation.objects.select_related("project"), pk=invitation_id)
        if not project_permissions.can_answer_invitation(request.user, invitation):
            raise Http404
        answering = services.lead_invitation_accept if self.answer == "accept" else services.lead_invitation_decline
        invitation = answering(invitation=invitation, actor=request.user)
        return Response(InvitationSerializer(invitation).data)
