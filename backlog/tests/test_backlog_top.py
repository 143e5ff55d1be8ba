"""``backlog_top``: the first rows of ``ranked_backlog``, in the same order, as plain rows."""

from __future__ import annotations

import pytest

from backlog import selectors, services
from planning.models import WorkPackage

pytestmark = pytest.mark.django_db


def top_and_ranked(membership, team, limit):
    model = selectors.scoring_model_for_team(membership=membership, team=team)
    top = selectors.backlog_top(membership=membership, team=team, model=model, limit=limit)
    ranked = list(selectors.ranked_backlog(membership=membership, team=team, model=model))
    return top, ranked


@pytest.mark.parametrize("preset", ["weighted", "rice", "wsjf"])
def test_it_is_the_top_of_the_ranked_backlog_with_what_a_row_shows(
    team_lead, team, make_work, django_assert_num_queries, preset
):
    for i in range(8):
        wp = make_work(f"W{i}", estimate=(i % 4) + 1, status=WorkPackage.Status.READY)
        services.backlog_item_update(
            actor=team_lead, work_package=wp, impact=(i % 5) + 1, reach=10 * i, urgency=3
        )
    make_work("Idea", status=WorkPackage.Status.INTENTION)
    make_work("Finished", status=WorkPackage.Status.DONE)
    services.scoring_model_update(actor=team_lead, team=team, preset=preset)
    ranked_titles = [
        wp.title
        for wp in selectors.ranked_backlog(
            membership=team_lead,
            team=team,
            model=selectors.scoring_model_for_team(membership=team_lead, team=team),
        )
    ]
    # a hand-placed item: ranked above its neighbour whatever its score
    services.backlog_move(
        actor=team_lead,
        work_package=WorkPackage.objects.get(title=ranked_titles[4]),
        direction="up",
        reason="Customer waiting",
    )

    model = selectors.scoring_model_for_team(membership=team_lead, team=team)
    with django_assert_num_queries(1):
        top = selectors.backlog_top(membership=team_lead, team=team, model=model, limit=5)
    ranked = list(selectors.ranked_backlog(membership=team_lead, team=team, model=model))
    assert [
        (r["id"], r["title"], r["status"], r["status_label"], r["initiative_id"]) for r in top
    ] == [
        (wp.pk, wp.title, wp.status, wp.get_status_display(), wp.initiative_id) for wp in ranked[:5]
    ]
    assert "Finished" not in [r["title"] for r in top]


def test_a_limit_above_the_backlog_gives_the_whole_backlog(team_lead, team, make_work):
    make_work("Only")
    top, ranked = top_and_ranked(team_lead, team, 5)
    assert [r["title"] for r in top] == [wp.title for wp in ranked] == ["Only"]
    assert top_and_ranked(team_lead, team, 0)[0] == []


@pytest.mark.parametrize(
    "settings",
    [
        {"preset": "weighted"},
        {"preset": "rice"},
        {"preset": "wsjf"},
        {
            "preset": "weighted",
            "impact_weight": 7,
            "urgency_weight": 0,
            "effort_weight": 1,
            "strategic_fit_weight": 10,
            "risk_weight": 0,
            "dependencies_weight": 4,
        },
    ],
)
def test_its_score_is_the_sql_the_orm_writes_for_score_expression(team_lead, team, settings):
    """backlog_top writes the score out by hand (``_score_sql``): it must be the ORM's SQL for
    ``score_expression``, operation for operation and literal for literal, so PostgreSQL
    computes the very same numbers and ties fall the same way."""
    import re

    from django.db import connection
    from django.db.models import F
    from django.db.models.functions import Coalesce
    from django.test.utils import CaptureQueriesContext

    from backlog.models import ScoringModel

    model = ScoringModel(organization_id=team_lead.organization_id, team=team, **settings)
    ranked = (
        WorkPackage.objects.filter(organization_id=team_lead.organization_id, team=team)
        .annotate(score=selectors.score_expression(model))
        .annotate(rank_value=Coalesce(F("backlog_score__rank_key"), F("score")))
        .order_by(*selectors._rank_order())
        .values("id")[:5]
    )
    with CaptureQueriesContext(connection) as captured:
        list(ranked)
    sql = captured.captured_queries[0]["sql"]
    for table, alias in [
        ("planning_workpackage", "wp"),
        ("backlog_workpackagescore", "s"),
        ("planning_initiative", "i"),
        ("planning_strategicobjective", "so"),
    ]:
        sql = sql.replace(f'"{table}".', f"{alias}.")
    sql = re.sub(r'"(\w+)"', r"\1", sql)
    orm_score = sql.split("ORDER BY COALESCE(s.rank_key, ", 1)[1].split(") DESC, ", 1)[0]
    assert orm_score == selectors._score_sql(model)
