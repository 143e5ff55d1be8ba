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

        # The changes feed (and webhooks) carry backlog objects as their API endpoints show them.
        from backlog.api.serializers import (
            CapacityPolicySerializer,
            IdeaSerializer,
            ScoringModelSerializer,
            SprintCommitmentSerializer,
            SprintSerializer,
        )
        from backlog.models import CapacityPolicy, Idea, ScoringModel, Sprint, SprintCommitment
        from core import changelog

        changelog.register(ScoringModel, "scoring_model", lambda o: ScoringModelSerializer(o).data)
        changelog.register(
            CapacityPolicy, "capacity_policy", lambda o: CapacityPolicySerializer(o).data
        )
        changelog.register(Sprint, "sprint", lambda o: SprintSerializer(o).data)
        changelog.register(
            SprintCommitment, "sprint_commitment", lambda o: SprintCommitmentSerializer(o).data
        )
        changelog.register(Idea, "idea", lambda o: IdeaSerializer(o).data)
