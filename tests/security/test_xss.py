"""Stored XSS: a script payload in every free-text field of every tenant-owned model renders as
text on every page that shows it.

The fields come from the models (every CharField, TextField and ArrayField of strings on a model
with an `organization`, plus Organization and User), so a new field is covered without editing
this file. The demo is seeded through the services; then every row of every such model gets a
payload numbered after its field, and the site is walked as an admin, a team lead and a member.
A field must show escaped on at least one page, or be listed in NOT_SHOWN with the reason.
"""

import re
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models

from core.tests.factories import MembershipFactory, UserFactory
from core.webhook_models import WebhookSubscription
from core.webhooks import event_type_groups, webhook_subscription_create

pytestmark = pytest.mark.django_db

APPS = ("core", "planning", "okrs", "backlog", "reviews")

# Strings that are not free text: keys, hashes, validated names. Each with why.
NOT_FREE_TEXT = {
    "core.User.password": "a password hash",
    "core.Organization.timezone": "validated against the IANA zone names",
    "core.Invitation.token_hash": "a SHA-256 hash, never shown",
    "core.ApiToken.prefix": "drawn by the service from the random token",
    "core.ApiToken.token_hash": "a SHA-256 hash, never shown",
    "core.IdempotencyKey.key": "an API client's key, never shown on a page",
    "core.IdempotencyKey.method": "an HTTP method",
    "core.IdempotencyKey.path": "a request path, never shown",
    "core.IdempotencyKey.request_hash": "a hash",
    "core.ChangeLogEntry.object_type": "a type name from code",
    "core.WebhookSubscription.event_types": "validated against the known event names",
    "core.WebhookSubscription.secret": "drawn by the service; shown once as issued",
    "reviews.SentReminder.period": "part of a reminder's unique key, from code",
    "reviews.SentReminder.url": "a path built by the reminder service",
    "reviews.Notification.url": "a path from code; notification_open redirects only to this host",
}

# Free text that no page shows (so there is nothing to escape), each with why.
NOT_SHOWN: dict[str, str] = {
    "backlog.RankChange.reason": "the log of manual re-ranks; pages show the current override",
    "reviews.SentReminder.subject": "the text of a sent reminder e-mail (plain text, no page)",
    "reviews.SentReminder.body": "the same",
    "reviews.SentReminder.last_error": "a delivery error kept for operators",
}

LONG = '<script>alert({n})</script>"><img src=x onerror=alert({n})>'
SHORT = "<i>{n}</i>"  # for fields too short for LONG (units and the like)
RAW = re.compile(r"<script>alert\(\d+\)|<img src=x onerror|<i>\d+</i>", re.IGNORECASE)


@dataclass
class TextField:
    n: int
    model: type[models.Model]
    field: models.Field

    @property
    def label(self) -> str:
        return f"{self.model._meta.label}.{self.field.name}"

    @property
    def max_length(self) -> int | None:
        base = self.field.base_field if isinstance(self.field, ArrayField) else self.field
        return getattr(base, "max_length", None)

    @property
    def payload(self) -> str:
        long = LONG.format(n=self.n)
        return long if (self.max_length or 10_000) >= len(long) + 6 else SHORT.format(n=self.n)

    @property
    def escaped(self) -> str:
        if self.payload.startswith("<script>"):
            return f"&lt;script&gt;alert({self.n})&lt;/script&gt;"
        return f"&lt;i&gt;{self.n}&lt;/i&gt;"


def is_audit_event(model) -> bool:
    # Rows of the audit history are written by database triggers from the tracked rows, so the
    # payloads reach them through the writes below.
    return any(f.name == "pgh_obj" for f in model._meta.get_fields())


def free_text_fields() -> list[TextField]:
    found: list[TextField] = []
    for model in apps.get_models():
        if model._meta.app_label not in APPS or is_audit_event(model):
            continue
        names = {f.name for f in model._meta.concrete_fields}
        if "organization" not in names and model._meta.label not in (
            "core.Organization",
            "core.User",
        ):
            continue
        for field in model._meta.concrete_fields:
            if field.choices or isinstance(
                field, models.SlugField | models.EmailField | models.URLField
            ):
                continue
            is_text = isinstance(field, models.CharField | models.TextField)
            is_text_list = (
                isinstance(field, ArrayField)
                and isinstance(field.base_field, models.CharField)
                and not field.base_field.choices
            )
            if is_text or is_text_list:
                text = TextField(n=len(found) + 1, model=model, field=field)
                if text.label not in NOT_FREE_TEXT:
                    found.append(text)
    return found


def write_payloads(fields: list[TextField]) -> None:
    for text in fields:
        for i, pk in enumerate(text.model._default_manager.values_list("pk", flat=True)):
            value: str | list[str] = f"{text.payload} {i}"  # unique where names must be
            if isinstance(text.field, ArrayField):
                value = [text.payload, f"second {i}"]
            text.model._default_manager.filter(pk=pk).update(**{text.field.attname: value})


def test_the_exception_lists_name_real_fields():
    for label in (*NOT_FREE_TEXT, *NOT_SHOWN):
        app_model, field = label.rsplit(".", 1)
        apps.get_model(app_model)._meta.get_field(field)  # raises when it no longer exists


def test_every_free_text_field_renders_escaped_on_every_page(demo, crawl_as):
    fields = free_text_fields()
    assert len(fields) >= 40  # the models were read
    write_payloads(fields)

    pages = crawl_as()
    assert len(pages) > 50
    failed = [key for key, page in pages.items() if page.status >= 500]
    assert not failed, f"pages failed with the payloads stored: {failed}"
    for (who, path), page in pages.items():
        match = RAW.search(page.html)
        assert match is None, f"{path} (as {who}) renders stored markup unescaped: {match[0]!r}"
        assert 'href="javascript:' not in page.html.lower(), f"{path} links to javascript:"

    every_page = "\n".join(page.html for page in pages.values())
    unseen = [t.label for t in fields if t.escaped not in every_page and t.label not in NOT_SHOWN]
    assert not unseen, f"No page walked shows these fields; list each in NOT_SHOWN: {unseen}"


def test_a_webhook_url_must_be_http(org):
    admin = MembershipFactory(organization=org, user=UserFactory(), role="admin")
    event = event_type_groups()[0][1][0]
    for url in ("javascript:alert(1)", "data:text/html,<script>alert(1)</script>"):
        with pytest.raises(ValidationError) as exc:
            webhook_subscription_create(actor=admin, url=url, event_types=[event])
        assert "url" in exc.value.message_dict
    assert not WebhookSubscription.objects.exists()
