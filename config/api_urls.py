from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from backlog.api import dashboards as backlog_dashboards  # dashboards (part 2)
from backlog.api import views as backlog_views
from core.api import views as core_views
from okrs.api import dashboards as okrs_dashboards  # dashboards (part 1)
from okrs.api import views as okrs_views
from planning.api import dashboards as planning_dashboards  # dashboards (part 2)
from planning.api import views as planning_views
from reviews.api import dashboards as reviews_dashboards  # dashboards (part 1)
from reviews.api import views as reviews_views

router = SimpleRouter()
router.register("organizations", core_views.OrganizationViewSet, basename="organization")
router.register("teams", core_views.TeamViewSet, basename="team")
router.register("members", core_views.MemberViewSet, basename="member")
router.register(
    "strategic-objectives", planning_views.StrategicObjectiveViewSet, basename="strategic-objective"
)
router.register("initiatives", planning_views.InitiativeViewSet, basename="initiative")
router.register("work-packages", planning_views.WorkPackageViewSet, basename="work-package")
# okrs
router.register("cycles", okrs_views.CycleViewSet, basename="cycle")
router.register("objectives", okrs_views.ObjectiveViewSet, basename="objective")
router.register("key-results", okrs_views.KeyResultViewSet, basename="key-result")
router.register("check-ins", okrs_views.CheckInViewSet, basename="check-in")
router.register("contributions", okrs_views.ContributionViewSet, basename="contribution")
router.register("outcome-measures", okrs_views.OutcomeMeasureViewSet, basename="outcome-measure")
# backlog
router.register("scoring-models", backlog_views.ScoringModelViewSet, basename="scoring-model")
router.register(
    "capacity-policies", backlog_views.CapacityPolicyViewSet, basename="capacity-policy"
)
router.register("backlog", backlog_views.BacklogViewSet, basename="backlog")
router.register("sprints", backlog_views.SprintViewSet, basename="sprint")
router.register(
    "sprint-commitments", backlog_views.SprintCommitmentViewSet, basename="sprint-commitment"
)
router.register("ideas", backlog_views.IdeaViewSet, basename="idea")
# reviews
router.register("cadences", reviews_views.CadenceViewSet, basename="cadence")
router.register("review-sessions", reviews_views.ReviewSessionViewSet, basename="review-session")
router.register("decisions", reviews_views.DecisionViewSet, basename="decision")
router.register("learnings", reviews_views.LearningViewSet, basename="learning")
router.register("notifications", reviews_views.NotificationViewSet, basename="notification")

app_name = "api"
urlpatterns = [
    path(
        "work-packages/external/<str:source>/<str:external_id>/",
        planning_views.WorkPackageViewSet.as_view({"put": "upsert"}),
        name="work-package-upsert",
    ),
    path("changes/", core_views.changes, name="changes"),
    path("changes/head/", core_views.changes_head, name="changes-head"),
    # dashboards (part 1)
    path("dashboards/strategy-map/", okrs_dashboards.strategy_map, name="dashboard-strategy-map"),
    path("dashboards/okr-trends/", okrs_dashboards.okr_trends, name="dashboard-okr-trends"),
    path("dashboards/attention/", reviews_dashboards.attention, name="dashboard-attention"),
    # dashboards (part 2)
    path("dashboards/alignment/", planning_dashboards.alignment, name="dashboard-alignment"),
    path("dashboards/capacity/", backlog_dashboards.capacity, name="dashboard-capacity"),
    path("dashboards/delivery/", planning_dashboards.delivery, name="dashboard-delivery"),
    *router.urls,
    # Last: any other address ending in / is a problem+json 404 (APPEND_SLASH still redirects).
    re_path(r"^(?:.*/)?$", core_views.not_found, name="not-found"),
]
