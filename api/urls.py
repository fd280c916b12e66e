from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from api import errors, views

app_name = "api"

router = DefaultRouter()
router.include_root_view = False
router.register("communities", views.CommunityViewSet, basename="community")
router.register("projects", views.ProjectViewSet, basename="project")
router.register("needs", views.NeedViewSet, basename="need")
router.register("pledges", views.PledgeViewSet, basename="pledge")
router.register("receptions", views.ReceptionViewSet, basename="reception")
router.register("receipts", views.ReceiptViewSet, basename="receipt")
router.register("members", views.MemberViewSet, basename="member")

urlpatterns = [
    # The REST API.
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/v1/docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("api/v1/me/", views.MeView.as_view(), name="me"),
    path("api/v1/", include(router.urls)),
    # Anything else under /api/v1/ is a 404 in the API's error shape, not an HTML page.
    re_path(r"^api/v1/", errors.not_found),
]
