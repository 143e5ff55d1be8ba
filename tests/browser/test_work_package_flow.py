"""A team lead turns an intention into a tactic, as a person would in the browser."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_team_lead_makes_an_intention_ready_and_finds_it_in_my_work(demo, sign_in, live_server):
    page = sign_in("lead@acme.example")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My work").click()
    expect(page.get_by_role("heading", name="My work")).to_be_visible()

    page.get_by_role("link", name="Work packages").click()
    page.get_by_role("link", name="New work package").click()
    page.get_by_label("Title").fill("Waiting-list alerts for cancelled slots")
    page.get_by_label("Initiative").select_option(
        label="Self-service rescheduling for patients — Patients book, move and cancel appointments without calling the clinic"
    )
    page.get_by_label("Status").select_option("ready")
    page.get_by_role("button", name="Save").click()

    # Asked for "ready" without owner, due date or success check: errors beside each field.
    expect(page.locator("#field-owner .field__error")).to_contain_text("Choose an owner")
    expect(page.locator("#field-due_date .field__error")).to_contain_text("Set a due date")
    expect(page.locator("#field-success_criterion .field__error")).to_be_visible()
    checklist = page.locator(".readiness")
    expect(checklist).to_contain_text("Still an intention")
    expect(checklist.locator(".checklist__item--missing")).to_have_count(3)

    # Saved as an intention, the checklist on its page still complains.
    page.get_by_label("Status").select_option("intention")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved as an intention")).to_be_visible()
    expect(page.locator(".readiness")).to_contain_text("Still an intention")

    # Complete it: owner, due date and success check.
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Owner").select_option(label="Tom Becker")
    page.get_by_label("Due date").fill("2030-01-31")
    page.get_by_label("Success check").fill("20 % of cancelled slots are re-booked within a day")
    page.get_by_label("Check on").fill("2030-02-14")
    page.get_by_label("Status").select_option("ready")
    page.get_by_role("button", name="Save").click()

    expect(page.get_by_text("Work package saved.")).to_be_visible()
    expect(page.locator(".readiness")).to_contain_text("Ready to be a tactic")
    expect(page.locator(".pill--ready")).to_be_visible()

    page.get_by_role("link", name="My work").click()
    row = page.get_by_role("row", name=re.compile("Waiting-list alerts"))
    expect(row).to_be_visible()
    expect(row).to_contain_text("Self-service rescheduling for patients")
    page.screenshot(path="test-results/my-work.png", full_page=True)
