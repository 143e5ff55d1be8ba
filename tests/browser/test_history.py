"""A team lead edits a work package, then reads who changed what on its History tab."""

import os

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_history_tab_shows_the_edit_field_by_field(demo, sign_in, live_server):
    from core.models import Membership
    from planning import rules
    from planning.models import WorkPackage

    lead = Membership.objects.select_related("organization", "user").get(
        user__email="lead@acme.example", organization__slug="acme"
    )
    work_package = next(
        wp
        for wp in WorkPackage.objects.filter(organization=lead.organization).order_by("title")
        if rules.can_edit_work_package(lead, wp)
    )
    old_title = work_package.title

    page = sign_in("lead@acme.example")
    page.goto(f"{live_server.url}/work/{work_package.pk}/")
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Title").fill("Renamed in the browser")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Renamed in the browser")).to_be_visible()

    page.get_by_role("link", name="History").click()
    newest = page.locator(".history__entry").first
    expect(newest).to_contain_text(f"{lead.user.display_name} changed it")
    expect(newest.locator(".chip")).to_have_text("Page")
    row = newest.locator("tr", has_text="Title")
    expect(row.locator("td").nth(1)).to_have_text(old_title)
    expect(row.locator("td").nth(2)).to_have_text("Renamed in the browser")
    # The demo was seeded by a command: its creation is at the bottom, door "Command".
    expect(page.locator(".history__entry").last).to_contain_text("Command")
    if os.environ.get("THROUGHLINE_SCREENSHOTS"):
        page.screenshot(path=os.environ["THROUGHLINE_SCREENSHOTS"] + "/history.png", full_page=True)
