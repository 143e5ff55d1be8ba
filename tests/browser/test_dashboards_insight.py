"""A leader opens the Insight dashboards (alignment, capacity, delivery) on the demo data, as on a
Monday morning: the numbers on screen are the selectors' numbers, and the filters narrow them."""

import re

import pytest
from playwright.sync_api import expect

from backlog import dashboards as backlog_dashboards
from core.models import Membership, Team
from planning import dashboards

pytestmark = pytest.mark.django_db(transaction=True)


def _leader() -> Membership:
    return Membership.objects.select_related("organization").get(user__email="leader@acme.example")


def _pct(share: float | None) -> str:
    return "—" if share is None else f"{round(share * 100)} %"


def test_alignment_shows_the_selectors_numbers_and_filters_by_team(demo, sign_in):
    page = sign_in("leader@acme.example")
    leader = _leader()
    growth = Team.objects.get(organization=leader.organization, name="Growth")

    page.get_by_role("link", name="Alignment", exact=True).click()
    expect(page.get_by_role("heading", name="Alignment", level=1)).to_be_visible()
    data = dashboards.alignment(membership=leader)
    assert data.total.points > 0
    assert data.weekly[-1].points > 0
    stat = page.locator('[data-stat="point-share"] .stat__value')
    expect(stat).to_have_text(_pct(data.total.point_share))
    expect(page.locator('[data-stat="unlinked"] .stat__value')).to_have_text(
        str(data.unlinked.total)
    )
    expect(page.locator('[data-stat="intentions"] .stat__value')).to_have_text(
        str(data.stale_intentions.total)
    )
    chart = page.locator("figure.chart")
    expect(chart.locator("rect.chart__bar").first).to_be_visible()
    for t in data.teams:
        row = page.locator(f'tr[data-team="{t.team_name}"]')
        expect(row).to_contain_text(f"{t.linked_points} / {t.points}")
    # Hovering a week's bar names its numbers.
    last = data.weekly[-1]
    expect(chart.locator("rect.chart__s--linked title").last).to_have_text(
        re.compile(rf"Linked to strategy {last.linked_points} pts of {last.points} pts")
    )
    page.screenshot(path="test-results/dashboard-alignment.png", full_page=True)

    # Filter: Growth only (the select submits itself).
    page.locator("select[name=team]").select_option(label="Growth")
    page.wait_for_url(re.compile(r"team="))
    mine = dashboards.alignment(membership=leader, team=growth)
    expect(stat).to_have_text(_pct(mine.total.point_share))
    expect(page.locator(".insight-period")).to_contain_text("Growth")
    expect(page.locator('tr[data-team="Platform"]')).to_have_count(0)


def test_capacity_shows_each_teams_split_and_drift(demo, sign_in):
    page = sign_in("leader@acme.example")
    leader = _leader()

    page.get_by_role("link", name="Capacity", exact=True).click()
    expect(page.get_by_role("heading", name="Capacity", level=1)).to_be_visible()
    data = backlog_dashboards.capacity(membership=leader)
    growth = next(t for t in data.teams if t.team_name == "Growth")
    assert len(growth.sprints) >= 2
    card = page.locator('section[data-team="Growth"]')
    expect(card.locator("[data-verdict]")).to_have_text(re.compile(re.escape(growth.verdict)))
    for s in growth.sprints:
        expect(card.locator(f'tr[data-sprint="{s.name}"]')).to_contain_text(
            f"{s.committed_points} / {s.capacity_points}"
        )
    drifted = next(s for s in growth.sprints if s.drifted)  # the demo's Sprint 2
    expect(card.locator(f'tr[data-sprint="{drifted.name}"]')).to_contain_text(
        f"{drifted.drift} points"
    )
    expect(card.locator("rect.chart__bar").first).to_be_visible()
    page.screenshot(path="test-results/dashboard-capacity.png", full_page=True)

    page.locator("select[name=weeks]").select_option("4")
    page.wait_for_url(re.compile(r"weeks=4"))
    recent = backlog_dashboards.capacity(membership=leader, weeks=4)
    growth4 = next(t for t in recent.teams if t.team_name == "Growth")
    expect(card.locator("tr[data-sprint]")).to_have_count(len(growth4.sprints))


def test_delivery_is_kept_apart_from_outcomes_and_matches_the_selector(demo, sign_in):
    page = sign_in("leader@acme.example")
    leader = _leader()

    page.get_by_role("link", name="Delivery", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("Delivery"), level=1)).to_be_visible()
    expect(page.locator(".delivery-note")).to_contain_text(
        "These are delivery measures, not outcomes."
    )
    data = dashboards.delivery(membership=leader)
    assert data.total.finished > 0
    assert data.total.cycle_median_days is not None
    expect(page.locator('[data-stat="finished"] .stat__value')).to_have_text(
        str(data.total.finished)
    )
    expect(page.locator('[data-stat="cycle-median"] .stat__value')).to_have_text(
        f"{data.total.cycle_median_days:.1f} d"
    )
    expect(page.locator('[data-stat="cycle-p85"] .stat__value')).to_have_text(
        f"{data.total.cycle_p85_days:.1f} d"
    )
    expect(page.locator('[data-stat="on-time"] .stat__value')).to_have_text(
        _pct(data.total.on_time_rate)
    )
    decisions = page.locator('[data-stat="decisions"]')
    expect(decisions).to_contain_text(
        f"{data.total.continued} continue · {data.total.revised} revise · {data.total.stopped} stop"
    )
    for t in data.teams:
        expect(page.locator(f'tr[data-team="{t.team_name}"] td').first).to_have_text(
            str(t.finished)
        )
    # The chart's text equivalent opens on demand and holds one row per week.
    page.get_by_text("The figures as a table").click()
    expect(page.locator(".chart__data tbody tr")).to_have_count(data.period.weeks)
    page.screenshot(path="test-results/dashboard-delivery.png", full_page=True)

    page.locator("select[name=weeks]").select_option("4")
    page.wait_for_url(re.compile(r"weeks=4"))
    recent = dashboards.delivery(membership=leader, weeks=4)
    expect(page.locator('[data-stat="finished"] .stat__value')).to_have_text(
        str(recent.total.finished)
    )


def test_the_dashboards_read_well_on_a_phone(demo, sign_in, live_server):
    page = sign_in("leader@acme.example")
    page.set_viewport_size({"width": 390, "height": 844})
    for path, name in (
        ("/insight/alignment/", "alignment"),
        ("/insight/capacity/", "capacity"),
        ("/insight/delivery/", "delivery"),
    ):
        page.goto(live_server.url + path)
        expect(page.locator("h1")).to_be_visible()
        # Nothing wider than the screen: no sideways scrolling of the page itself.
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= 390, (name, overflow)
        page.screenshot(path=f"test-results/dashboard-{name}-phone.png", full_page=True)
