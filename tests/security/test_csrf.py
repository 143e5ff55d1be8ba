"""Every form that POSTs carries Django's CSRF token, and a POST without it is refused (403).

The forms are found by walking the site as an admin, a team lead, a member and an anonymous
visitor (tests/security/crawl.py), so a new page with a form is covered once it is linked.
"""

import pytest
from django.test import Client
from django.urls import get_resolver

from core.models import User
from tests.security.crawl import route_of

pytestmark = pytest.mark.django_db

# Routes the walk cannot reach by following links, each with why.
UNREACHED_BY_DESIGN = {
    "core:invitation_accept": "reached from an e-mailed link; tested in core/tests/test_views.py",
    "core:password_reset_confirm": "reached from an e-mailed link; core/tests/test_auth_security.py",
    "core:password_reset_complete": "after a reset; core/tests/test_auth_security.py",
    "core:password_reset_done": "after asking for a reset; core/tests/test_auth_security.py",
    "core:password_change_done": "after changing the password; core/tests/test_views.py",
    "core:logout": "a POST from the person menu, checked as a form below",
    "core:webhook_redeliver": "shown for a failed delivery only; core/tests/test_webhooks.py",
    "reviews:session_close": "shown while a review is under way; reviews/tests",
    "reviews:calendar_feed": "an .ics feed behind a secret URL (no session, no form)",
    "reviews:calendar_feed_cadence": "the same feed for one cadence",
}
APP_NAMESPACES = ("core", "planning", "okrs", "backlog", "reviews")


def app_routes() -> set[str]:
    names = set()
    for namespace, (_, resolver) in get_resolver().namespace_dict.items():
        if namespace in APP_NAMESPACES:
            names |= {f"{namespace}:{n}" for n in resolver.reverse_dict if isinstance(n, str)}
    return names


def test_every_post_form_has_a_csrf_token_and_is_refused_without_it(demo, crawl_as):
    pages = crawl_as()
    assert not [k for k, p in pages.items() if p.status >= 500], "a page failed"

    forms = {}  # (who, action route) -> (who, page path, form)
    for (who, path), page in pages.items():
        for form in page.forms:
            if form.method != "post":
                continue
            assert "csrfmiddlewaretoken" in form.fields, (
                f"The POST form to {form.action} on {path} (as {who}) has no {{% csrf_token %}}"
            )
            forms.setdefault((who, form.action), (who, path, form))
    assert len({route_of(action) for _, action in forms}) >= 20  # the walk found the forms

    clients = {}
    for (who, action), (_, path, form) in sorted(forms.items()):
        if who not in clients:
            clients[who] = Client(enforce_csrf_checks=True)
            if who != "anonymous":
                clients[who].force_login(User.objects.get(email=who))
        data = {name: "x" for name in form.fields if name != "csrfmiddlewaretoken"}
        response = clients[who].post(action, data)
        assert response.status_code == 403, (
            f"POST {action} without a CSRF token (form on {path}, as {who}) "
            f"answered {response.status_code}"
        )

    # Every page route of the apps was walked, or posted to, or is listed above with a reason.
    reached = {route_of(path) for _, path in pages} | {route_of(action) for _, action in forms}
    missing = app_routes() - reached - set(UNREACHED_BY_DESIGN)
    assert not missing, f"No page links to these routes, so no test walks them: {sorted(missing)}"
