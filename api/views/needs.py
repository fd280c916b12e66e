"""Needs: the list, one with its progress, and a lead adding, correcting or closing one."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.filters import NeedFilter, SelectorFilterBackend, cleaned_filters
from api.serializers.needs import NeedSerializer, NeedUpdateSerializer, NeedWriteSerializer
from api.views.lookups import ID_PATTERN, as_id
from donations import selectors as donation_selectors
from donations import services as donation_services
from donations.models import Need
from projects.page_access import shown_project, visible_project


class NeedViewSet(viewsets.GenericViewSet):
    queryset = Need.objects.all()
    filter_backends = [SelectorFilterBackend]
    filtersets = {"list": NeedFilter}
    lookup_value_regex = ID_PATTERN

    def get_serializer_class(self):
        return {
            "create": NeedWriteSerializer,
            "partial_update": NeedUpdateSerializer,
        }.get(self.action, NeedSerializer)

    def _need(self, request, pk):
        """The need if its project is visible to the viewer (its project with leads), or 404."""
        need = get_object_or_404(Need.objects.select_related("project", "project__community"), pk=as_id(pk))
        shown_project(request.user, need.project)
        return need

    def _need_response(self, need_id, status_code=status.HTTP_200_OK):
        # Who sees the need is who sees its project's detail (checked by _need or visible_project),
        # not the lists' rule: a moderator sees a draft of their community, not in lists.
        need = donation_selectors.need_detail(need_id=need_id)
        return Response(NeedSerializer(need).data, status=status_code)

    def list(self, request):
        filters = cleaned_filters(NeedFilter, request)
        needs = donation_selectors.needs_visible_to(
            viewer=request.user,
            project_slug=filters.get("project"),
            kind=filters.get("kind"),
            status=filters.get("status"),
        )
        page = self.paginate_queryset(needs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk):
        self._need(request, pk)
        return self._need_response(as_id(pk))

    @extend_schema(responses={201: NeedSerializer})
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        project = visible_project(request, data.pop("project"))
        need = donation_services.need_create(project=project, actor=request.user, **data)
        return self._need_response(need.pk, status.HTTP_201_CREATED)

    @extend_schema(responses=NeedSerializer)
    def partial_update(self, request, pk):
        """Correct a need nobody has pledged on yet; omitted fields keep their value."""
        need = self._need(request, pk)
        serializer = self.get_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        current = {
            "kind": need.kind,
            "label": need.label,
            "unit": need.unit,
            "unit_plural": need.unit_plural,
            "target_quantity": need.target_quantity,
            "estimated_unit_value": need.estimated_unit_value,
            "whole_units": need.whole_units,
        }
        donation_services.need_update(need=need, actor=request.user, **{**current, **serializer.validated_data})
        return self._need_response(need.pk)

    @extend_schema(request=None, responses=NeedSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk):
        """Stop the need from taking pledges; what was pledged and received stays."""
        need = self._need(request, pk)
        donation_services.need_close(need=need, actor=request.user)
        return self._need_response(need.pk)
