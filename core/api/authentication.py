"""`Authorization: Bearer <token>`: the token, its person, organization and membership in one query.

Every API request pays for authentication, so it is one statement, written once per process
from the models' own columns (no ORM compilation per request): the token by its hash, joined
to its user, its organization and the user's active membership there. The membership travels
on the token (``MEMBERSHIP_ATTR``) to ``IsOrganizationMember``, which then needs no query.
The rules are those of ``core.services.api_token_authenticate``: a revoked or expired token, or
an inactive person, is a 401; the token's use is noted at most once a minute.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from typing import Any

from django.db import connection, models
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from core.models import ApiToken, Membership, Organization, User
from core.services import _hash_token

# Set on the token: the caller's active membership in the token's organization, or None.
MEMBERSHIP_ATTR = "_api_membership"
LAST_USED_EVERY = timedelta(minutes=1)


class _Part:
    """One model's columns in the joined row, read back into an instance as the ORM would."""

    def __init__(self, model: type[models.Model], alias: str) -> None:
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.attnames = [f.attname for f in self.fields]
        self.pk_index = self.attnames.index(model._meta.pk.attname)  # NULL: no row joined
        self.columns = [f"{alias}.{connection.ops.quote_name(str(f.column))}" for f in self.fields]
        self.converters = [
            (i, f, f.get_db_converters(connection))
            for i, f in enumerate(self.fields)
            if f.get_db_converters(connection)
        ]

    def build(self, values: list) -> models.Model:
        for i, field, converters in self.converters:
            for convert in converters:
                values[i] = convert(values[i], field.cached_col, connection)
        return self.model.from_db(connection.alias, self.attnames, values)


@cache
def _query() -> tuple[str, list[_Part]]:
    q = connection.ops.quote_name
    parts = [
        _Part(ApiToken, "t"),
        _Part(User, "u"),
        _Part(Organization, "o"),
        _Part(Membership, "m"),
    ]
    sql = (
        f"SELECT {', '.join(c for p in parts for c in p.columns)} "  # noqa: S608 - names from the models
        f"FROM {q(ApiToken._meta.db_table)} t "
        f"JOIN {q(User._meta.db_table)} u ON u.id = t.user_id "
        f"JOIN {q(Organization._meta.db_table)} o ON o.id = t.organization_id "
        f"LEFT JOIN {q(Membership._meta.db_table)} m ON m.user_id = t.user_id "
        "AND m.organization_id = t.organization_id AND m.is_active "
        "WHERE t.token_hash = %s"
    )
    return sql, parts


def token_for_request(raw: str) -> ApiToken | None:
    """The active token for a raw value, its user and organization loaded and the active
    membership attached (``MEMBERSHIP_ATTR``); None when unknown, revoked, expired or the
    person is inactive."""
    sql, parts = _query()
    with connection.cursor() as cursor:
        cursor.execute(sql, [_hash_token(raw)])
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    instances: list[Any] = []
    start = 0
    for part in parts:
        chunk = values[start : start + len(part.fields)]
        start += len(part.fields)
        instances.append(part.build(chunk) if chunk[part.pk_index] is not None else None)
    token: ApiToken = instances[0]
    user: User = instances[1]
    organization: Organization = instances[2]
    membership: Membership | None = instances[3]
    if not token.is_active or not user.is_active:
        return None
    token.user = user
    token.organization = organization
    if membership is not None:
        membership.user = user
        membership.organization = organization
    setattr(token, MEMBERSHIP_ATTR, membership)
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


class BearerTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <token>`; a revoked, expired or unknown token is a 401."""

    keyword = "bearer"

    def authenticate(self, request):
        header = get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() != self.keyword:
            return None
        if len(header) != 2:
            raise AuthenticationFailed("Send the token as `Authorization: Bearer <token>`.")
        token = token_for_request(header[1])
        if token is None:
            raise AuthenticationFailed("The token is unknown, revoked or expired.")
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="throughline"'


class BearerTokenScheme(OpenApiAuthenticationExtension):
    """Tells the OpenAPI schema how clients authenticate."""

    target_class = "core.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token from the app's API tokens page or `manage.py issue_token`.",
        }
