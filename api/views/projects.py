"""Projects: the list and one in full (both served from the shared cache), proposing, editing
and moving one through its lifecycle, its supporters and its lead's list of pledges, and what it
publishes (updates, milestones, expenses)."""

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.filters import LeadPledgeFilter, ProjectFilter, SelectorFilterBackend, cleaned_filters
from api.pagination import CursorPagination, UpdateCursorPagination
from api.response_cache import cached_json
from api.serializers.pledges import PledgeSerializer, SupporterSerializer
from api.serializers.projects import (
    ProjectDetailSerializer,
    ProjectSerializer,
    ProjectUpdateSerializer,
    ProjectWriteSerializer,
    TransitionSerializer,
)
from api.serializers.publishing import ExpenseSerializer, MilestoneSerializer, UpdateSerializer
from api.views.lookups import SLUG_PATTERN
from core import cache_versions
from donations import progress
from donations import selectors as donation_selectors
from projects import permissions as rules
from projects import services as project_services
from projects.models import Project
from projects.page_access import shown_project, visible_project
from publishing import selectors as publishing_selectors
from publishing.expenses import project_expenses
from publishing.permissions import can_read_supporters_only


def _list_scope(viewer):
    """Who gets the same project list: everyone who may see exactly the public projects."""
    if not viewer.is_authenticated:
        return "public"
    if not Project.objects.visible_to(viewer).not_public().exists():
        return "public"
    return None  # this member also sees drafts, proposals or hidden projects: their list is their own


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
    filtersets = {"list": ProjectFilter, "pledges": LeadPledgeFilter}

    def get_serializer_class(self):
        return {
            "list": ProjectSerializer,
            "create": ProjectWriteSerializer,
            "partial_update": ProjectUpdateSerializer,
            "transition": TransitionSerializer,
            "supporters": SupporterSerializer,
            "pledges": PledgeSerializer,
            "updates": UpdateSerializer,
            "milestones": MilestoneSerializer,
            "expenses": ExpenseSerializer,
        }.get(self.action, ProjectDetailSerializer)

    def _detail_response(self, slug, status_code=status.HTTP_200_OK):
        project = publishing_selectors.project_detail(slug=slug)
        context = self.get_serializer_context()
        return Response(ProjectDetailSerializer(project, context=context).data, status=status_code)

    def _project_page(self, project, rows, *, owner=lambda row: row):
        """A page of the project's rows. Each row's `owner` (the row, or its need) is given the
        project, loaded with its leads: the page URLs and "may this viewer see anonymous
        donors?" cost no query per row."""
        page = self.paginate_queryset(rows)
        for row in page:
            owner(row).project = project
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

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
        public = []

        def build():
            try:
                project = publishing_selectors.project_detail(slug=slug)
            except Project.DoesNotExist:
                raise Http404 from None
            public.append(project.is_public)
            return Response(self.get_serializer(shown_project(request.user, project)).data)

        # A project's detail is the same for everyone who may see it. Only public projects' are
        # kept, so what the cache serves needs no permission check: a project stops being public
        # only through a transition or being hidden by moderation, which change its version.
        return cached_json(
            request,
            version_keys=[cache_versions.project_key(slug), cache_versions.COMMUNITIES],
            scope="public",
            build=build,
            keep=lambda data: public == [True],
        )

    @extend_schema(responses={201: ProjectDetailSerializer})
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        project = project_services.project_create_draft(creator=request.user, **serializer.validated_data)
        return self._detail_response(project.slug, status.HTTP_201_CREATED)

    @extend_schema(responses=ProjectDetailSerializer)
    def partial_update(self, request, slug):
        project = visible_project(request, slug)
        serializer = self.get_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        project_services.project_update(project=project, actor=request.user, **serializer.validated_data)
        return self._detail_response(slug)

    @extend_schema(responses=ProjectDetailSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, slug):
        """Move the project through its lifecycle (submit, open, close, complete, cancel with a note)."""
        project = visible_project(request, slug)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        project_services.project_transition(project=project, actor=request.user, **serializer.validated_data)
        return self._detail_response(slug)

    @extend_schema(responses=SupporterSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=CursorPagination)
    def supporters(self, request, slug):
        """The project's standing pledges as anyone sees them (anonymous donors without a handle)."""
        project = visible_project(request, slug)
        pledges = donation_selectors.project_supporters_queryset(project=project)
        return self._project_page(project, pledges, owner=lambda pledge: pledge.need)

    @extend_schema(responses=PledgeSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=CursorPagination)
    def pledges(self, request, slug):
        """The lead's list of the project's pledges, with donors and what arrived (leads and moderators)."""
        project = visible_project(request, slug)
        if not request.user.is_authenticated:
            self.permission_denied(request)
        if not rules.can_view_dashboard(request.user, project):
            self.permission_denied(request)
        filters = cleaned_filters(LeadPledgeFilter, request)
        pledges = donation_selectors.project_pledges_for_leads(
            project=project,
            viewer=request.user,
            status=filters.get("status"),
            need_id=filters.get("need"),
            channel=filters.get("channel"),
            search=filters.get("search") or "",
        )
        return self._project_page(project, pledges, owner=lambda pledge: pledge.need)

    def _published_list(self, request, slug, rows, *, scope, project=None):
        """A page of what the project publishes, kept in the shared cache for `scope` (None: not
        kept). Only a public project's page is kept: a draft's is its leads' and moderators'."""
        public = []

        def build():
            nonlocal project
            project = project or visible_project(request, slug)
            public.append(project.is_public)
            return self._project_page(project, rows(project))

        return cached_json(
            request,
            version_keys=[cache_versions.project_key(slug)],
            scope=scope,
            build=build,
            keep=lambda data: public == [True],
        )

    @extend_schema(responses=UpdateSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=UpdateCursorPagination)
    def updates(self, request, slug):
        """The project's published updates, newest first. Those for supporters only are listed to
        its supporters, leads and the community's moderators, to nobody else."""
        project, readers = None, False
        if request.user.is_authenticated:
            project = visible_project(request, slug)
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

    @extend_schema(responses=MilestoneSerializer(many=True))
    @action(detail=True, methods=["get"])
    def milestones(self, request, slug):
        """The project's milestones in their order, with their evidence photos."""
        return self._published_list(
            request,
            slug,
            lambda project: publishing_selectors.project_milestones_with_photos(project=project),
            scope="public",
        )

    @extend_schema(responses=ExpenseSerializer(many=True))
    @action(detail=True, methods=["get"])
    def expenses(self, request, slug):
        """What was spent from what was collected, newest first, corrections included (a
        correction is a negative entry that names the expense it reverses)."""
        return self._published_list(
            request, slug, lambda project: project_expenses(project).order_by("-spent_on", "-id"), scope="public"
        )
