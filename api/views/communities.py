"""Communities: the list, one in full, and joining one."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.serializers.communities import CommunityDetailSerializer, CommunitySerializer, MembershipSerializer
from api.views.lookups import SLUG_PATTERN
from projects import selectors as project_selectors
from projects import services as project_services
from projects.models import Community


class CommunityViewSet(viewsets.GenericViewSet):
    queryset = Community.objects.all()
    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN
    serializer_class = CommunitySerializer

    def list(self, request):
        page = self.paginate_queryset(project_selectors.community_list())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(responses=CommunityDetailSerializer)
    def retrieve(self, request, slug):
        try:
            community = project_selectors.community_detail(slug=slug, viewer=request.user)
        except Community.DoesNotExist:
            raise Http404 from None
        return Response(CommunityDetailSerializer(community).data)

    @extend_schema(request=None, responses=MembershipSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def join(self, request, slug):
        community = get_object_or_404(Community, slug=slug)
        membership = project_services.community_join(community=community, member=request.user)
        return Response({"community": community.slug, "role": membership.role})
