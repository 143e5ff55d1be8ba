"""Sign-in security: lockout, password reset by e-mail, session and CSRF cookies, the CSP header,
and `check --deploy` with the production settings. Through the test client, as a browser would."""

import os
import re
import subprocess
import sys
from datetime import timedelta
from html import unescape
from io import StringIO
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from core import services
from core.tests.factories import PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db
LOGIN = "/accounts/login/"
RESET = "/accounts/password/reset/"
NEW_PASSWORD = "a-long-and-unusual-passphrase"
BASE_DIR = Path(settings.BASE_DIR)


def sign_in(client, email, password, ip="10.0.0.1"):
    return client.post(LOGIN, {"username": email, "password": password}, REMOTE_ADDR=ip)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@pytest.fixture
def person(org):
    return MembershipFactory(organization=org, user=UserFactory(email="ada@example.com")).user


def fail(client, email, times, ip="10.0.0.1"):
    """Sign in with a wrong password `times` times: the form again, until the limit locks."""
    for attempt in range(1, times + 1):
        response = sign_in(client, email, "wrong password", ip)
        expected = 429 if attempt >= settings.AXES_FAILURE_LIMIT else 200
        assert response.status_code == expected


# --- lockout -------------------------------------------------------------------------------


def test_the_sign_in_page_links_to_password_reset(client):
    html = client.get(LOGIN).content.decode()
    assert f'href="{RESET}"' in html
    assert "Forgot your password?" in html


def test_repeated_failures_lock_the_address_with_a_clear_message(client, person):
    limit = settings.AXES_FAILURE_LIMIT
    fail(client, person.email, limit - 1)

    locked = sign_in(client, person.email, "wrong password")
    assert locked.status_code == 429
    # Even the right password is refused while the pause lasts.
    again = sign_in(client, person.email, PASSWORD)
    assert again.status_code == 429
    assert not signed_in(client)
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert again.headers["Retry-After"] == str(minutes * 60)
    text = unescape(again.content.decode())
    assert "Sign-in paused" in text
    assert f"Too many failed sign-ins for {person.email}" in text
    assert f"paused for {minutes} minutes: try again after " in text
    retry_at = re.search(r"try again after (\d\d:\d\d) UTC", text).group(1)
    expected = timezone.now() + settings.AXES_COOLOFF_TIME
    assert retry_at in {
        (expected - timedelta(minutes=1)).strftime("%H:%M"),
        expected.strftime("%H:%M"),
    }
    assert f'href="{RESET}"' in again.content.decode()


def test_changing_the_case_of_the_address_does_not_dodge_the_lock(client, person):
    for i in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, person.email.upper() if i % 2 else person.email, "wrong password")
    assert sign_in(client, f"  {person.email.title()}", PASSWORD).status_code == 429


def test_the_lock_is_per_address_and_network(client, person, org):
    other = MembershipFactory(organization=org, user=UserFactory(email="bo@example.com")).user
    fail(client, person.email, settings.AXES_FAILURE_LIMIT)
    assert sign_in(client, person.email, PASSWORD).status_code == 429

    # Another person on the same network signs in; so does the same person from elsewhere.
    assert sign_in(Client(), other.email, PASSWORD).status_code == 302
    elsewhere = Client()
    assert sign_in(elsewhere, person.email, PASSWORD, ip="10.9.9.9").status_code == 302
    assert signed_in(elsewhere)


def test_a_success_before_the_limit_clears_the_count(client, person):
    fail(client, person.email, settings.AXES_FAILURE_LIMIT - 1)
    assert sign_in(client, person.email, PASSWORD).status_code == 302
    client.logout()
    fail(client, person.email, settings.AXES_FAILURE_LIMIT - 1)
    assert sign_in(client, person.email, PASSWORD).status_code == 302


def test_an_admin_lifts_the_lock_with_axes_reset(client, person):
    fail(client, person.email, settings.AXES_FAILURE_LIMIT)
    assert sign_in(client, person.email, PASSWORD).status_code == 429

    call_command("axes_reset_username", person.email, stdout=StringIO())
    assert sign_in(client, person.email, PASSWORD).status_code == 302
    assert signed_in(client)


def test_the_lock_ends_after_the_cool_off(client, person):
    fail(client, person.email, settings.AXES_FAILURE_LIMIT)
    assert sign_in(client, person.email, PASSWORD).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(seconds=1)
    )
    assert sign_in(client, person.email, PASSWORD).status_code == 302


def test_api_tokens_keep_working_while_sign_in_is_locked(client, person, org):
    issued = services.api_token_issue(user=person, organization=org, name="sync")
    fail(client, person.email, settings.AXES_FAILURE_LIMIT)
    assert sign_in(client, person.email, PASSWORD).status_code == 429
    api = Client(HTTP_AUTHORIZATION=f"Bearer {issued.raw}", REMOTE_ADDR="10.0.0.1")
    assert api.get("/api/v1/teams/").status_code == 200


# --- password reset ------------------------------------------------------------------------


def reset_link() -> str:
    (message,) = mail.outbox
    match = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", str(message.body))
    assert match, message.body
    return match.group(1)


def test_password_reset_by_email_sets_a_new_password_once(client, person):
    response = client.post(RESET, {"email": "ADA@example.com"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/accounts/password/reset/sent/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [person.email]
    assert message.subject == "Reset your Throughline password"
    assert "works once, and only for the next 2 hours" in message.body
    link = reset_link()

    form_page = client.get(link, follow=True)
    assert "Set a new password" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.headers["Location"] == "/accounts/password/reset/done/"
    assert sign_in(Client(), person.email, NEW_PASSWORD).status_code == 302
    assert sign_in(Client(), person.email, PASSWORD, ip="10.0.0.2").status_code == 200

    # The link works once.
    reused = Client().get(link, follow=True)
    assert "This link no longer works" in reused.content.decode()


def test_password_reset_answers_the_same_for_unknown_addresses(client, person):
    known = client.post(RESET, {"email": person.email})
    unknown = Client().post(RESET, {"email": "nobody@example.com"})
    assert (unknown.status_code, unknown.headers["Location"]) == (
        known.status_code,
        known.headers["Location"],
    )
    assert len(mail.outbox) == 1  # only the real person gets mail
    sent = Client().get(known.headers["Location"]).content.decode()
    assert "If a Throughline account uses that address" in sent


def test_an_inactive_person_gets_no_reset_mail(client, person):
    person.is_active = False
    person.save(update_fields=["is_active"])
    assert client.post(RESET, {"email": person.email}).status_code == 302
    assert mail.outbox == []


def test_a_reset_link_expires(client, person, monkeypatch):
    client.post(RESET, {"email": person.email})
    link = reset_link()
    later = default_token_generator._now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)
    response = client.get(link, follow=True)
    assert "This link no longer works" in response.content.decode()


def test_a_password_reset_lifts_a_sign_in_lock(client, person):
    fail(client, person.email, settings.AXES_FAILURE_LIMIT)
    assert sign_in(client, person.email, PASSWORD).status_code == 429
    client.post(RESET, {"email": person.email})
    page = client.get(reset_link(), follow=True)
    client.post(
        page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert sign_in(client, person.email, NEW_PASSWORD).status_code == 302


def test_the_reset_form_names_a_bad_field(client):
    response = client.post(RESET, {"email": "not an address"})
    assert response.status_code == 200
    assert "Enter a valid email address." in unescape(response.content.decode())
    assert mail.outbox == []


# --- sessions and cookies ------------------------------------------------------------------


def test_signing_in_rotates_the_session_and_sets_careful_cookies(client, person):
    client.get(LOGIN)
    session = client.session
    session["before"] = "anonymous"
    session.save()
    before = client.cookies["sessionid"].value

    response = sign_in(client, person.email, PASSWORD)
    assert response.status_code == 302
    cookie = response.cookies["sessionid"]
    assert cookie.value != before
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == settings.SESSION_COOKIE_AGE <= 60 * 60 * 24 * 7
    csrf = client.get(RESET).cookies.get("csrftoken") or client.cookies["csrftoken"]
    assert csrf["httponly"] is True
    assert csrf["samesite"] == "Lax"


def test_changing_the_password_signs_out_other_sessions(client, person):
    other = Client()
    sign_in(client, person.email, PASSWORD)
    sign_in(other, person.email, PASSWORD)
    person.set_password(NEW_PASSWORD)
    person.save()
    response = other.get("/settings/tokens/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith(LOGIN)


# --- headers and production settings -------------------------------------------------------


def test_pages_send_the_content_security_policy(client):
    policy = client.get(LOGIN).headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["form-action"] == "'self'"
    assert "unsafe" not in policy


def test_api_docs_load_their_script_from_a_file(client, person):
    client.force_login(person)
    html = client.get("/api/docs/").content.decode()
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == []
    assert "<style" not in html
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script.headers["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "DJANGO_SECRET_KEY": "test-only-not-a-secret-0123456789-abcdefghijklmnopqrstuvwxyz",
    "DJANGO_ALLOWED_HOSTS": "throughline.example",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def run_manage(*args, env):
    return subprocess.run(  # noqa: S603 - our own manage.py with fixed arguments
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        # Not the test process's DJANGO_ALLOW_ASYNC_UNSAFE (pytest-playwright sets it; a
        # deployment must not, and check --deploy says so).
        env={
            **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_with_the_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_cookies_are_secure_and_a_weak_secret_is_reported():
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
        "s.CSRF_COOKIE_HTTPONLY, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS > 0)"
    )
    result = run_manage("shell", "-v", "0", "-c", code, env=PRODUCTION_ENV)
    assert result.stdout.split() == ["True"] * 6, result.stderr
    weak = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={**PRODUCTION_ENV, "DJANGO_SECRET_KEY": "short"},
    )
    assert weak.returncode != 0  # the CI step fails on a warning
    assert "security.W009" in weak.stderr + weak.stdout
