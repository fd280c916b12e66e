"""How to give to a project: read by the project's leads and by those who pledged to it (by
anyone when the leads made it public), set by its leads."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotAuthenticated, PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from api.serializers.giving import GivingSerializer
from api.throttling import MemberThrottle
from donations import services as donation_services
from donations.giving import project_giving, shown_giving
from projects.page_access import visible_project


class ProjectGivingView(APIView):
    throttle_classes = [MemberThrottle]

    @extend_schema(responses=GivingSerializer, summary="How to give: bank, mobile money, cash, collection points.")
    def get(self, request, slug):
        """The project's leads and those who pledged to it see these details; everyone when the
        leads made them public. Never in feeds or cards."""
        project = visible_project(request, slug)
        giving = shown_giving(project=project, viewer=request.user)
        if giving is None:
            if not request.user.is_authenticated:
                raise NotAuthenticated(_("Log in and pledge to see where to send your gift."))
            raise PermissionDenied(_("Pledge to this project to see where to send your gift."))
        return Response(GivingSerializer(giving).data)

    @extend_schema(request=GivingSerializer, responses=GivingSerializer, summary="Set how to give (leads).")
    def put(self, request, slug):
        """Replace the details as a whole: the lists replace the numbers and points there were."""
        if not request.user.is_authenticated:
            raise NotAuthenticated()
        project = visible_project(request, slug)
        serializer = GivingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        mobile_money = [dict(entry) for entry in data.pop("mobile_money", [])]
        collection_points = [dict(entry) for entry in data.pop("collection_points", [])]
        donation_services.giving_details_set(
            project=project,
            actor=request.user,
            details=data,
            mobile_money=mobile_money,
            collection_points=collection_points,
        )
        return Response(GivingSerializer(project_giving(project=project)).data)
