from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "planning"
    verbose_name = "Strategy and work"

    def ready(self) -> None:
        from core import changelog
        from planning.api.serializers import (
            InitiativeSerializer,
            StrategicObjectiveSerializer,
            work_package_to_wire,
        )
        from planning.models import Initiative, StrategicObjective, WorkPackage

        changelog.register(
            StrategicObjective,
            "strategic_objective",
            lambda o: StrategicObjectiveSerializer(o).data,
        )
        changelog.register(Initiative, "initiative", lambda o: InitiativeSerializer(o).data)
        changelog.register(WorkPackage, "work_package", work_package_to_wire)  # type: ignore[arg-type]
