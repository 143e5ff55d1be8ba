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
