from django.apps import AppConfig


class OkrsConfig(AppConfig):
    name = "okrs"
    verbose_name = "OKRs"

    def ready(self) -> None:
        # Planning's pages show KPIs and OKR progress through panel slots, since planning cannot
        # import okrs.
        from core import panels
        from okrs.panels import strategic_objective_panel, work_package_panel

        panels.register("strategic_objective_detail", order=10)(strategic_objective_panel)
        panels.register("work_package_detail", order=10)(work_package_panel)
