from django.apps import AppConfig


class ReviewsConfig(AppConfig):
    name = "reviews"
    verbose_name = "Cadence and reviews"

    def ready(self) -> None:
        # Planning's pages show learnings and review decisions through panel slots, since
        # planning cannot import reviews.
        from core import panels
        from reviews.panels import strategic_objective_panel, work_package_panel

        panels.register("strategic_objective_detail", order=30)(strategic_objective_panel)
        panels.register("work_package_detail", order=30)(work_package_panel)

        # The changes feed (and webhooks) carry review objects as their API endpoints show them;
        # notifications are one person's, not shared objects: not on the feed.
        from core import changelog
        from reviews.api.serializers import (
            CadenceSerializer,
            DecisionSerializer,
            LearningSerializer,
            ReviewSessionSerializer,
        )
        from reviews.models import Cadence, Decision, Learning, ReviewSession

        changelog.register(Cadence, "cadence", lambda o: CadenceSerializer(o).data)
        changelog.register(
            ReviewSession, "review_session", lambda o: ReviewSessionSerializer(o).data
        )
        changelog.register(Decision, "decision", lambda o: DecisionSerializer(o).data)
        changelog.register(Learning, "learning", lambda o: LearningSerializer(o).data)
