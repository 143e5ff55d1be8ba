"""Pages for signing in, switching organization, and an admin's organization settings."""

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.views.decorators.http import require_POST

from core import selectors, services
from core.decorators import membership_required
from core.errors import apply_to_form
from core.forms import (
    AcceptInvitationForm,
    ApiTokenForm,
    InviteForm,
    MembershipForm,
    OrganizationForm,
    PasswordResetRequestForm,
    SignInForm,
    TeamForm,
    bound_data,
)
from core.middleware import SESSION_KEY
from core.models import Invitation, Membership, Team


class SignInView(auth_views.LoginView):
    template_name = "core/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True


def client_ip(request) -> str | None:
    """The client's address for the sign-in lockout: the peer's, or the one the proxies saw.

    Behind THROUGHLINE_PROXY_COUNT reverse proxies, each appends the address it saw to
    X-Forwarded-For; the client's is the one the outermost of ours appended. Anything to the left
    of it was written by the client and is not trusted.
    """
    proxies = settings.THROUGHLINE_PROXY_COUNT
    if proxies > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR")


def sign_in_username(request, credentials=None) -> str:
    """The e-mail address a sign-in is counted under: trimmed and lower-cased, as stored."""
    if credentials and credentials.get("username"):
        raw = credentials["username"]
    else:
        raw = request.POST.get("username", "")
    return str(raw).strip().lower()


def sign_in_locked_out(request, original_response=None, credentials=None):
    """What django-axes answers while an e-mail address is locked out from this address (429)."""
    cool_off = settings.AXES_COOLOFF_TIME
    retry_at = timezone.now() + cool_off
    email = (credentials or {}).get("username") or request.POST.get("username", "")
    response = render(
        request,
        "core/login_locked.html",
        {
            "email": email,
            "retry_at": retry_at,
            "minutes": max(1, round(cool_off.total_seconds() / 60)),
            "failure_limit": settings.AXES_FAILURE_LIMIT,
        },
        status=429,
    )
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response


class PasswordResetView(auth_views.PasswordResetView):
    """Asks for an e-mail address and answers the same whether or not a person has it."""

    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("core:password_reset_done")
    form_class = PasswordResetRequestForm

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        hours = max(1, round(settings.PASSWORD_RESET_TIMEOUT / 3600))
        timeout = f"{hours} hour{'s' if hours != 1 else ''}"
        self.extra_context = {"timeout_hours": timeout}
        self.extra_email_context = {"timeout_hours": timeout}


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    success_url = reverse_lazy("core:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        # Whoever can read the mailbox is the person: lift a sign-in lockout on the address.
        axes_reset(username=form.user.email)
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "core/password_change.html"
    success_url = reverse_lazy("core:password_change_done")

    def form_valid(self, form):
        messages.success(self.request, "Your password was changed.")
        return super().form_valid(form)


@require_POST
@membership_required
def switch_organization(request):
    membership = selectors.membership_for_user(
        user=request.user, organization_id=request.POST.get("organization")
    )
    if membership is None or str(membership.organization_id) != request.POST.get("organization"):
        raise Http404("No such organization")
    request.session[SESSION_KEY] = str(membership.organization_id)
    return redirect("home")


def _base_url(request) -> str:
    return request.build_absolute_uri("/")


def _admin_only(request):
    if not request.membership.is_admin:
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("Only an organization admin can change its settings.")


# --- organization settings -----------------------------------------------------------------


@membership_required
def organization_settings(request):
    _admin_only(request)
    org = request.organization
    form = OrganizationForm(
        bound_data(request),
        initial={
            "name": org.name,
            "timezone": org.timezone,
            "fiscal_year_start_month": org.fiscal_year_start_month,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.organization_update(
                actor=request.membership,
                name=form.cleaned_data["name"],
                timezone_name=form.cleaned_data["timezone"],
                fiscal_year_start_month=form.cleaned_data["fiscal_year_start_month"],
            )
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, "Organization settings saved.")
            return redirect("core:organization_settings")
    return render(request, "core/settings/organization.html", {"form": form, "tab": "organization"})


@membership_required
def team_list(request):
    _admin_only(request)
    teams = selectors.team_list(organization=request.organization, include_archived=True)
    active = selectors.team_list(organization=request.organization)
    form = TeamForm(bound_data(request), teams=active)
    if request.method == "POST" and form.is_valid():
        try:
            team = services.team_create(actor=request.membership, **form.cleaned_data)
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, f"Team “{team.name}” created.")
            return redirect("core:team_list")
    return render(
        request, "core/settings/teams.html", {"teams": teams, "form": form, "tab": "teams"}
    )


def _team_or_404(request, team_id) -> Team:
    try:
        return selectors.team_get(organization=request.organization, team_id=team_id)
    except (Team.DoesNotExist, ValidationError) as exc:
        raise Http404("No such team") from exc


@membership_required
def team_edit(request, team_id):
    _admin_only(request)
    team = _team_or_404(request, team_id)
    others = selectors.team_list(organization=request.organization).exclude(pk=team.pk)
    form = TeamForm(
        bound_data(request), teams=others, initial={"name": team.name, "parent": team.parent}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.team_update(actor=request.membership, team=team, **form.cleaned_data)
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, f"Team “{team.name}” saved.")
            return redirect("core:team_list")
    return render(
        request, "core/settings/team_edit.html", {"team": team, "form": form, "tab": "teams"}
    )


@require_POST
@membership_required
def team_archive(request, team_id):
    _admin_only(request)
    team = _team_or_404(request, team_id)
    try:
        if request.POST.get("restore"):
            services.team_restore(actor=request.membership, team=team)
            messages.success(request, f"Team “{team.name}” restored.")
        else:
            services.team_archive(actor=request.membership, team=team)
            messages.success(request, f"Team “{team.name}” archived.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("core:team_list")


@membership_required
def member_list(request):
    _admin_only(request)
    teams = selectors.team_list(organization=request.organization)
    form = InviteForm(bound_data(request), teams=teams)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_send(
                actor=request.membership, base_url=_base_url(request), **form.cleaned_data
            )
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, f"Invitation sent to {invitation.email}.")
            return redirect("core:member_list")
    return render(
        request,
        "core/settings/members.html",
        {
            "members": selectors.member_list(organization=request.organization),
            "invitations": selectors.invitation_list_pending(organization=request.organization),
            "form": form,
            "tab": "members",
        },
    )


def _member_or_404(request, membership_id) -> Membership:
    try:
        return selectors.member_get(organization=request.organization, membership_id=membership_id)
    except (Membership.DoesNotExist, ValidationError) as exc:
        raise Http404("No such member") from exc


@membership_required
def member_edit(request, membership_id):
    _admin_only(request)
    member = _member_or_404(request, membership_id)
    teams = selectors.team_list(organization=request.organization)
    form = MembershipForm(
        bound_data(request),
        teams=teams,
        initial={"role": member.role, "teams": list(member.teams.all())},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_update(
                actor=request.membership, membership=member, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, f"{member.user.display_name} saved.")
            return redirect("core:member_list")
    return render(
        request,
        "core/settings/member_edit.html",
        {"member": member, "form": form, "tab": "members"},
    )


@require_POST
@membership_required
def member_set_active(request, membership_id):
    _admin_only(request)
    member = _member_or_404(request, membership_id)
    active = request.POST.get("active") == "1"
    try:
        services.membership_set_active(actor=request.membership, membership=member, active=active)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        verb = "reactivated" if active else "deactivated"
        messages.success(request, f"{member.user.display_name} {verb}.")
    return redirect("core:member_list")


@require_POST
@membership_required
def invitation_revoke(request, invitation_id):
    _admin_only(request)
    try:
        invitation = selectors.invitation_list_pending(organization=request.organization).get(
            pk=invitation_id
        )
    except (Invitation.DoesNotExist, ValidationError) as exc:
        raise Http404("No such invitation") from exc
    services.invitation_revoke(actor=request.membership, invitation=invitation)
    messages.success(request, f"Invitation for {invitation.email} revoked.")
    return redirect("core:member_list")


def invitation_accept(request, token):
    invitation = services.invitation_get_usable(raw_token=token)
    if invitation is None:
        return render(request, "core/invitation_invalid.html", status=404)
    signed_in_as_invitee = (
        request.user.is_authenticated and request.user.email.lower() == invitation.email.lower()
    )
    existing = None
    if not signed_in_as_invitee:
        from core.models import User

        existing = User.objects.filter(email__iexact=invitation.email).first()
    needs_password = not signed_in_as_invitee and (
        existing is None or not existing.has_usable_password()
    )
    if existing is not None and existing.has_usable_password() and not signed_in_as_invitee:
        if request.user.is_authenticated:
            # Signed in as someone else: the sign-in page would send them straight back here.
            messages.error(
                request,
                f"This invitation is for {invitation.email}. Sign out, then open the link again.",
            )
            return redirect("home")
        # Someone who already has a password signs in first; the link then adds the membership.
        messages.info(request, f"Sign in as {invitation.email} to accept the invitation.")
        return redirect(f"{reverse_lazy('core:login')}?next={request.path}")
    form = AcceptInvitationForm(
        bound_data(request),
        needs_password=needs_password,
        initial={"full_name": request.user.full_name if signed_in_as_invitee else ""},
    )
    if request.method == "POST" and form.is_valid():
        try:
            membership = services.invitation_accept(
                raw_token=token,
                full_name=form.cleaned_data["full_name"],
                password=form.cleaned_data.get("password1"),
                user=request.user if signed_in_as_invitee else None,
            )
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            if not signed_in_as_invitee:
                login(request, membership.user, backend="django.contrib.auth.backends.ModelBackend")
            request.session[SESSION_KEY] = str(membership.organization_id)
            messages.success(request, f"Welcome to {membership.organization.name}.")
            return redirect("home")
    return render(request, "core/invitation_accept.html", {"invitation": invitation, "form": form})


# --- API tokens (every person, for their own tokens) ---------------------------------------


@membership_required
def api_tokens(request):
    form = ApiTokenForm(bound_data(request))
    issued = None
    if request.method == "POST" and form.is_valid():
        expires_on = form.cleaned_data["expires_on"]
        expires_at = None
        if expires_on is not None:
            import datetime

            from django.utils import timezone

            expires_at = timezone.make_aware(
                datetime.datetime.combine(expires_on, datetime.time.max.replace(microsecond=0))
            )
        try:
            issued = services.api_token_issue(
                user=request.user,
                organization=request.organization,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                expires_at=expires_at,
            )
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            form = ApiTokenForm()
    return render(
        request,
        "core/api_tokens.html",
        {
            "form": form,
            "issued": issued,
            "tokens": selectors.api_token_list(
                user=request.user, organization=request.organization
            ),
        },
        status=201 if issued else 200,
    )


@require_POST
@membership_required
def api_token_revoke(request, token_id):
    try:
        token = selectors.api_token_list(user=request.user, organization=request.organization).get(
            pk=token_id
        )
    except ObjectDoesNotExist as exc:
        raise Http404("No such token") from exc
    services.api_token_revoke(user=request.user, token=token)
    messages.success(request, f"Token “{token.name}” revoked: its next request gets a 401.")
    return redirect("core:api_tokens")
