import datetime

import factory

from core.tests.factories import OrganizationFactory
from reviews.models import Cadence, Decision, Learning, ReviewSession


class CadenceFactory(factory.django.DjangoModelFactory):
    """A weekly organization review on Mondays at 10:00 (no participants unless given)."""

    class Meta:
        model = Cadence
        skip_postgeneration_save = True

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Review {n}")
    kind = Cadence.Kind.WEEKLY_DELIVERY
    frequency = Cadence.Frequency.WEEKLY
    weekday = 0
    time_of_day = datetime.time(10, 0)
    starts_on = datetime.date(2026, 1, 5)
    reminder_lead_hours = 24

    @factory.post_generation
    def participants(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.participants.set(extracted)


class ReviewSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReviewSession

    cadence = factory.SubFactory(CadenceFactory)
    organization = factory.SelfAttribute("cadence.organization")
    scheduled_at = factory.LazyFunction(
        lambda: datetime.datetime(2026, 11, 30, 9, 0, tzinfo=datetime.UTC)
    )


class DecisionFactory(factory.django.DjangoModelFactory):
    """An open decision to adjust an initiative (pass ``initiative`` and ``owner``)."""

    class Meta:
        model = Decision

    session = factory.SubFactory(ReviewSessionFactory)
    organization = factory.SelfAttribute("session.organization")
    subject = Decision.Subject.INITIATIVE
    summary = factory.Sequence(lambda n: f"Adjust plan {n}")
    subject_title = "An initiative"
    reason = "Because the numbers say so."


class LearningFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Learning

    organization = factory.SelfAttribute("strategic_objective.organization")
    statement = factory.Sequence(lambda n: f"Customers care about thing {n}")
    evidence = "Seen in five interviews."
