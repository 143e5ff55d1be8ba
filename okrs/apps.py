from typing import cast

from django.apps import AppConfig


class OkrsConfig(AppConfig):
    name = "okrs"
    verbose_name = "OKRs"

    def ready(self) -> None:
        # Planning's pages show KPIs and OKR progress through panel slots, since planning cannot
        # import okrs.
        from core import changelog, panels
        from okrs import selectors
        from okrs.api import serializers as wire
        from okrs.models import (
            CheckIn,
            Contribution,
            Cycle,
            KeyResult,
            Objective,
            OutcomeMeasure,
            OutcomeMeasureValue,
        )
        from okrs.panels import strategic_objective_panel, work_package_panel

        panels.register("strategic_objective_detail", order=10)(strategic_objective_panel)
        panels.register("work_package_detail", order=10)(work_package_panel)

        # The changes feed (and the webhooks built on it) carries each object as its API
        # endpoint shows it; objectives and key results are read again for their figures.
        changelog.register(Cycle, "cycle", lambda o: wire.CycleSerializer(o).data)
        changelog.register(
            Objective,
            "objective",
            lambda o: (
                wire.ObjectiveSerializer(selectors.objective_api_row(cast(Objective, o))).data
            ),
        )
        changelog.register(
            KeyResult,
            "key_result",
            lambda o: (
                wire.KeyResultSerializer(selectors.key_result_api_row(cast(KeyResult, o))).data
            ),
        )
        changelog.register(CheckIn, "check_in", lambda o: wire.CheckInSerializer(o).data)
        changelog.register(
            Contribution, "contribution", lambda o: wire.ContributionSerializer(o).data
        )
        changelog.register(
            OutcomeMeasure, "outcome_measure", lambda o: wire.OutcomeMeasureSerializer(o).data
        )
        changelog.register(
            OutcomeMeasureValue,
            "outcome_measure_value",
            lambda o: wire.OutcomeMeasureValueSerializer(o).data,
        )
