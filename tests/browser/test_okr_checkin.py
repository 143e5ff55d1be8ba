"""A member does the weekly check-in on a phone, as a person would in the browser."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
KEY_RESULT = "Median time to rebook a cancelled slot"  # 140 → 60 seconds, owned by the member


def test_member_checks_in_on_a_phone_and_sees_progress_move(demo, sign_in, live_server):
    page = sign_in("member@acme.example")
    page.set_viewport_size(PHONE)

    # On a phone the navigation folds into a menu.
    page.get_by_role("button", name="Menu").click()
    page.get_by_role("link", name="My check-ins").click()
    expect(page.get_by_role("heading", name="My check-ins")).to_be_visible()
    due = page.locator(".kr-item", has_text=KEY_RESULT)
    expect(due).to_be_visible()
    expect(page.locator(".kr-list").first).to_contain_text(KEY_RESULT)  # due this week
    before = int(due.get_by_role("progressbar").get_attribute("aria-valuenow"))

    due.get_by_role("link", name=re.compile("Check in")).click()
    expect(page.get_by_role("heading", name="Check in")).to_be_visible()
    expect(page.locator(".checkin-summary")).to_contain_text(KEY_RESULT)

    # A word instead of a number: the error shows beside the field, nothing is saved.
    page.get_by_label("Current value (seconds)").fill("about ninety")
    page.get_by_role("button", name="Save check-in").click()
    expect(page.locator("#field-value .field__error")).to_have_text("Enter a number.")
    expect(page.get_by_label("Current value (seconds)")).to_have_value("about ninety")

    page.get_by_label("Current value (seconds)").fill("70")
    page.get_by_label("Confidence to reach the target").select_option("8")
    page.get_by_label("What moved it, what is in the way").fill(
        "Slot picker is live for all clinics."
    )
    page.get_by_role("button", name="Save check-in").click()

    # Back on the list: 140 → 70 of the way to 60 is 88 %, and it is done for this week.
    expect(page.get_by_text(f"Checked in: “{KEY_RESULT}” is at 88 % (70 seconds).")).to_be_visible()
    expect(page.get_by_role("heading", name="Checked in this week")).to_be_visible()
    done = page.locator(".kr-item", has_text=KEY_RESULT)
    expect(done.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "88")
    expect(done).to_contain_text("70 seconds")
    expect(done.locator(".confidence")).to_contain_text("8")
    assert before < 88
    page.screenshot(path="test-results/okr-check-in-phone.png", full_page=True)

    # The objective's page charts the new point and keeps the note.
    done.get_by_role("link", name="Patients rebook a cancelled slot in under a minute").click()
    card = page.locator(".kr", has_text=KEY_RESULT)
    expect(card.locator(".kr__value")).to_have_text("70 seconds")
    card.get_by_text("Check-in notes").click()
    expect(card.locator(".kr__notes li").first).to_contain_text(
        "Slot picker is live for all clinics."
    )
