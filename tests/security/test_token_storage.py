"""API tokens and invitation links are stored only as hashes: after issuing them through every
door (command, page, service) and using them, no table of the database holds a raw one.

(Expiry, revocation and scope are tested in core/tests/test_api.py.)
"""

import re
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import Client

from core import services
from core.models import ApiToken, Invitation
from core.services import _hash_token

pytestmark = pytest.mark.django_db


def whole_database() -> str:
    """Every row of every table of the database, as text."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT quote_ident(table_name) FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
        tables = [row[0] for row in cursor.fetchall()]
        dump: list[str] = []
        for table in tables:
            cursor.execute(f"SELECT t::text FROM {table} t")  # noqa: S608 - names from the catalog
            dump.extend(row[0] for row in cursor.fetchall())
    assert len(tables) > 20
    return "\n".join(dump)


def test_no_raw_token_or_invitation_link_is_stored(
    admin, member, org, client_for, django_capture_on_commit_callbacks
):
    issued = []

    # The command prints a token once.
    out = StringIO()
    call_command("issue_token", member.user.email, "--scope", "write", stdout=out)
    issued.append(out.getvalue().strip().split()[-1])

    # The page shows a new token once.
    page = client_for(member).post(
        "/settings/tokens/", {"name": "Laptop", "scope": "read", "expires_on": ""}
    )
    assert page.status_code == 201
    shown = set(re.findall(r"tl_[A-Za-z0-9_\-]{20,}", page.content.decode()))
    assert len(shown) == 1
    issued.append(shown.pop())
    again = client_for(member).get("/settings/tokens/").content.decode()
    assert issued[-1] not in again  # shown once, never again

    # The service, then each token used on the API (which notes its last use).
    issued.append(services.api_token_issue(user=member.user, organization=org, name="CI").raw)
    for raw in issued:
        assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/teams/").status_code == 200
    assert ApiToken.objects.filter(last_used_at__isnull=False).count() == 3

    # An invitation: its link goes out by e-mail, only its hash stays.
    with django_capture_on_commit_callbacks(execute=True):  # the e-mail goes out on commit
        services.invitation_send(
            actor=admin, email="new@example.com", role="member", teams=[], base_url="http://t/"
        )
    link = re.search(r"/invite/([\w-]+)/", mail.outbox[-1].body).group(1)

    dump = whole_database()
    for raw in [*issued, link]:
        assert raw not in dump
        assert raw[12:40] not in dump  # not even a stretch of it
    # The dump did see the tokens: their hashes are there.
    for raw in issued:
        assert _hash_token(raw) in dump
    assert Invitation.objects.get().token_hash == _hash_token(link)
