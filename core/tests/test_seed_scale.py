import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core.models import Membership, Organization, Team, User
from planning.models import Initiative, StrategicObjective, WorkPackage

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
        sorted(WorkPackage.objects.values_list("id", "status", "team_id", "owner_id")),
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
