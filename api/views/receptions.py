"""Receptions: what arrived on the pledges the viewer may see in full, and a lead recording it."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from api.filters import ReceptionFilter, SelectorFilterBackend, cleaned_filters
from api.pagination import ReceptionCursorPagination
from api.serializers.receptions import ReceptionSerializer, ReceptionWriteSerializer
from api.views.lookups import ID_PATTERN, as_id
from donations import selectors as donation_selectors
from donations import services as donation_services
from donations.models import Pledge, Reception
from donations.permissions import pledges_visible_filter


class ReceptionViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Reception.objects.all()
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = ReceptionCursorPagination
    filter_backends = [SelectorFilterBackend]
    filtersets = {"list": ReceptionFilter}
    lookup_value_regex = ID_PATTERN

    def get_serializer_class(self):
        return ReceptionWriteSerializer if self.action == "create" else ReceptionSerializer

    def _receptions(self, request, **filters):
        return donation_selectors.receptions_visible(visible_filter=pledges_visible_filter(request.user), **filters)

    def list(self, request):
        """What arrived on the pledges you made, and on those of the projects you lead or review."""
        filters = cleaned_filters(ReceptionFilter, request)
        receptions = self._receptions(request, project_slug=filters.get("project"), pledge_id=filters.get("pledge"))
        page = self.paginate_queryset(receptions)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk):
        return Response(self.get_serializer(get_object_or_404(self._receptions(request), pk=as_id(pk))).data)

    @extend_schema(responses={201: ReceptionSerializer})
    def create(self, request):
        """Record what arrived for a pledge (the project's leads)."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        pledges = Pledge.objects.filter(pledges_visible_filter(request.user)).select_related("need__project")
        try:
            pledge = pledges.get(pk=data.pop("pledge"))
        except Pledge.DoesNotExist:
            raise ValidationError({"pledge": [_("No such pledge, or it is not visible to you.")]}) from None
        reception = donation_services.reception_record(pledge=pledge, actor=request.user, **data)
        reception = self._receptions(request).get(pk=reception.pk)
        return Response(ReceptionSerializer(reception).data, status=status.HTTP_201_CREATED)
