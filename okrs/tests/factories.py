import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from core.tests.factories import OrganizationFactory
from okrs.models import (
    CheckIn,
    Cycle,
    KeyResult,
    Objective,
    OutcomeMeasure,
    OutcomeMeasureValue,
)
from planning.tests.factories import StrategicObjectiveFactory


class CycleFactory(factory.django.DjangoModelFactory):
    """An active quarter around today, so check-ins are open and health is meaningful."""

    class Meta:
        model = Cycle

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Cycle {n}")
    start_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=45))
    end_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=45))
    status = Cycle.Status.ACTIVE


class ObjectiveFactory(factory.django.DjangoModelFactory):
    """An organization objective serving a strategic objective; ``team=...`` with
    ``level="team"`` for a team objective."""

    class Meta:
        model = Objective

    cycle = factory.SubFactory(CycleFactory)
    organization = factory.SelfAttribute("cycle.organization")
    level = Objective.Level.ORGANIZATION
    statement = factory.Sequence(lambda n: f"Customers in region {n} renew on their own")
    strategic_objective = factory.Maybe(
        factory.LazyAttribute(lambda o: o.level == Objective.Level.ORGANIZATION),
        yes_declaration=factory.SubFactory(
            StrategicObjectiveFactory, organization=factory.SelfAttribute("..organization")
        ),
        no_declaration=None,
    )


class KeyResultFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KeyResult

    objective = factory.SubFactory(ObjectiveFactory)
    organization = factory.SelfAttribute("objective.organization")
    title = factory.Sequence(lambda n: f"Renewal rate of segment {n}")
    metric_kind = KeyResult.Kind.NUMBER
    start_value = Decimal(0)
    target_value = Decimal(100)
    direction = "increase"
    weight = Decimal(1)


class CheckInFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CheckIn

    key_result = factory.SubFactory(KeyResultFactory)
    organization = factory.SelfAttribute("key_result.organization")
    value = Decimal(10)
    confidence = 7
    checked_in_at = factory.LazyFunction(timezone.now)


class OutcomeMeasureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutcomeMeasure

    strategic_objective = factory.SubFactory(StrategicObjectiveFactory)
    organization = factory.SelfAttribute("strategic_objective.organization")
    name = factory.Sequence(lambda n: f"Net revenue retention {n}")
    unit = "%"
    direction = "increase"
    target_value = Decimal(110)


class OutcomeMeasureValueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutcomeMeasureValue

    measure = factory.SubFactory(OutcomeMeasureFactory)
    organization = factory.SelfAttribute("measure.organization")
    observed_on = factory.Sequence(lambda n: datetime.date(2026, 1, 1) + datetime.timedelta(days=n))
    value = Decimal(100)
