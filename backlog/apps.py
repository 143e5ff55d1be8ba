from django.apps import AppConfig


class BacklogConfig(AppConfig):
    name = "backlog"
    verbose_name = "Backlog and sprints"

    def ready(self) -> None:
        # The work package page (planning) shows backlog facts through a panel slot, since
        # planning cannot import backlog.
        from backlog.panels import work_package_panel
        from core import panels

        panels.register("work_package_detail", order=20)(work_package_panel)
