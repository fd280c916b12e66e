"""Members: a member's public profile, and the logged-in member's own account."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors as member_selectors
from accounts import services as account_services
from accounts.models import Member
from accounts.permissions import can_view_profile
from api.serializers.members import MemberSerializer, MeSerializer
from donations import selectors as donation_selectors


class MemberViewSet(viewsets.GenericViewSet):
    queryset = Member.objects.none()
    lookup_field = "handle"
    lookup_value_regex = r"[A-Za-z0-9_]+"
    serializer_class = MemberSerializer

    def retrieve(self, request, handle):
        """A member's public profile: handle, projects led, public pledges. Never an email. A
        profile hidden by moderation is a 404, except to the member and superusers."""
        try:
            member = member_selectors.member_by_handle(handle=handle)
        except Member.DoesNotExist:
            raise Http404 from None
        if not can_view_profile(request.user, member):
            raise Http404
        context = {
            **self.get_serializer_context(),
            "projects_led": list(donation_selectors.member_led_projects(member=member, viewer=request.user)),
            "public_pledges": donation_selectors.member_public_pledges(member=member),
        }
        return Response(MemberSerializer(member, context=context).data)


class MeView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        """Your own account (the only response with an email: yours)."""
        return Response(MeSerializer(request.user).data)

    @extend_schema(request=MeSerializer, responses=MeSerializer)
    def patch(self, request):
        """Change your language (fr, en or ar): the API's messages when a request sends no
        Accept-Language, your pages when logged in, and every email you get."""
        serializer = MeSerializer(request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        if "language" in serializer.validated_data:
            account_services.member_language_set(member=request.user, language=serializer.validated_data["language"])
        return Response(MeSerializer(request.user).data)
