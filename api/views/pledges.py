"""Pledges: the donor's own list, one in full, making one (throttled), paying it by card
(Stripe's page) and withdrawing it."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from api.filters import MyPledgeFilter, SelectorFilterBackend, cleaned_filters
from api.pagination import CursorPagination
from api.schema import ErrorSerializer
from api.serializers.pledges import (
    CheckoutSerializer,
    PledgeCancelSerializer,
    PledgeSerializer,
    PledgeWriteSerializer,
)
from api.throttling import PledgeThrottle
from api.views.lookups import ID_PATTERN, as_id
from donations import selectors as donation_selectors
from donations import services as donation_services
from donations.models import Need, Pledge
from donations.permissions import pledges_visible_filter
from payments.checkout import checkout_start
from payments.permissions import can_pay_pledge
from projects import permissions as rules


@extend_schema_view(list=extend_schema(summary="My pledges, anonymous ones included."))
class PledgeViewSet(viewsets.GenericViewSet):
    queryset = Pledge.objects.all()
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = CursorPagination
    filter_backends = [SelectorFilterBackend]
    filtersets = {"list": MyPledgeFilter}
    lookup_value_regex = ID_PATTERN

    def get_serializer_class(self):
        return {
            "create": PledgeWriteSerializer,
            "cancel": PledgeCancelSerializer,
        }.get(self.action, PledgeSerializer)

    def get_throttles(self):
        throttles = super().get_throttles()
        if self.action == "create":
            throttles.append(PledgeThrottle())
        return throttles

    def _visible_pledge(self, request, pk):
        """The pledge, with what arrived, if the viewer may see it in full (else 404)."""
        pledges = donation_selectors.pledges_visible(visible_filter=pledges_visible_filter(request.user))
        return get_object_or_404(pledges.prefetch_related("need__project__leads"), pk=as_id(pk))

    def _pledge_response(self, pk, status_code=status.HTTP_200_OK):
        """The pledge as it is now (read again after a service changed it)."""
        pledge = self._visible_pledge(self.request, pk)
        return Response(PledgeSerializer(pledge, context=self.get_serializer_context()).data, status=status_code)

    def list(self, request):
        filters = cleaned_filters(MyPledgeFilter, request)
        pledges = donation_selectors.donor_pledges(donor=request.user)
        if filters.get("project"):
            pledges = pledges.filter(need__project__slug=filters["project"])
        if filters.get("status"):
            pledges = pledges.filter(status=filters["status"])
        page = self.paginate_queryset(pledges)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk):
        return self._pledge_response(pk)

    @extend_schema(responses={201: PledgeSerializer})
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        try:
            need = Need.objects.select_related("project", "project__community").get(pk=data.pop("need"))
        except Need.DoesNotExist:
            need = None
        if need is None or not rules.can_view_project(request.user, need.project):
            raise ValidationError({"need": [_("No such need, or its project is not visible to you.")]})
        pledge = donation_services.pledge_create(donor=request.user, need=need, **data)
        return self._pledge_response(pledge.pk, status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={
            200: CheckoutSerializer,
            503: OpenApiResponse(ErrorSerializer, "Stripe is out of reach or card payments are off: try later."),
        },
    )
    @action(detail=True, methods=["post"])
    def checkout(self, request, pk):
        """For your card pledge: the address of Stripe's payment page. The pledge counts as paid only
        when Stripe confirms the payment (its webhook), never because a client says so."""
        pledge = self._visible_pledge(request, pk)
        if not can_pay_pledge(request.user, pledge):
            self.permission_denied(request, message=_("Only the donor pays their pledge."))
        if pledge.channel != Pledge.Channel.CARD:
            raise ValidationError({"pledge": [_("This pledge is not paid by card.")]})
        site = request.build_absolute_uri
        checkout_url = checkout_start(
            pledge=pledge,
            actor=request.user,
            success_url=site(reverse("payments:card_return", args=[pledge.pk])),
            cancel_url=site(reverse("payments:card_pay", args=[pledge.pk])) + "?cancelled=1",
        )
        return Response({"checkout_url": checkout_url})

    @extend_schema(responses=PledgeSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk):
        """Withdraw the pledge: the donor before anything arrived, a lead with a reason."""
        pledge = self._visible_pledge(request, pk)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        donation_services.pledge_cancel(pledge=pledge, actor=request.user, reason=serializer.validated_data["reason"])
        return self._pledge_response(pk)
