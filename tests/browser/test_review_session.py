"""The demo leader runs a weekly review in the browser: opens the upcoming session, reads its
live agenda, stops a work package that is overdue, records what it taught, and finds that
learning on the strategic objective it informs."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)

WORK = "German onboarding checklist in the app"
OBJECTIVE = "Clinics reach value on their own within their first week"
LEARNING = "New clinics finish setup faster with a checklist than with any walkthrough"


def test_leader_stops_overdue_work_and_feeds_a_learning_back_to_strategy(demo, sign_in):
    page = sign_in("leader@acme.example")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reviews").click()
    expect(page.get_by_role("heading", name="Review room")).to_be_visible()
    page.locator(".cadence-list").get_by_role("link", name="Weekly delivery review").click()
    page.get_by_role("button", name="Open the next review").click()

    # The live agenda of the upcoming weekly review.
    expect(page.get_by_role("heading", name="Weekly delivery review", level=1)).to_be_visible()
    expect(page.get_by_text("Live agenda")).to_be_visible()
    overdue = page.locator("#agenda-overdue")
    expect(overdue.get_by_role("heading", name="Overdue work")).to_be_visible()
    for heading in (
        "Open decisions from earlier reviews",
        "Success checks due",
        "Work not linked to strategy",
    ):
        expect(page.get_by_role("heading", name=heading)).to_be_visible()
    # Decisions of the last review that are still open come back.
    expect(page.locator("#agenda-open_decisions")).to_contain_text(
        "Track calls per 100 appointments weekly, not monthly"
    )

    # Stop the overdue work package, with the reason.
    row = overdue.locator("li.agenda-item").filter(has_text=WORK)
    row.get_by_text("Decide").click()
    row.get_by_label("Stop").check()
    row.get_by_label("Reason").fill("Clinics skip it; the welcome video covers the same steps.")
    row.get_by_role("button", name="Record decision").click()

    expect(page.get_by_text(f"Decision on “{WORK}” recorded.")).to_be_visible()
    decisions = page.locator("#decisions")
    expect(decisions.locator(".decision").filter(has_text=WORK)).to_contain_text("Stop")
    expect(page.locator("#agenda-overdue")).not_to_contain_text(WORK)

    # Record what it taught, for the strategic objective it informs.
    page.get_by_text("Record a learning").click()
    page.get_by_label("What we learned").fill(LEARNING)
    page.get_by_label("Evidence").fill(
        "8 of 10 test clinics finished setup from the checklist alone."
    )
    page.get_by_label("Informs the strategic objective").select_option(label=OBJECTIVE)
    page.locator("#learnings").get_by_label(WORK).check()
    page.get_by_role("button", name="Record learning").click()
    expect(
        page.get_by_text("Learning recorded: it now shows on its strategic objective.")
    ).to_be_visible()
    learnings = page.locator("#learnings")
    expect(learnings).to_contain_text(LEARNING)

    # The learning shows up on the strategic objective's page.
    learnings.get_by_role("link", name=OBJECTIVE).click()
    expect(page.get_by_role("heading", name=OBJECTIVE, level=1)).to_be_visible()
    panel = page.locator(".learnings-panel")
    expect(panel.get_by_role("heading", name="Learnings from the work")).to_be_visible()
    mine = panel.locator(".learning").filter(has_text=LEARNING)
    expect(mine).to_contain_text("8 of 10 test clinics finished setup from the checklist alone.")

    # And the work package it cites is stopped, with the review's reason.
    mine.get_by_role("link", name=WORK).click()
    expect(page.locator(".pill--stopped")).to_be_visible()
    expect(
        page.get_by_text(re.compile("welcome video covers the same steps")).first
    ).to_be_visible()
    page.screenshot(path="test-results/review-learning.png", full_page=True)
