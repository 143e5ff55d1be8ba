import datetime

import pytest
from django.test import Client

from core.models import User
from tests.security.crawl import Page, crawl

# People whose pages differ: an admin (settings), a team lead (backlog, sprints), a member.
CRAWLERS = ("admin@acme.example", "lead@acme.example", "member@acme.example")


@pytest.fixture
def demo(db, seed_demo):
    """The demo organizations, plus what only appears after use: tokens, a webhook, an
    invitation, notifications and a cycle in planning, so their pages and forms show too."""
    from core import services as core_services
    from core.models import Membership, Organization
    from core.webhooks import event_type_groups, webhook_subscription_create
    from okrs.services import cycle_create
    from reviews.models import NotificationKind
    from reviews.services import notification_create

    seed_demo()
    acme = Organization.objects.get(name="Acme")
    admin = Membership.objects.get(organization=acme, user__email="admin@acme.example")
    for email in CRAWLERS:
        user = User.objects.get(email=email)
        core_services.api_token_issue(user=user, organization=acme, name="Laptop sync")
        notification_create(
            organization=acme,
            recipient=user,
            kind=NotificationKind.REVIEW_UPCOMING,
            title="A review is coming up",
            url="/reviews/",
        )
    webhook_subscription_create(
        actor=admin,
        url="https://hooks.example.com/throughline",
        event_types=[event_type_groups()[0][1][0]],
    )
    core_services.invitation_send(
        actor=admin,
        email="new.hire@acme.example",
        role="member",
        teams=[],
        base_url="http://testserver/",
    )
    cycle_create(
        actor=admin,
        name="Next half",
        start_date=datetime.date(2031, 1, 1),
        end_date=datetime.date(2031, 6, 30),
    )


@pytest.fixture
def crawl_as():
    """Every page each demo person can reach by following links: {(who, path): Page}."""

    def run(people=CRAWLERS, per_route=2) -> dict[tuple[str, str], Page]:
        pages: dict[tuple[str, str], Page] = {}
        for email in people:
            client = Client()
            client.force_login(User.objects.get(email=email))
            for path, page in crawl(client, per_route=per_route).items():
                pages[(email, path)] = page
        anonymous = crawl(Client(), start=("/accounts/login/", "/accounts/password/reset/"))
        for path, page in anonymous.items():
            pages[("anonymous", path)] = page
        return pages

    return run
