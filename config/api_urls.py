from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from core.api import views as core_views
from planning.api import views as planning_views

router = SimpleRouter()
router.register("organizations", core_views.OrganizationViewSet, basename="organization")
router.register("teams", core_views.TeamViewSet, basename="team")
router.register("members", core_views.MemberViewSet, basename="member")
router.register(
    "strategic-objectives", planning_views.StrategicObjectiveViewSet, basename="strategic-objective"
)
router.register("initiatives", planning_views.InitiativeViewSet, basename="initiative")
router.register("work-packages", planning_views.WorkPackageViewSet, basename="work-package")

app_name = "api"
urlpatterns = [
    path(
        "work-packages/external/<str:source>/<str:external_id>/",
        planning_views.WorkPackageViewSet.as_view({"put": "upsert"}),
        name="work-package-upsert",
    ),
    path("changes/", core_views.changes, name="changes"),
    path("changes/head/", core_views.changes_head, name="changes-head"),
    *router.urls,
    # Last: any other address ending in / is a problem+json 404 (APPEND_SLASH still redirects).
    re_path(r"^(?:.*/)?$", core_views.not_found, name="not-found"),
]
