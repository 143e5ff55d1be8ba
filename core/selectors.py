"""Reads for people and tenancy. Everything is scoped to an organization the caller belongs to."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
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
    may have been deactivated since, so editing their work does not silently drop them)."""
    active = Q(memberships__organization=organization, memberships__is_active=True, is_active=True)
    people = User.objects.filter(active | Q(pk=keep.pk) if keep is not None else active)
    return people.distinct().order_by("full_name", "email")


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
