from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from api import errors
from api.views.communities import CommunityViewSet
from api.views.giving import ProjectGivingView
from api.views.members import MemberViewSet, MeView
from api.views.needs import NeedViewSet
from api.views.passwords import PasswordChangeView, PasswordResetConfirmView, PasswordResetRequestView, RecoveryCodeView
from api.views.pledges import PledgeViewSet
from api.views.projects import ProjectViewSet
from api.views.receipts import ReceiptViewSet
from api.views.receptions import ReceptionViewSet
from api.views.team import (
    MyInvitationAnswerView,
    MyInvitationsView,
    ProjectInvitationView,
    ProjectLeadView,
    ProjectTeamView,
)

app_name = "api"

router = DefaultRouter()
router.include_root_view = False
router.register("communities", CommunityViewSet, basename="community")
router.register("projects", ProjectViewSet, basename="project")
router.register("needs", NeedViewSet, basename="need")
router.register("pledges", PledgeViewSet, basename="pledge")
router.register("receptions", ReceptionViewSet, basename="reception")
router.register("receipts", ReceiptViewSet, basename="receipt")
router.register("members", MemberViewSet, basename="member")

# Swagger UI under the site's Content-Security-Policy: its start-up script is served as a file
# (the split view, ?script=), and its page's inline style block is moved to a file too
# (api/templates/api/swagger_ui.html, api/static/api/docs.css), so scripts and styles stay 'self'.
# Only the icons its stylesheet inlines as data: URLs need more, on this page only (README
# "Content Security Policy").
docs_view = csp_update({"img-src": ["data:"]})(
    SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/swagger_ui.html")
)

urlpatterns = [
    # The REST API.
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/v1/docs/", docs_view, name="docs"),
    path("api/v1/me/", MeView.as_view(), name="me"),
    path("api/v1/me/password/", PasswordChangeView.as_view(), name="password-change"),
    # Getting back into an account (accounts/recovery.py).
    path("api/v1/password/reset/", PasswordResetRequestView.as_view(), name="password-reset"),
    path("api/v1/password/reset/confirm/", PasswordResetConfirmView.as_view(), name="password-reset-confirm"),
    path("api/v1/password/recovery-code/", RecoveryCodeView.as_view(), name="password-recovery-code"),
    path("api/v1/projects/<slug:slug>/giving/", ProjectGivingView.as_view(), name="project-giving"),
    # The team (projects/services.py): invitations by handle, answered by the member.
    path("api/v1/projects/<slug:slug>/invitations/", ProjectTeamView.as_view(), name="project-invitations"),
    path(
        "api/v1/projects/<slug:slug>/invitations/<int:invitation_id>/",
        ProjectInvitationView.as_view(),
        name="project-invitation",
    ),
    path("api/v1/projects/<slug:slug>/leads/<str:handle>/", ProjectLeadView.as_view(), name="project-lead"),
    path("api/v1/me/invitations/", MyInvitationsView.as_view(), name="my-invitations"),
    path(
        "api/v1/me/invitations/<int:invitation_id>/accept/",
        MyInvitationAnswerView.as_view(answer="accept"),
        name="invitation-accept",
    ),
    path(
        "api/v1/me/invitations/<int:invitation_id>/decline/",
        MyInvitationAnswerView.as_view(answer="decline"),
        name="invitation-decline",
    ),
    path("api/v1/", include(router.urls)),
    # Anything else under /api/v1/ is a 404 in the API's error shape, not an HTML page.
    re_path(r"^api/v1/", errors.not_found),
]
