import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from backlog.models import Idea, Sprint, SprintCommitment, WorkPackageScore
from core.models import Membership, Organization, Team, User
from okrs.models import CheckIn, Contribution, Cycle, KeyResult, Objective
from planning.models import Initiative, StrategicObjective, WorkPackage
from reviews.models import Decision, Learning, ReviewSession

# Every tenant-owned model the seed writes: its rows all carry the seeded organization.
TENANT_MODELS = [
    Team,
    Membership,
    StrategicObjective,
    Initiative,
    WorkPackage,
    Cycle,
    Objective,
    KeyResult,
    CheckIn,
    Contribution,
    Sprint,
    SprintCommitment,
    WorkPackageScore,
    Idea,
    ReviewSession,
    Decision,
    Learning,
]

SMALL = [
    "--teams",
    "12",
    "--people",
    "40",
    "--strategic-objectives",
    "5",
    "--initiatives",
    "10",
    "--work-packages",
    "300",
    "--objectives",
    "20",
    "--key-results",
    "40",
    "--check-ins",
    "200",
    "--sprints",
    "10",
    "--review-items",
    "30",
]


def snapshot():
    return (
        sorted(Team.objects.values_list("id", "name")),
        sorted(WorkPackage.objects.values_list("id", "status", "team_id", "owner_id", "due_date")),
        sorted(Objective.objects.values_list("id", "level", "team_id", "parent_id")),
        sorted(KeyResult.objects.values_list("id", "objective_id", "target_value")),
        sorted(CheckIn.objects.values_list("id", "key_result_id", "value", "confidence")),
        sorted(SprintCommitment.objects.values_list("sprint_id", "work_package_id", "outcome")),
        sorted(Decision.objects.values_list("id", "session_id", "verdict", "work_package_id")),
        sorted(Learning.objects.values_list("id", "session_id")),
    )


@pytest.mark.django_db
def test_seed_scale_builds_the_requested_sizes_deterministically(capsys):
    call_command("seed_scale", *SMALL, "--seed", "7")
    org = Organization.objects.get(slug="scale")
    assert Team.objects.filter(organization=org).count() == 12
    assert Membership.objects.filter(organization=org).count() == 40
    assert StrategicObjective.objects.filter(organization=org).count() == 5
    assert Initiative.objects.filter(organization=org).count() == 10
    assert WorkPackage.objects.filter(organization=org).count() == 300
    assert Objective.objects.filter(organization=org).count() == 20
    # The two organization objectives serve two strategic objectives, not the same one twice.
    org_level = Objective.objects.filter(organization=org, level="organization")
    assert org_level.values("strategic_objective").distinct().count() == 2
    assert KeyResult.objects.filter(organization=org).count() == 40
    assert CheckIn.objects.filter(organization=org).count() == 200
    assert Sprint.objects.filter(organization=org).count() == 10
    assert SprintCommitment.objects.filter(organization=org).count() > 0
    assert Contribution.objects.filter(organization=org).count() == 60
    review_items = (
        ReviewSession.objects.filter(organization=org).count()
        + Decision.objects.filter(organization=org).count()
        + Learning.objects.filter(organization=org).count()
    )
    assert review_items == 30
    for model in TENANT_MODELS:
        assert model.objects.exists(), model
        assert not model.objects.exclude(organization=org).exists(), model
    # Seeded history keeps its times (check-ins over the cycle, not all "now").
    assert CheckIn.objects.dates("checked_in_at", "day").count() > 10
    assert WorkPackage.objects.dates("created_at", "day").count() > 10
    first = snapshot()
    call_command("seed_scale", *SMALL, "--seed", "7")  # a rerun replaces the organization
    assert Organization.objects.filter(slug="scale").count() == 1
    assert User.objects.filter(email__endswith="@scale.example").count() == 40
    assert snapshot() == first
    assert "built in" in capsys.readouterr().out


@pytest.mark.django_db
def test_seed_scale_refuses_bad_sizes():
    with pytest.raises(CommandError, match="work_packages"):
        call_command("seed_scale", "--work-packages", "-1")
    assert not Organization.objects.filter(slug="scale").exists()
