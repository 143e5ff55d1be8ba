"""A team lead scores and ranks the backlog, then plans a sprint past its capacity, as a person
would in the browser: the warning asks for a reason, and the split shows against the target."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)

CSV = "Export bookings to CSV for Praxis Müller"
CALENDAR = "Patient-facing calendar view of free slots"
LOGO = "Clinic logo on the booking page"


def test_team_lead_plans_a_sprint_past_capacity_with_a_reason(demo, sign_in, live_server):
    page = sign_in("lead@acme.example")

    # The backlog: Growth's open work, ranked, with categories and strategic links.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Backlog").click()
    expect(page.get_by_role("heading", name="Backlog · Growth")).to_be_visible()
    rows = page.locator("tr.backlog__row")
    expect(rows.first).to_contain_text("German onboarding checklist in the app")
    expect(page.locator(".targets")).to_contain_text("Strategic 70 %")

    # Score a request higher, then move it up by hand.
    page.get_by_role("link", name=f"Score “{CSV}”").click()
    page.get_by_label("Urgency").select_option("5")
    page.get_by_label("Impact").select_option("3")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(f"Saved the scoring of “{CSV}”.")).to_be_visible()
    csv_row = page.locator("tr.backlog__row", has_text=CSV)
    before = int(csv_row.locator(".rank").inner_text())
    csv_row.get_by_role("button", name=f"Move “{CSV}” up").click()
    expect(page.get_by_text(f"Moved “{CSV}” to #{before - 1}.")).to_be_visible()
    csv_row = page.locator("tr.backlog__row", has_text=CSV)
    expect(csv_row.locator(".rank")).to_have_text(str(before - 1))
    expect(csv_row).to_contain_text("placed by Tom Becker")

    # Plan the next sprint, smaller than usual.
    page.get_by_role("link", name="Sprints", exact=True).click()
    expect(page.get_by_role("heading", name="Sprints · Growth")).to_be_visible()
    page.get_by_role("link", name="New sprint").click()
    expect(page.get_by_label("Name")).to_have_value("Sprint 4")
    page.get_by_label("Capacity (points)").fill("10")
    page.get_by_label("Goal").fill("Patients see free slots before they call")
    page.get_by_role("button", name="Plan sprint").click()
    expect(page.get_by_role("heading", name="Sprint 4")).to_be_visible()
    expect(page.locator(".load")).to_contain_text("0 of 10 points planned")

    # Ready work from the top of the backlog fits ...
    page.get_by_role("button", name=f"Commit “{CALENDAR}”").click()
    expect(page.get_by_text(f"Committed “{CALENDAR}” to Sprint 4.")).to_be_visible()
    expect(page.locator(".load")).to_contain_text("8 of 10 points planned")

    # ... the next one does not: a warning, and a reason to record.
    page.get_by_role("button", name=f"Commit “{LOGO}”").click()
    warning = page.locator(".callout--warn")
    expect(warning).to_contain_text("It would plan 11 points into a capacity of 10 (1 over).")
    expect(page.locator("#field-reason .field__error")).to_contain_text("Record why")
    expect(page.locator(".commitments")).not_to_contain_text(LOGO)
    page.get_by_label("Why commit it anyway?").fill("Praxis Müller relaunches on the 1st")
    page.get_by_role("button", name="Commit anyway").click()

    expect(page.get_by_text(f"Committed “{LOGO}” to Sprint 4.")).to_be_visible()
    committed = page.locator(".commitments")
    expect(committed).to_contain_text(LOGO)
    expect(committed).to_contain_text("“Praxis Müller relaunches on the 1st”")
    expect(committed).to_contain_text("over capacity")

    # Planned against capacity, and the split against the 70 / 30 target, as bars and words.
    expect(page.locator(".load--over")).to_contain_text("1 over capacity")
    strategic = page.locator('.split__row[data-group="strategic"]')
    tactical = page.locator('.split__row[data-group="tactical"]')
    expect(strategic).to_contain_text("73 %")
    expect(strategic).to_contain_text("target 70 %")
    expect(tactical).to_contain_text("27 %")
    expect(strategic.locator(".bullet__fill")).to_have_class(re.compile(r"pw-73"))
    expect(strategic.locator(".bullet__target")).to_have_class(re.compile(r"pw-70"))
    page.screenshot(path="test-results/sprint-planning.png", full_page=True)
