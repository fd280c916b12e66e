"""The REST API's endpoints. Thin: check the input's shape, call one selector or service, serialize.

Who may do what is asked of projects/permissions.py (directly, or through the services, which
raise NotAllowed): nothing is decided here that the pages decide elsewhere. A project the viewer
may not see answers 404, as on the pages; an action they may not take answers 403.
"""

from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors as member_selectors
from accounts.models import Member
from api import serializers
from api.filters import (
    MAX_ID,
    LeadPledgeFilter,
    MyPledgeFilter,
    NeedFilter,
    ProjectFilter,
    ReceptionFilter,
    SelectorFilterBackend,
    cleaned_filters,
)
from api.pagination import CursorPagination, ReceptionCursorPagination, UpdateCursorPagination
from api.response_cache import cached_json
from api.schema import ErrorSerializer
from api.throttling import PledgeThrottle
from core import cache_versions
from donations import progress
from donations import selectors as donation_selectors
from donations import services as donation_services
from donations.models import Need, Pledge, Reception
from donations.permissions import pledges_visible_filter
from payments.checkout import checkout_start
from payments.permissions import can_pay_pledge
from projects import permissions as rules
from projects import selectors as project_selectors
from projects import services as project_services
from projects.models import Community, Project
from publishing import selectors as publishing_selectors
from publishing.expenses import project_expenses
from publishing.permissions import can_read_supporters_only
from receipts import selectors as receipt_selectors
from receipts.delivery import receipt_pdf_file
from receipts.models import Receipt
from receipts.permissions import can_download_receipt
from receipts.selectors import receipt_public_view

SLUG_PATTERN = r"[-a-zA-Z0-9_]+"


def _as_id(value):
    """A URL's id as an int, or 404 (ids beyond the database's range included)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    if not 0 < number <= MAX_ID:
        raise Http404
    return number


def _visible_project(request, slug, queryset=None):
    """The project with this slug if the viewer may see it (with its community and leads), or 404."""
    queryset = queryset if queryset is not None else Project.objects.select_related("community")
    try:
        project = queryset.prefetch_related("leads").get(slug=slug)
    except Project.DoesNotExist:
        raise Http404 from None
    if not rules.can_view_project(request.user, project):
        raise Http404
    return project


def _list_scope(viewer):
    """Who gets the same project list: everyone who may see exactly the public projects."""
    if not viewer.is_authenticated:
        return "public"
    if not Project.objects.visible_to(viewer).exclude(status__in=Project.PUBLIC_STATUSES).exists():
        return "public"
    return None  # this member also sees drafts or proposals: their list is their own


# Communities ---------------------------------------------------------------------------------


class CommunityViewSet(viewsets.GenericViewSet):
    queryset = Community.objects.all()
    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN
    serializer_class = serializers.CommunitySerializer

    def list(self, request):
        page = self.paginate_queryset(project_selectors.community_list())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(responses=serializers.CommunityDetailSerializer)
    def retrieve(self, request, slug):
        try:
            community = project_selectors.community_detail(slug=slug, viewer=request.user)
        except Community.DoesNotExist:
            raise Http404 from None
        return Response(serializers.CommunityDetailSerializer(community).data)

    @extend_schema(request=None, responses=serializers.MembershipSerializer)
    @action(detail=True, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def join(self, request, slug):
        try:
            community = Community.objects.get(slug=slug)
        except Community.DoesNotExist:
            raise Http404 from None
        membership = project_services.community_join(community=community, member=request.user)
        return Response({"community": community.slug, "role": membership.role})


# Projects ------------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Projects, with progress and needs, filtered and ordered."),
    retrieve=extend_schema(summary="One project, with its needs and their progress."),
)
class ProjectViewSet(viewsets.GenericViewSet):
    queryset = Project.objects.all()
    # Served through api/response_cache.py (which also counts their throttle).
    cached_actions = ("list", "retrieve", "updates", "milestones", "expenses")
    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN
    filter_backends = [SelectorFilterBackend]

    @property
    def filterset_class(self):
        return {"list": ProjectFilter, "pledges": LeadPledgeFilter}.get(self.action)

    def get_serializer_class(self):
        return {
            "list": serializers.ProjectSerializer,
            "create": serializers.ProjectWriteSerializer,
            "partial_update": serializers.ProjectUpdateSerializer,
            "transition": serializers.TransitionSerializer,
            "supporters": serializers.SupporterSerializer,
            "pledges": serializers.PledgeSerializer,
            "updates": serializers.UpdateSerializer,
            "milestones": serializers.MilestoneSerializer,
            "expenses": serializers.ExpenseSerializer,
        }.get(self.action, serializers.ProjectDetailSerializer)

    def _detail_response(self, slug, status_code=status.HTTP_200_OK):
        project = publishing_selectors.project_detail(slug=slug)
        context = self.get_serializer_context()
        return Response(serializers.ProjectDetailSerializer(project, context=context).data, status=status_code)

    def list(self, request):
        def build():
            filters = cleaned_filters(ProjectFilter, request)
            ordering = filters.pop("ordering", "newest")
            projects = donation_selectors.project_list(viewer=request.user, filters=filters, sort=ordering)
            page = self.paginate_queryset(progress.with_needs(projects))
            return self.get_paginated_response(self.get_serializer(page, many=True).data)

        return cached_json(
            request, version_keys=[cache_versions.PROJECT_LIST], scope=_list_scope(request.user), build=build
        )

    def retrieve(self, request, slug):
        def build():
            try:
                project = publishing_selectors.project_detail(slug=slug)
            except Project.DoesNotExist:
                raise Http404 from None
            if not rules.can_view_project(request.user, project):
                raise Http404
            return Response(self.get_serializer(project).data)

        # A project's detail is the same for everyone who may see it. Only public projects' are
        # kept, so what the cache serves needs no permission check: a project stops being public
        # only through a transition, which changes its version.
        return cached_json(
            request,
            version_keys=[cache_versions.project_key(slug), cache_versions.COMMUNITIES],
            scope="public",
            build=build,
            keep=lambda data: data["status"] in Project.PUBLIC_STATUSES,
        )

    @extend_schema(responses={201: serializers.ProjectDetailSerializer})
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        project = project_services.project_create_draft(creator=request.user, **serializer.validated_data)
        return self._detail_response(project.slug, status.HTTP_201_CREATED)

    @extend_schema(responses=serializers.ProjectDetailSerializer)
    def partial_update(self, request, slug):
        project = _visible_project(request, slug)
        serializer = self.get_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        project_services.project_update(project=project, actor=request.user, **serializer.validated_data)
        return self._detail_response(slug)

    @extend_schema(responses=serializers.ProjectDetailSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, slug):
        """Move the project through its lifecycle (submit, open, close, complete, cancel with a note)."""
        project = _visible_project(request, slug)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        project_services.project_transition(project=project, actor=request.user, **serializer.validated_data)
        return self._detail_response(slug)

    @extend_schema(responses=serializers.SupporterSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=CursorPagination)
    def supporters(self, request, slug):
        """The project's standing pledges as anyone sees them (anonymous donors without a handle)."""
        project = _visible_project(request, slug)
        page = self.paginate_queryset(donation_selectors.project_supporters_queryset(project=project))
        for pledge in page:
            # The project holds its prefetched leads: "may this viewer see anonymous donors?" costs no query.
            pledge.need.project = project
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(responses=serializers.PledgeSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=CursorPagination)
    def pledges(self, request, slug):
        """The lead's list of the project's pledges, with donors and what arrived (leads and moderators)."""
        project = _visible_project(request, slug)
        if not request.user.is_authenticated:
            self.permission_denied(request)
        if not rules.can_view_dashboard(request.user, project):
            self.permission_denied(request)
        filters = cleaned_filters(LeadPledgeFilter, request)
        pledges = donation_selectors.project_pledges_for_leads(
            project=project, status=filters.get("status"), need_id=filters.get("need"), channel=filters.get("channel")
        )
        page = self.paginate_queryset(pledges)
        for pledge in page:
            pledge.need.project = project
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def _published_list(self, request, slug, rows, *, scope, project=None):
        """A page of what the project publishes, kept in the shared cache for `scope` (None: not
        kept). Only a public project's page is kept: a draft's is its leads' and moderators'."""
        public = []

        def build():
            nonlocal project
            project = project or _visible_project(request, slug)
            public.append(project.status in Project.PUBLIC_STATUSES)
            page = self.paginate_queryset(rows(project))
            for row in page:
                row.project = project  # the page URLs need the slug: no query per row
            return self.get_paginated_response(self.get_serializer(page, many=True).data)

        return cached_json(
            request,
            version_keys=[cache_versions.project_key(slug)],
            scope=scope,
            build=build,
            keep=lambda data: public == [True],
        )

    @extend_schema(responses=serializers.UpdateSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=UpdateCursorPagination)
    def updates(self, request, slug):
        """The project's published updates, newest first. Those for supporters only are listed to
        its supporters, leads and the community's moderators, to nobody else."""
        project, readers = None, False
        if request.user.is_authenticated:
            project = _visible_project(request, slug)
            readers = can_read_supporters_only(request.user, project)
        # Those who may read supporters-only updates get a response of their own, never kept in
        # the shared cache; everybody else gets the public updates, the same for all of them.
        return self._published_list(
            request,
            slug,
            lambda project: publishing_selectors.project_published_updates(
                project=project, include_supporters_only=readers
            ),
            scope=None if readers else "public",
            project=project,
        )

    @extend_schema(responses=serializers.MilestoneSerializer(many=True))
    @action(detail=True, methods=["get"])
    def milestones(self, request, slug):
        """The project's milestones in their order, with their evidence photos."""
        return self._published_list(
            request,
            slug,
            lambda project: publishing_selectors.project_milestones_with_photos(project=project),
            scope="public",
        )

    @extend_schema(responses=serializers.ExpenseSerializer(many=True))
    @action(detail=True, methods=["get"])
    def expenses(self, request, slug):
        """What was spent from what was collected, newest first, corrections included (a
        correction is a negative entry that names the expense it reverses)."""
        return self._published_list(
            request, slug, lambda project: project_expenses(project).order_by("-spent_on", "-id"), scope="public"
        )


# Needs ---------------------------------------------------------------------------------------


class NeedViewSet(viewsets.GenericViewSet):
    queryset = Need.objects.all()
    filter_backends = [SelectorFilterBackend]
    lookup_value_regex = r"[0-9]+"

    @property
    def filterset_class(self):
        return NeedFilter if self.action == "list" else None

    def get_serializer_class(self):
        return {
            "create": serializers.NeedWriteSerializer,
            "partial_update": serializers.NeedUpdateSerializer,
        }.get(self.action, serializers.NeedSerializer)

    def _need(self, request, pk):
        """The need if its project is visible to the viewer (its project with leads), or 404."""
        try:
            need = Need.objects.select_related("project", "project__community").get(pk=_as_id(pk))
        except Need.DoesNotExist:
            raise Http404 from None
        if not rules.can_view_project(request.user, need.project):
            raise Http404
        return need

    def _need_response(self, need_id, status_code=status.HTTP_200_OK):
        need = donation_selectors.needs_visible_to(viewer=self.request.user).get(pk=need_id)
        return Response(serializers.NeedSerializer(need).data, status=status_code)

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
        return self._need_response(_as_id(pk))

    @extend_schema(responses={201: serializers.NeedSerializer})
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        project = _visible_project(request, data.pop("project"))
        need = donation_services.need_create(project=project, actor=request.user, **data)
        return self._need_response(need.pk, status.HTTP_201_CREATED)

    @extend_schema(responses=serializers.NeedSerializer)
    def partial_update(self, request, pk):
        """Correct a need nobody has pledged on yet; omitted fields keep their value."""
        need = self._need(request, pk)
        serializer = self.get_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        current = {
            "kind": need.kind,
            "label": need.label,
            "unit": need.unit,
            "target_quantity": need.target_quantity,
            "estimated_unit_value": need.estimated_unit_value,
        }
        donation_services.need_update(need=need, actor=request.user, **{**current, **serializer.validated_data})
        return self._need_response(need.pk)

    @extend_schema(request=None, responses=serializers.NeedSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk):
        """Stop the need from taking pledges; what was pledged and received stays."""
        need = self._need(request, pk)
        donation_services.need_close(need=need, actor=request.user)
        return self._need_response(need.pk)


# Pledges -------------------------------------------------------------------------------------


@extend_schema_view(list=extend_schema(summary="My pledges, anonymous ones included."))
class PledgeViewSet(viewsets.GenericViewSet):
    queryset = Pledge.objects.all()
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = CursorPagination
    filter_backends = [SelectorFilterBackend]
    lookup_value_regex = r"[0-9]+"

    @property
    def filterset_class(self):
        return MyPledgeFilter if self.action == "list" else None

    def get_serializer_class(self):
        return {
            "create": serializers.PledgeWriteSerializer,
            "cancel": serializers.PledgeCancelSerializer,
        }.get(self.action, serializers.PledgeSerializer)

    def get_throttles(self):
        throttles = super().get_throttles()
        if self.action == "create":
            throttles.append(PledgeThrottle())
        return throttles

    def _visible_pledge(self, request, pk):
        """The pledge, with what arrived, if the viewer may see it in full (else 404)."""
        pledges = donation_selectors.pledges_visible(visible_filter=pledges_visible_filter(request.user))
        try:
            pledge = pledges.prefetch_related("need__project__leads").get(pk=_as_id(pk))
        except Pledge.DoesNotExist:
            raise Http404 from None
        return pledge

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
        return Response(self.get_serializer(self._visible_pledge(request, pk)).data)

    @extend_schema(responses={201: serializers.PledgeSerializer})
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
        return Response(
            serializers.PledgeSerializer(self._visible_pledge(request, pledge.pk), context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        request=None,
        responses={
            200: serializers.CheckoutSerializer,
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

    @extend_schema(responses=serializers.PledgeSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk):
        """Withdraw the pledge: the donor before anything arrived, a lead with a reason."""
        pledge = self._visible_pledge(request, pk)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        donation_services.pledge_cancel(pledge=pledge, actor=request.user, reason=serializer.validated_data["reason"])
        return Response(
            serializers.PledgeSerializer(self._visible_pledge(request, pk), context={"request": request}).data
        )


# Receptions ----------------------------------------------------------------------------------


class ReceptionViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    queryset = Reception.objects.all()
    permission_classes = [permissions.IsAuthenticated]
    pagination_class = ReceptionCursorPagination
    filter_backends = [SelectorFilterBackend]
    lookup_value_regex = r"[0-9]+"

    @property
    def filterset_class(self):
        return ReceptionFilter if self.action == "list" else None

    def get_serializer_class(self):
        return serializers.ReceptionWriteSerializer if self.action == "create" else serializers.ReceptionSerializer

    def _receptions(self, request, **filters):
        return donation_selectors.receptions_visible(visible_filter=pledges_visible_filter(request.user), **filters)

    def list(self, request):
        """What arrived on the pledges you made, and on those of the projects you lead or review."""
        filters = cleaned_filters(ReceptionFilter, request)
        receptions = self._receptions(request, project_slug=filters.get("project"), pledge_id=filters.get("pledge"))
        page = self.paginate_queryset(receptions)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, pk):
        try:
            reception = self._receptions(request).get(pk=_as_id(pk))
        except Reception.DoesNotExist:
            raise Http404 from None
        return Response(self.get_serializer(reception).data)

    @extend_schema(responses={201: serializers.ReceptionSerializer})
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
        return Response(serializers.ReceptionSerializer(reception).data, status=status.HTTP_201_CREATED)


# Receipts ------------------------------------------------------------------------------------


class ReceiptViewSet(viewsets.GenericViewSet):
    queryset = Receipt.objects.all()
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = serializers.ReceiptSerializer
    lookup_value_regex = r"[0-9]+"

    def perform_content_negotiation(self, request, force=False):
        if self.action == "pdf":
            # The PDF is a file response of its own; errors are JSON, whatever the client accepts.
            return JSONRenderer(), JSONRenderer.media_type
        return super().perform_content_negotiation(request, force)

    @extend_schema(summary="My receipts, valid and void, latest first.")
    def list(self, request):
        page = self.paginate_queryset(receipt_selectors.donor_receipts(donor=request.user))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk):
        """The receipt's PDF: for its donor, the leads of its project and the issuing community's
        moderators; a 404 for anybody else (that it exists is none of their business)."""
        receipt = (
            Receipt.objects.select_related("issuer__community", "pledge__need__project")
            .prefetch_related("pledge__need__project__leads")
            .filter(pk=_as_id(pk))
            .first()
        )
        if receipt is None or not can_download_receipt(request.user, receipt):
            raise Http404
        pdf = receipt_pdf_file(receipt=receipt)
        response = FileResponse(pdf.open("rb"), content_type="application/pdf", filename=f"{receipt.number}.pdf")
        response["Cache-Control"] = "private, no-store"  # legal names inside: no shared cache keeps it
        return response

    @extend_schema(responses=serializers.ReceiptVerificationSerializer)
    @action(
        detail=False,
        methods=["get"],
        url_path=r"verify/(?P<code>[A-Za-z0-9_-]{1,64})",
        permission_classes=[permissions.AllowAny],
    )
    def verify(self, request, code):
        """Check a receipt by the code on it (its QR code): genuine, valid or void, and what it says;
        never who gave."""
        receipt = (
            Receipt.objects.select_related("issuer", "replaced_by", "replaced_by_yearly").filter(code=code).first()
        )
        if receipt is None:
            raise Http404
        receipt.public = receipt_public_view(receipt)
        # A correction names its replacement; a per-gift receipt taken over by a yearly one names that.
        replacement = getattr(receipt, "replaced_by", None) or receipt.replaced_by_yearly
        receipt.replaced_by_number = replacement.number if replacement is not None else None
        return Response(serializers.ReceiptVerificationSerializer(receipt).data)


# Members -------------------------------------------------------------------------------------


class MemberViewSet(viewsets.GenericViewSet):
    queryset = Member.objects.none()
    lookup_field = "handle"
    lookup_value_regex = r"[A-Za-z0-9_]+"
    serializer_class = serializers.MemberSerializer

    def retrieve(self, request, handle):
        """A member's public profile: handle, projects led, public pledges. Never an email."""
        try:
            member = member_selectors.member_by_handle(handle=handle)
        except Member.DoesNotExist:
            raise Http404 from None
        context = {
            **self.get_serializer_context(),
            "projects_led": list(donation_selectors.member_led_projects(member=member, viewer=request.user)),
            "public_pledges": donation_selectors.member_public_pledges(member=member),
        }
        return Response(serializers.MemberSerializer(member, context=context).data)


class MeView(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=serializers.MeSerializer)
    def get(self, request):
        """Your own account (the only response with an email: yours)."""
        return Response(serializers.MeSerializer(request.user).data)
