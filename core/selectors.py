"""Reads for people and tenancy. Everything is scoped to an organization the caller belongs to."""

from __future__ import annotations

import uuid
from functools import cache
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, models
from django.db.models import Count, Prefetch, Q, QuerySet

from core.models import ApiToken, Invitation, Membership, Organization, Team, User


def membership_for_user(
    *, user: User, organization_id: str | uuid.UUID | None
) -> Membership | None:
    """The active membership a signed-in person works in: the chosen one, else their first."""
    memberships = Membership.objects.select_related("organization", "user").filter(
        user=user, is_active=True
    )
    if organization_id:
        try:
            chosen = memberships.filter(organization_id=organization_id).first()
        except (ValueError, TypeError, ValidationError):  # a stale, tampered or malformed id
            chosen = None
        if chosen is not None:
            return chosen
    return memberships.order_by("organization__name").first()


def organizations_for_user(*, user: User) -> QuerySet[Organization]:
    return Organization.objects.filter(
        memberships__user=user, memberships__is_active=True
    ).order_by("name")


def team_list(*, organization: Organization, include_archived: bool = False) -> QuerySet[Team]:
    teams = Team.objects.filter(organization=organization).select_related("parent")
    if not include_archived:
        teams = teams.filter(archived_at__isnull=True)
    return teams.annotate(
        member_count=Count("memberships", filter=Q(memberships__is_active=True))
    ).order_by("archived_at", "name")


def team_get(*, organization: Organization, team_id) -> Team:
    return Team.objects.select_related("parent").get(organization=organization, pk=team_id)


def member_list(*, organization: Organization) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .prefetch_related(Prefetch("teams", queryset=Team.objects.order_by("name")))
        .order_by("-is_active", "user__full_name", "user__email")
    )


def member_get(*, organization: Organization, membership_id) -> Membership:
    return member_list(organization=organization).get(pk=membership_id)


def people_in_organization(*, organization: Organization, keep=None) -> QuerySet[User]:
    """Active people who can own work in an organization (plus ``keep``, a current owner who
    may have been deactivated since, so editing their work does not silently drop them): the
    owner choices of forms, so only what shows (ids, names and e-mails; thousands at scale)."""
    active = Q(memberships__organization=organization, memberships__is_active=True, is_active=True)
    people = User.objects.filter(active | Q(pk=keep.pk) if keep is not None else active)
    return people.distinct().only("id", "full_name", "email").order_by("full_name", "email")


def invitation_list_pending(*, organization: Organization) -> QuerySet[Invitation]:
    from django.utils import timezone

    return Invitation.objects.filter(
        organization=organization,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).order_by("-created_at")


def api_token_list(*, user: User, organization: Organization) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user, organization=organization).order_by(
        "revoked_at", "-created_at"
    )


# --- API tokens: the read every API request makes ---------------------------------------------
#
# One statement, written once per process from the models' own columns (no ORM compilation per
# request): the token by its hash, joined to its user, its organization and the user's active
# membership there. The membership travels on the token (``MEMBERSHIP_ATTR``) so the API's
# permission check needs no query of its own.

# Set on the token: the caller's active membership in the token's organization, or None.
MEMBERSHIP_ATTR = "_api_membership"


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


def api_token_by_hash(token_hash: str) -> ApiToken | None:
    """The token with this hash (whatever its state), its user and organization loaded and the
    user's active membership in that organization attached as ``MEMBERSHIP_ATTR``."""
    sql, parts = _query()
    with connection.cursor() as cursor:
        cursor.execute(sql, [token_hash])
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
    token, user, organization, membership = instances
    token.user = user
    token.organization = organization
    if membership is not None:
        membership.user = user
        membership.organization = organization
    setattr(token, MEMBERSHIP_ATTR, membership)
    return token
