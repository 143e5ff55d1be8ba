"""The pages satisfy the Content Security Policy in a real Chromium: no inline script, no inline
style, no eval, nothing from another origin. Any violation the browser reports fails the test.

The walk starts from the navigation of a signed-in admin and a team lead and follows the links
it finds (a few per route), so a new page linked from the navigation is covered too; the API
docs, the admin, and the anonymous pages (sign-in, password reset) are opened as well.
"""

from urllib.parse import urlsplit

import pytest
from django.urls import Resolver404, resolve

from core.models import User

pytestmark = pytest.mark.django_db(transaction=True)

PER_ROUTE = 2
MAX_PAGES = 70
SKIP = ("/api/v1/", "/api/schema/", "/static/", "/accounts/logout/", "/calendar/")


def watch(page) -> list[str]:
    """Collect what the browser reports: CSP violations as events and as console errors."""
    violations: list[str] = []
    page.on(
        "console",
        lambda msg: (
            violations.append(f"{page.url}: {msg.text}")
            if msg.type == "error" and "Content Security Policy" in msg.text
            else None
        ),
    )
    page.on("pageerror", lambda exc: violations.append(f"{page.url}: {exc}"))
    page.expose_function("__cspViolation", lambda text: violations.append(text))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', (e) => "
        "window.__cspViolation(`${document.location.pathname}: ${e.violatedDirective} "
        "blocked ${e.blockedURI || 'inline'} (${e.sourceFile}:${e.lineNumber})`));"
    )
    return violations


def route(path: str) -> str | None:
    try:
        return resolve(urlsplit(path).path).view_name
    except Resolver404:
        return None


def walk(page, base: str, start: list[str], seen_routes: dict[str, int], visited: set[str]):
    queue = list(start)
    while queue and len(visited) < MAX_PAGES:
        path = queue.pop(0)
        name = route(path)
        if path in visited or name is None or seen_routes.get(name, 0) >= PER_ROUTE:
            continue
        seen_routes[name] = seen_routes.get(name, 0) + 1
        visited.add(path)
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)"):
            parts = urlsplit(href)
            if parts.netloc != urlsplit(base).netloc or parts.path.startswith(SKIP):
                continue
            local = parts.path + (f"?{parts.query}" if parts.query else "")
            if local not in visited:
                queue.append(local)


def test_pages_raise_no_content_security_policy_violation(demo, sign_in, live_server, page):
    violations = watch(page)
    base = live_server.url

    # Anonymous pages first.
    for path in ("/accounts/login/", "/accounts/password/reset/", "/admin/login/"):
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
    page.goto(base + "/accounts/password/reset/")
    page.get_by_label("E-mail address").fill("nobody@example.com")
    page.get_by_role("button", name="Send the link").click()
    page.wait_for_load_state("networkidle")

    visited: set[str] = set()
    seen_routes: dict[str, int] = {}
    for email in ("admin@acme.example", "lead@acme.example"):
        page.context.clear_cookies()
        sign_in(email)
        page.wait_for_load_state("networkidle")
        # The htmx live advice on the objective form runs under the policy too.
        walk(page, base, ["/", "/okrs/", "/reviews/", "/notifications/"], seen_routes, visited)
    assert len(visited) >= 25, sorted(visited)

    # The API docs (Swagger UI, its start-up script served as a file) render the schema.
    page.goto(base + "/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)

    assert violations == []

    # The admin, as staff: lists, and a form with its JavaScript widgets.
    User.objects.filter(email="admin@acme.example").update(is_staff=True, is_superuser=True)
    page.context.clear_cookies()
    sign_in("admin@acme.example")
    for path in ("/admin/", "/admin/auth/group/", "/admin/axes/accessattempt/"):
        page.goto(base + path)  # waits for the load event: scripts and styles have run
    page.goto(base + "/admin/auth/group/add/")
    page.wait_for_selector(".selector select", state="attached")  # SelectFilter2 ran
    page.screenshot(path="test-results/csp-admin-form.png", full_page=True)
    assert violations == []
