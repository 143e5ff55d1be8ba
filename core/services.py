"""Every write to people and tenancy goes through here."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.text import slugify

from core import selectors
from core.errors import (
    DomainValidationError,
    NotPermittedError,
    reject_nul_characters,
    require_same_organization,
)
from core.models import (
    ApiToken,
    Invitation,
    Membership,
    Organization,
    Role,
    Team,
    User,
    validate_timezone,
)


def model_update(*, instance: models.Model, data: dict, fields: Iterable[str]) -> bool:
    """Set the given fields from data, save only those that changed; return whether any did.

    A model with a ``version`` field gets it incremented when something changed, so clients
    can tell an edit apart from a no-op.
    """
    changed = [f for f in fields if f in data and getattr(instance, f) != data[f]]
    if not changed:
        return False
    for field in changed:
        setattr(instance, field, data[field])
    update_fields = list(changed)
    if hasattr(instance, "version"):
        instance.version += 1  # type: ignore[attr-defined]
        update_fields.append("version")
    if hasattr(instance, "updated_at"):
        update_fields.append("updated_at")
    instance.full_clean()
    instance.save(update_fields=update_fields)
    return True


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def require_admin(membership: Membership, *targets: models.Model) -> None:
    """Only an admin changes organization settings, and only their own organization's rows."""
    require_same_organization(membership, *targets)
    if not membership.is_admin:
        raise NotPermittedError("Only an organization admin can change its settings.")


# --- organizations -------------------------------------------------------------------------


@dataclass(frozen=True)
class NewOrganization:
    organization: Organization
    admin: User
    invitation_link: str | None  # set when the admin still has to choose a password


@transaction.atomic
def organization_create(
    *, name: str, admin_email: str, timezone_name: str = "UTC", base_url: str = ""
) -> NewOrganization:
    """Start a fresh organization with one admin. Returns a first sign-in link for a new admin."""
    reject_nul_characters({"name": name, "admin_email": admin_email, "timezone": timezone_name})
    name = name.strip()
    email = User.objects.normalize_email(admin_email.strip()).lower()
    timezone_name = timezone_name.strip()
    # Check every input before the first write, and report all that are wrong at once.
    errors: dict[str, str | list[str]] = {}
    if not name:
        errors["name"] = "Give the organization a name."
    try:
        validate_email(email)
    except ValidationError:
        errors["admin_email"] = "Enter a valid e-mail address."
    try:
        validate_timezone(timezone_name)
    except ValidationError as exc:
        errors["timezone"] = exc.messages
    if errors:
        raise DomainValidationError(errors)
    slug = _unique_slug(name)
    organization = Organization(name=name, slug=slug, timezone=timezone_name)
    organization.full_clean()
    organization.save()
    admin = User.objects.filter(email__iexact=email).first()
    link = None
    if admin is None:
        admin = User(email=email)
        admin.set_unusable_password()
        admin.full_clean()
        admin.save()
    Membership.objects.create(user=admin, organization=organization, role=Role.ADMIN)
    if not admin.has_usable_password():
        _, raw = _invitation_create(
            organization=organization, email=email, role=Role.ADMIN, teams=[], invited_by=None
        )
        link = f"{base_url.rstrip('/')}/invite/{raw}/"
    return NewOrganization(organization=organization, admin=admin, invitation_link=link)


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "org"
    slug, n = base, 2
    while Organization.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def organization_update(
    *, actor: Membership, name: str, timezone_name: str, fiscal_year_start_month: int
) -> Organization:
    require_admin(actor)
    organization = actor.organization
    model_update(
        instance=organization,
        data={
            "name": name.strip(),
            "timezone": timezone_name,
            "fiscal_year_start_month": fiscal_year_start_month,
        },
        fields=["name", "timezone", "fiscal_year_start_month"],
    )
    return organization


# --- teams ---------------------------------------------------------------------------------


def _check_team_parent(team: Team, parent: Team | None, organization: Organization) -> None:
    if parent is None:
        return
    if parent.organization_id != organization.pk:
        raise DomainValidationError({"parent": "Choose a team of this organization."})
    if parent.is_archived:
        raise DomainValidationError({"parent": "An archived team cannot hold other teams."})
    ancestor: Team | None = parent
    while ancestor is not None:
        if ancestor.pk == team.pk:
            raise DomainValidationError({"parent": "A team cannot sit inside itself."})
        ancestor = ancestor.parent


def _save_team(team: Team, *, update_fields: list[str] | None = None) -> None:
    try:
        with transaction.atomic():
            team.save(update_fields=update_fields)
    except IntegrityError as exc:
        raise DomainValidationError(
            {"name": f"There is already a team called “{team.name}”."}
        ) from exc


@transaction.atomic
def team_create(*, actor: Membership, name: str, parent: Team | None = None) -> Team:
    require_admin(actor)
    reject_nul_characters({"name": name})
    team = Team(organization=actor.organization, name=name.strip(), parent=parent)
    _check_team_parent(team, parent, actor.organization)
    team.full_clean(exclude=["organization"])
    _save_team(team)
    return team


@transaction.atomic
def team_update(*, actor: Membership, team: Team, name: str, parent: Team | None) -> Team:
    require_admin(actor, team)
    _check_team_parent(team, parent, actor.organization)
    team.name = name.strip()
    team.parent = parent
    team.full_clean(exclude=["organization"])
    _save_team(team, update_fields=["name", "parent"])
    return team


@transaction.atomic
def team_archive(*, actor: Membership, team: Team) -> Team:
    """Archive a team. Its work and history stay; it no longer takes new work or members."""
    require_admin(actor, team)
    if team.children.filter(archived_at__isnull=True).exists():
        raise DomainValidationError({"team": "Archive or move the teams inside it first."})
    team.archived_at = timezone.now()
    team.save(update_fields=["archived_at"])
    return team


@transaction.atomic
def team_restore(*, actor: Membership, team: Team) -> Team:
    require_admin(actor, team)
    team.archived_at = None
    _save_team(team, update_fields=["archived_at"])
    return team


# --- members and invitations ---------------------------------------------------------------


def _check_teams(teams: Iterable[Team], organization: Organization) -> list[Team]:
    teams = list(teams)
    if any(t.organization_id != organization.pk or t.is_archived for t in teams):
        raise DomainValidationError({"teams": "Choose active teams of this organization."})
    return teams


def _invitation_create(
    *, organization: Organization, email: str, role: str, teams: list[Team], invited_by: User | None
) -> tuple[Invitation, str]:
    raw = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organization=organization,
        email=email,
        role=role,
        token_hash=_hash_token(raw),
        invited_by=invited_by,
        expires_at=timezone.now() + timedelta(hours=settings.INVITATION_TTL_HOURS),
    )
    invitation.teams.set(teams)
    return invitation, raw


@transaction.atomic
def invitation_send(
    *, actor: Membership, email: str, role: str, teams: Iterable[Team], base_url: str
) -> Invitation:
    """Invite someone by e-mail. The link works once and expires."""
    require_admin(actor)
    email = User.objects.normalize_email(email.strip()).lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise DomainValidationError({"email": "Enter a valid e-mail address."}) from exc
    if role not in Role.values:
        raise DomainValidationError({"role": "Choose one of the roles."})
    organization = actor.organization
    if Membership.objects.filter(
        organization=organization, user__email__iexact=email, is_active=True
    ).exists():
        raise DomainValidationError({"email": f"{email} is already a member."})
    team_list = _check_teams(teams, organization)
    invitation, raw = _invitation_create(
        organization=organization, email=email, role=role, teams=team_list, invited_by=actor.user
    )
    link = f"{base_url.rstrip('/')}/invite/{raw}/"
    inviter = actor.user.display_name
    transaction.on_commit(
        lambda: send_mail(
            subject=f"{inviter} invited you to {organization.name} on Throughline",
            message=(
                f"{inviter} invited you to join {organization.name} on Throughline as "
                f"{Role(role).label.lower()}.\n\nAccept within {settings.INVITATION_TTL_HOURS} "
                f"hours: {link}\n"
            ),
            from_email=None,
            recipient_list=[email],
        )
    )
    return invitation


def invitation_get_usable(*, raw_token: str) -> Invitation | None:
    invitation = (
        Invitation.objects.select_related("organization")
        .filter(token_hash=_hash_token(raw_token))
        .first()
    )
    return invitation if invitation and invitation.is_usable else None


@transaction.atomic
def invitation_revoke(*, actor: Membership, invitation: Invitation) -> None:
    require_admin(actor, invitation)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])


@transaction.atomic
def invitation_accept(
    *, raw_token: str, full_name: str, password: str | None, user: User | None = None
) -> Membership:
    """Turn an invitation into a membership; a new person sets their name and password here."""
    invitation = (
        Invitation.objects.select_for_update().filter(token_hash=_hash_token(raw_token)).first()
    )
    if invitation is None or not invitation.is_usable:
        raise DomainValidationError({"token": "This invitation link has expired or was used."})
    if user is None:
        user = User.objects.filter(email__iexact=invitation.email).first()
    if user is None:
        user = User(email=invitation.email)
    if user.email.lower() != invitation.email.lower():
        raise DomainValidationError({"token": "This invitation is for another e-mail address."})
    if not user.has_usable_password() or user._state.adding:
        if not password:
            raise DomainValidationError({"password1": "Choose a password."})
        from django.contrib.auth.password_validation import validate_password

        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise DomainValidationError({"password1": list(exc.messages)}) from exc
        user.set_password(password)
    if full_name.strip():
        user.full_name = full_name.strip()
    user.is_active = True
    user.save()
    membership, _ = Membership.objects.update_or_create(
        user=user,
        organization=invitation.organization,
        defaults={"role": invitation.role, "is_active": True, "deactivated_at": None},
    )
    membership.teams.set(invitation.teams.filter(archived_at__isnull=True))
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return membership


@transaction.atomic
def membership_update(
    *, actor: Membership, membership: Membership, role: str, teams: Iterable[Team]
) -> Membership:
    require_admin(actor, membership)
    if role not in Role.values:
        raise DomainValidationError({"role": "Choose one of the roles."})
    if membership.pk == actor.pk and role != Role.ADMIN:
        raise DomainValidationError({"role": "You cannot take away your own admin role."})
    team_list = _check_teams(teams, actor.organization)
    membership.role = role
    membership.save(update_fields=["role"])
    membership.teams.set(team_list)
    return membership


@transaction.atomic
def membership_set_active(*, actor: Membership, membership: Membership, active: bool) -> Membership:
    """Deactivate (or bring back) a member. Their work and history stay as they are."""
    require_admin(actor, membership)
    if membership.pk == actor.pk and not active:
        raise DomainValidationError({"membership": "You cannot deactivate yourself."})
    membership.is_active = active
    membership.deactivated_at = None if active else timezone.now()
    membership.save(update_fields=["is_active", "deactivated_at"])
    return membership


# --- API tokens ----------------------------------------------------------------------------

TOKEN_PREFIX = "tl_"  # noqa: S105 - a public marker, not a secret


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    raw: str  # shown once, never stored


@transaction.atomic
def api_token_issue(
    *,
    user: User,
    organization: Organization,
    name: str,
    scope: str = ApiToken.Scope.READ,
    expires_at=None,
) -> IssuedToken:
    """A new token for one person in one organization. Only its hash is kept."""
    name = (name or "").strip()
    if not name:
        raise DomainValidationError({"name": "Name the token after what will use it."})
    if scope not in ApiToken.Scope.values:
        raise DomainValidationError({"scope": "Choose read or write."})
    if expires_at is not None and expires_at <= timezone.now():
        raise DomainValidationError({"expires_at": "The expiry must be in the future."})
    if not Membership.objects.filter(user=user, organization=organization, is_active=True).exists():
        raise DomainValidationError(
            {"user": "This person is not an active member of that organization."}
        )
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        organization=organization,
        name=name[:100],
        prefix=raw[:10],
        token_hash=_hash_token(raw),
        scope=scope,
        expires_at=expires_at,
    )
    return IssuedToken(token=token, raw=raw)


@transaction.atomic
def api_token_revoke(*, user: User, token: ApiToken) -> ApiToken:
    if token.user_id != user.pk:
        raise NotPermittedError("You can revoke only your own tokens.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def api_token_authenticate(*, raw: str) -> ApiToken | None:
    """The active token for a raw value (its user, organization and active membership loaded:
    ``selectors.api_token_by_hash``), or None when unknown, revoked, expired or the person is
    inactive. Notes its use at most once a minute."""
    token = selectors.api_token_by_hash(_hash_token(raw))
    if token is None or not token.is_active or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
