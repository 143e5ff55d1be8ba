import datetime

import factory

from core.tests.factories import OrganizationFactory, TeamFactory
from planning.models import Initiative, StrategicObjective, WorkPackage


class StrategicObjectiveFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StrategicObjective

    organization = factory.SubFactory(OrganizationFactory)
    statement = factory.Sequence(lambda n: f"Customers in segment {n} choose us first")
    rationale = "Because it matters."
    horizon_start = datetime.date(2026, 1, 1)
    horizon_end = datetime.date(2027, 12, 31)
    trade_offs = factory.LazyFunction(lambda: ["No enterprise deals"])
    status = StrategicObjective.Status.ACTIVE


class InitiativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Initiative

    organization = factory.SelfAttribute("strategic_objective.organization")
    strategic_objective = factory.SubFactory(StrategicObjectiveFactory)
    title = factory.Sequence(lambda n: f"Initiative {n}")
    status = Initiative.Status.ACTIVE


class WorkPackageFactory(factory.django.DjangoModelFactory):
    """An intention by default; pass ``ready=True`` for one with owner, due date and success check."""

    class Meta:
        model = WorkPackage

    class Params:
        ready = factory.Trait(
            due_date=datetime.date(2026, 12, 15),
            success_criterion="It moved the number",
            success_review_date=datetime.date(2026, 12, 20),
            status=WorkPackage.Status.READY,
        )

    organization = factory.SelfAttribute("team.organization")
    team = factory.SubFactory(TeamFactory)
    title = factory.Sequence(lambda n: f"Work package {n}")
    status = WorkPackage.Status.INTENTION
