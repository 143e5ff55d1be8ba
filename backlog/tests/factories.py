import datetime

import factory

from backlog.models import Idea, Sprint, SprintCommitment, WorkPackageScore
from core.tests.factories import TeamFactory


class SprintFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Sprint

    organization = factory.SelfAttribute("team.organization")
    team = factory.SubFactory(TeamFactory)
    name = factory.Sequence(lambda n: f"Sprint {n}")
    start_date = factory.Sequence(
        lambda n: datetime.date(2026, 1, 5) + datetime.timedelta(days=14 * n)
    )
    end_date = factory.LazyAttribute(lambda s: s.start_date + datetime.timedelta(days=13))
    capacity_points = 20


class SprintCommitmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SprintCommitment

    organization = factory.SelfAttribute("sprint.organization")
    sprint = factory.SubFactory(SprintFactory)
    points = factory.LazyAttribute(lambda c: c.work_package.estimate or 0)
    category = factory.LazyAttribute(lambda c: c.work_package.category)


class WorkPackageScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkPackageScore

    organization = factory.SelfAttribute("work_package.organization")


class IdeaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Idea

    organization = factory.SelfAttribute("team.organization")
    team = factory.SubFactory(TeamFactory)
    title = factory.Sequence(lambda n: f"Idea {n}")
    rationale = "It serves the strategy."
