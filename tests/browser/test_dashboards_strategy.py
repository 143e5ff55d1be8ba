"""Leaders open the strategy dashboards on the demo data: the landing page with this week's
attention list, the strategy map (a filter, a branch opened), and the OKR trends. The numbers
on screen are checked against the selectors the pages and the API share."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}


def _membership(email: str):
    from core.models import Membership

    return Membership.objects.select_related("organization", "user").get(
        user__email=email, organization__name="Acme"
    )


def _figure(scope, name: str) -> str:
    return scope.locator(f'[data-figure="{name}"]').first.inner_text().strip()


def test_leader_lands_on_the_map_with_the_attention_list(demo, sign_in, live_server):
    from reviews import dashboards

    page = sign_in("leader@acme.example")
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Strategy map")).to_be_visible()
    attention = page.locator("[data-attention]")
    expect(attention).to_contain_text("This week's attention list")

    result = dashboards.attention(membership=_membership("leader@acme.example"))
    assert result.total > 0  # the demo has something to look at
    assert _figure(attention, "attention-total") == str(result.total)
    for section in result.sections:
        assert _figure(attention, section.key) == str(section.total)
    page.screenshot(path="test-results/dashboards-landing-leader.png", full_page=True)


def test_strategy_map_filter_and_expand(demo, sign_in, live_server):
    from okrs import dashboards

    page = sign_in("leader@acme.example")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Strategy map").click()
    expect(page.get_by_role("heading", name="Strategy map", level=1)).to_be_visible()

    leader = _membership("leader@acme.example")
    filters = dashboards.dashboard_filters(membership=leader)
    result = dashboards.strategy_map(membership=leader, cycle=filters.cycle)
    assert _figure(page, "on_track") == str(result.health_counts["on_track"])
    assert _figure(page, "off_track") == str(result.health_counts["off_track"])
    assert _figure(page, "key_results") == str(result.key_result_count)
    assert _figure(page, "unlinked_open") == str(result.unlinked_work.open)
    first = result.strategies[0]
    expect(page.locator(".smap-so").first).to_contain_text(first.statement)
    if first.trade_offs:
        expect(page.locator(".smap-so").first.locator(".tradeoffs")).to_contain_text(
            first.trade_offs[0]
        )

    # The map shows the top of the tree, rolled up; a branch loads when it is opened (htmx).
    expect(page.locator(".smap-so[open]")).to_have_count(0)
    strategy = next(s for s in result.strategies if s.work.total)
    node = page.locator(f"#so-{strategy.key}")
    expect(node.locator("[data-branch-counts]")).to_contain_text(
        f"{strategy.objective_count} objective"
    )
    node.locator("summary").first.click()
    expect(node.locator(f'[data-branch-loaded="{strategy.key}"]')).to_have_count(1)
    opened = dashboards.strategy_branch(
        membership=leader, cycle=filters.cycle, strategic_objective=strategy.key
    ).strategy
    expect(node.locator(".smap-init")).to_have_count(len(opened.initiatives))

    # Open an initiative: its work packages load into the branch (htmx), capped, with a link on.
    initiative = next(i for i in opened.initiatives if i.work.total)
    branch = page.locator(f"#init-{initiative.id}")
    branch.locator("summary").click()
    expect(branch.locator(".smap-work__item").first).to_be_visible()
    expect(branch.locator(".smap-work__item")).to_have_count(
        min(initiative.work.total, dashboards.INITIATIVE_WORK_LIMIT)
    )
    page.screenshot(path="test-results/dashboards-strategy-map.png", full_page=True)

    # Filter by a team: the tree is swapped in place and the address keeps the filter.
    page.get_by_label("Team").select_option(label="Growth")
    expect(page).to_have_url(re.compile(r"team="))
    from core.models import Team

    growth = Team.objects.get(organization=leader.organization, name="Growth")
    filtered = dashboards.strategy_map(membership=leader, cycle=filters.cycle, team=growth)
    expect(page.locator('[data-figure="unlinked_open"]')).to_have_text(
        str(filtered.unlinked_work.open)
    )
    expect(page.locator('[data-figure="linked_open"]')).to_have_text(str(filtered.linked_work.open))
    expect(page.locator(".smap-so")).to_have_count(len(filtered.strategies))
    page.get_by_role("button", name="Collapse all").click()
    expect(page.locator(".smap-so[open]")).to_have_count(0)
    page.get_by_role("button", name="Expand all").click()
    expect(page.locator(".smap-so[open]")).to_have_count(len(filtered.strategies))
    # Every branch loads, its objectives open.
    expect(page.locator("[data-branch-pending]")).to_have_count(0)
    expect(page.locator(".smap-obj[open]")).to_have_count(page.locator(".smap-obj").count())

    page.set_viewport_size(PHONE)
    page.screenshot(path="test-results/dashboards-strategy-map-phone.png", full_page=True)


def test_okr_trends_show_charts_and_stale_check_ins(demo, sign_in, live_server):
    from okrs import dashboards

    page = sign_in("leader@acme.example")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="OKR trends").click()
    expect(page.get_by_role("heading", name="OKR trends")).to_be_visible()

    leader = _membership("leader@acme.example")
    filters = dashboards.dashboard_filters(membership=leader)
    result = dashboards.okr_trends(membership=leader, cycle=filters.cycle)
    expect(page.locator(".dash-trend")).to_have_count(len(result.objectives))
    trend = next(t for t in result.objectives if t.latest and t.latest.progress is not None)
    card = page.locator(f"#trend-{trend.id}")
    expect(card.locator('[data-figure="progress"]')).to_have_text(
        f"{round(trend.latest.progress * 100)} %"
    )
    expect(card.locator("svg polyline.chart__actual")).to_have_count(1)
    expect(page.locator(".dash-stale tbody tr")).to_have_count(len(result.stale))
    page.screenshot(path="test-results/dashboards-okr-trends.png", full_page=True)

    page.get_by_label("Team").select_option(label="Growth")
    expect(page).to_have_url(re.compile(r"team="))
    from core.models import Team

    growth = Team.objects.get(organization=leader.organization, name="Growth")
    filtered = dashboards.okr_trends(membership=leader, cycle=filters.cycle, team=growth)
    expect(page.locator(".dash-trend")).to_have_count(len(filtered.objectives))


def test_team_lead_lands_on_the_team(demo, sign_in, live_server):
    page = sign_in("lead@acme.example")
    page.goto(f"{live_server.url}/")
    expect(page.locator("[data-attention]")).to_be_visible()
    expect(page.get_by_role("heading", name="Top of the backlog")).to_be_visible()
    page.screenshot(path="test-results/dashboards-landing-team-lead.png", full_page=True)
