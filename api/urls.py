from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from api import errors
from api.views.communities import CommunityViewSet
from api.views.members import MemberViewSet, MeView
from api.views.needs import NeedViewSet
from api.views.pledges import PledgeViewSet
from api.views.projects import ProjectViewSet
from api.views.receipts import ReceiptViewSet
from api.views.receptions import ReceptionViewSet

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

urlpatterns = [
    # The REST API.
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/v1/docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("api/v1/me/", MeView.as_view(), name="me"),
    path("api/v1/", include(router.urls)),
    # Anything else under /api/v1/ is a 404 in the API's error shape, not an HTML page.
    re_path(r"^api/v1/", errors.not_found),
]
