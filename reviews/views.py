"""Pages of the cadence: the review room, cadences, decisions, learnings, notifications, and
the private calendar feed. Thin: selectors read, services write, templates show."""

from __future__ import annotations

import hmac
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.decorators import membership_required
from core.errors import apply_to_form
from core.forms import bound_data
from core.models import Role
from core.selectors import people_in_organization, team_list
from okrs import rules as okr_rules
from planning import selectors as planning_selectors
from reviews import dashboards, ical, rules, selectors, services
from reviews.forms import (
    CadenceForm,
    DecisionForm,
    LearningForm,
    NotesForm,
    NotificationSettingsForm,
)
from reviews.models import Cadence, Decision, ReviewSession


def _get_or_404(getter, **kwargs):
    try:
        return getter(**kwargs)
    except (ObjectDoesNotExist, ValidationError, ValueError) as exc:
        raise Http404("Not found") from exc


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


# --- the review room -----------------------------------------------------------------------


@membership_required
def home(request):
    """The review room: what is next, what was decided lately, and every cadence."""
    membership = request.membership
    now = timezone.now()
    upcoming = selectors.upcoming_sessions(membership=membership, now=now)
    # The next review one takes part in comes first; else the organization's next.
    next_session = next((s for s in upcoming if s.is_mine), upcoming[0] if upcoming else None)
    cadences = list(selectors.cadence_list(membership=membership))
    return render(
        request,
        "reviews/home.html",
        {
            "next_session": next_session,
            "upcoming": [s for s in upcoming if s is not next_session],
            "recent": selectors.recent_sessions(membership=membership, limit=6),
            "cadences": cadences,
            "open_decisions": list(
                selectors.decision_list(membership=membership, status=Decision.Status.OPEN)[:6]
            ),
            "can_create": membership.is_leader or membership.is_team_lead,
            "calendar_url": _calendar_url(request, membership),
            "now": now,
        },
    )


def _calendar_url(request, membership, cadence=None) -> str:
    token = services.calendar_token(membership, selectors.calendar_nonce(membership=membership))
    if cadence is None:
        path = reverse("reviews:calendar_feed", args=[membership.pk, token])
    else:
        path = reverse("reviews:calendar_feed_cadence", args=[membership.pk, token, cadence.pk])
    return request.build_absolute_uri(path)


# --- cadences ------------------------------------------------------------------------------


def _cadence_form(request, cadence: Cadence | None = None):
    membership = request.membership
    teams = team_list(organization=request.organization)
    if not membership.is_leader:
        teams = teams.filter(pk__in=rules.team_ids_of(membership))
    if cadence is not None:
        initial = {f: getattr(cadence, f) for f in services.CADENCE_FIELDS}
        initial["participants"] = [p.pk for p in cadence.participants.all()]
    else:
        today = timezone.localdate()
        team = teams.first() if not membership.is_leader else None
        initial = {
            "kind": Cadence.Kind.WEEKLY_DELIVERY,
            "frequency": Cadence.Frequency.WEEKLY,
            "weekday": 0,
            "time_of_day": "10:00",
            "starts_on": today,
            "duration_minutes": 60,
            "reminder_lead_hours": 24,
            "team": team,
            "participants": [
                p.pk
                for p in selectors.default_participants(
                    organization=request.organization, team=team
                )
            ],
        }
    return CadenceForm(
        bound_data(request),
        teams=teams,
        people=selectors.participant_choices(organization=request.organization),
        timezone_name=request.organization.timezone,
        initial=initial,
    )


@membership_required
def cadence_create(request):
    membership = request.membership
    _require(
        membership.is_leader or membership.is_team_lead,
        "Leaders and team leads set up reviews.",
    )
    form = _cadence_form(request)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        participants = data.pop("participants")
        try:
            cadence = services.cadence_create(actor=membership, participants=participants, **data)
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, f"“{cadence.name}” is set up: {cadence.schedule_text}.")
            return redirect("reviews:cadence_detail", cadence_id=cadence.pk)
    return render(request, "reviews/cadence_form.html", {"form": form})


@membership_required
def cadence_detail(request, cadence_id):
    membership = request.membership
    cadence = _get_or_404(selectors.cadence_get, membership=membership, cadence_id=cadence_id)
    now = timezone.now()
    return render(
        request,
        "reviews/cadence_detail.html",
        {
            "cadence": cadence,
            "next_dates": selectors.next_dates(cadence, now=now),
            "upcoming": selectors.upcoming_sessions(
                membership=membership, now=now, cadence=cadence
            ),
            "recent": selectors.recent_sessions(membership=membership, cadence=cadence, limit=20),
            "can_manage": rules.can_manage_cadence(membership, cadence.team_id),
            "can_run": rules.can_run_session(membership, cadence),
            "is_participant": any(p.pk == membership.pk for p in cadence.participants.all()),
            "calendar_url": _calendar_url(request, membership, cadence),
        },
    )


@membership_required
def cadence_edit(request, cadence_id):
    membership = request.membership
    cadence = _get_or_404(selectors.cadence_get, membership=membership, cadence_id=cadence_id)
    _require(
        rules.can_manage_cadence(membership, cadence.team_id),
        "Only a leader or the team's lead changes this review.",
    )
    form = _cadence_form(request, cadence)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        participants = data.pop("participants")
        try:
            services.cadence_update(
                actor=membership, cadence=cadence, participants=participants, **data
            )
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, "Review saved.")
            return redirect("reviews:cadence_detail", cadence_id=cadence.pk)
    return render(request, "reviews/cadence_form.html", {"form": form, "cadence": cadence})


@require_POST
@membership_required
def cadence_archive(request, cadence_id):
    cadence = _get_or_404(
        selectors.cadence_get, membership=request.membership, cadence_id=cadence_id
    )
    _require(
        rules.can_manage_cadence(request.membership, cadence.team_id),
        "Only a leader or the team's lead stops this review.",
    )
    services.cadence_archive(actor=request.membership, cadence=cadence)
    messages.success(request, f"“{cadence.name}” is stopped: no more sessions or reminders.")
    return redirect("reviews:home")


@require_POST
@membership_required
def session_prepare(request, cadence_id):
    """Open the next session of a cadence (created if the sweep has not made it yet)."""
    cadence = _get_or_404(
        selectors.cadence_get, membership=request.membership, cadence_id=cadence_id
    )
    _require(
        rules.can_run_session(request.membership, cadence),
        "Only the review's participants and leads prepare its sessions.",
    )
    try:
        session = services.review_session_prepare(actor=request.membership, cadence=cadence)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("reviews:cadence_detail", cadence_id=cadence.pk)
    return redirect("reviews:session_detail", session_id=session.pk)


# --- a session -----------------------------------------------------------------------------


def _decision_form(request, agenda, data=None, initial=None):
    membership = request.membership
    return DecisionForm(
        data,
        work_packages=selectors.work_package_choices(
            membership=membership, ids=agenda.work_package_ids
        ),
        initiatives=planning_selectors.initiative_choices(membership=membership),
        objectives=selectors.strategic_objective_choices(membership=membership),
        teams=team_list(organization=request.organization),
        people=people_in_organization(organization=request.organization),
        initial=initial or {"subject": Decision.Subject.INITIATIVE, "owner": request.user.pk},
        prefix="decision",
    )


def _learning_form(request, session, agenda, decisions, data=None):
    """The work a learning can cite: what is on the agenda, and what this review decided on
    (stopped work leaves the agenda, but what it taught stays worth recording)."""
    membership = request.membership
    decided = [str(d.work_package_id) for d in decisions if d.work_package_id]
    return LearningForm(
        data,
        objectives=selectors.strategic_objective_choices(membership=membership),
        work_packages=selectors.work_package_choices(
            membership=membership, ids=[*agenda.work_package_ids, *decided]
        ),
        key_results=selectors.key_result_choices(membership=membership, team=session.cadence.team),
        prefix="learning",
    )


def _session_page(request, session: ReviewSession, *, status: int = 200, **forms):
    membership = request.membership
    now = timezone.now()
    agenda = selectors.session_agenda(membership=membership, session=session, now=now)
    decisions = list(selectors.decision_list(membership=membership, session=session))
    can_run = rules.can_run_session(membership, session.cadence) and session.is_open
    context = {
        "session": session,
        "cadence": session.cadence,
        "agenda": agenda,
        "decisions": decisions,
        "decided_ids": {str(d.work_package_id) for d in decisions if d.work_package_id},
        "learnings": list(selectors.learning_list(membership=membership, session=session)),
        "can_run": can_run,
        "can_manage": rules.can_manage_cadence(membership, session.cadence.team_id),
        "starts_in": session.scheduled_at - now,
        "closable": can_run and session.scheduled_at - now <= timedelta(hours=12),
        "inline_error": forms.get("inline_error"),
        "verdicts": Decision.Verdict.choices,
    }
    if can_run:
        # The decision and learning forms offer every person, initiative and key result of the
        # organization: thousands of options at scale. They are fetched when their panel is
        # opened (_session_form), and rendered here only to show a rejected form's errors.
        context["decision_form"] = forms.get("decision_form")
        context["learning_form"] = forms.get("learning_form")
        context["notes_form"] = forms.get("notes_form") or NotesForm(
            initial={"notes": session.notes}, prefix="notes"
        )
    return render(request, "reviews/session_detail.html", context, status=status)


def _session_form(request, session: ReviewSession, which: str):
    """GET of a session's decision or learning address: its form, as the panel's content for
    htmx (fetched when the panel is opened), or as a page of its own without JavaScript."""
    membership = request.membership
    _require(
        rules.can_run_session(membership, session.cadence) and session.is_open,
        "Only the review's participants and leads write in it, while it is open.",
    )
    agenda = selectors.session_agenda(membership=membership, session=session)
    if which == "decision":
        form = _decision_form(request, agenda)
    else:
        decisions = list(selectors.decision_list(membership=membership, session=session))
        form = _learning_form(request, session, agenda, decisions)
    context = {"session": session, "cadence": session.cadence, "form": form, "which": which}
    if request.htmx:
        return render(request, f"reviews/_{which}_form.html", context)
    return render(request, "reviews/session_form.html", context)


def _session(request, session_id) -> ReviewSession:
    return _get_or_404(selectors.session_get, membership=request.membership, session_id=session_id)


def _require_runner(request, session: ReviewSession) -> None:
    _require(
        rules.can_run_session(request.membership, session.cadence),
        "Only the review's participants and leads write in it.",
    )


@membership_required
def session_detail(request, session_id):
    return _session_page(request, _session(request, session_id))


@require_http_methods(["GET", "POST"])
@membership_required
def decision_create(request, session_id):
    """A decision from the session page: from a work package row of the agenda (verdict and
    reason only; its owner carries it out) or from the general form (any subject). GET: the
    general form."""
    session = _session(request, session_id)
    if request.method == "GET":
        return _session_form(request, session, "decision")
    _require_runner(request, session)
    membership = request.membership
    agenda = selectors.session_agenda(membership=membership, session=session)
    inline_id = request.POST.get("inline_work_package", "")
    if inline_id:
        # A work package row of the agenda: its owner (else whoever decides) carries it out.
        work_package = _get_or_404(
            planning_selectors.work_package_get, membership=membership, work_package_id=inline_id
        )
        errors: dict[str, list[str]] = {}
        try:
            services.decision_record(
                actor=membership,
                session=session,
                subject=Decision.Subject.WORK_PACKAGE,
                work_package=work_package,
                verdict=request.POST.get("verdict", ""),
                reason=request.POST.get("reason", ""),
                owner=work_package.owner or request.user,
            )
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"reason": exc.messages}
        else:
            messages.success(request, f"Decision on “{work_package.title}” recorded.")
            return redirect(reverse("reviews:session_detail", args=[session.pk]) + "#decisions")
        return _session_page(
            request,
            session,
            status=400,
            inline_error={
                "id": inline_id,
                "errors": errors,
                "verdict": request.POST.get("verdict", ""),
                "reason": request.POST.get("reason", ""),
            },
        )
    form = _decision_form(request, agenda, data=request.POST)
    if form.is_valid():
        try:
            services.decision_record(actor=membership, session=session, **form.cleaned_data)
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, "Decision recorded.")
            return redirect(reverse("reviews:session_detail", args=[session.pk]) + "#decisions")
    return _session_page(request, session, status=400, decision_form=form)


@require_http_methods(["GET", "POST"])
@membership_required
def learning_create(request, session_id):
    """A learning recorded in the review. GET: its form."""
    session = _session(request, session_id)
    if request.method == "GET":
        return _session_form(request, session, "learning")
    _require_runner(request, session)
    agenda = selectors.session_agenda(membership=request.membership, session=session)
    decisions = list(selectors.decision_list(membership=request.membership, session=session))
    form = _learning_form(request, session, agenda, decisions, data=request.POST)
    if form.is_valid():
        try:
            services.learning_record(actor=request.membership, session=session, **form.cleaned_data)
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, "Learning recorded: it now shows on its strategic objective.")
            return redirect(reverse("reviews:session_detail", args=[session.pk]) + "#learnings")
    return _session_page(request, session, status=400, learning_form=form)


@require_POST
@membership_required
def session_notes(request, session_id):
    session = _session(request, session_id)
    _require_runner(request, session)
    form = NotesForm(request.POST, prefix="notes")
    if form.is_valid():
        try:
            services.review_session_update_notes(
                actor=request.membership, session=session, notes=form.cleaned_data["notes"]
            )
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, "Notes saved.")
            return redirect(reverse("reviews:session_detail", args=[session.pk]) + "#notes")
    return _session_page(request, session, status=400, notes_form=form)


@require_POST
@membership_required
def session_close(request, session_id):
    session = _session(request, session_id)
    _require_runner(request, session)
    try:
        services.review_session_close(actor=request.membership, session=session)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Review closed: its agenda is kept as it stood.")
    return redirect("reviews:session_detail", session_id=session.pk)


@require_POST
@membership_required
def session_cancel(request, session_id):
    session = _session(request, session_id)
    _require(
        rules.can_manage_cadence(request.membership, session.cadence.team_id),
        "Only a leader or the team's lead cancels a review.",
    )
    try:
        services.review_session_cancel(actor=request.membership, session=session)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "This review is cancelled; the next one is on the schedule.")
    return redirect("reviews:session_detail", session_id=session.pk)


# --- decisions and learnings ---------------------------------------------------------------


@membership_required
def decision_list(request):
    status = request.GET.get("status")
    if status not in Decision.Status.values:
        status = None
    mine = request.GET.get("mine") == "1"
    decisions = selectors.decision_list(
        membership=request.membership, status=status, owner=request.user if mine else None
    )
    page = Paginator(decisions, 50).get_page(request.GET.get("page"))
    for decision in page:
        decision.can_close = rules.can_close_decision(request.membership, decision)
    return render(
        request,
        "reviews/decision_list.html",
        {"page": page, "status": status, "mine": mine},
    )


@require_POST
@membership_required
def decision_done(request, decision_id):
    decision = _get_or_404(
        selectors.decision_get, membership=request.membership, decision_id=decision_id
    )
    _require(
        rules.can_close_decision(request.membership, decision),
        "Only the decision's owner or a leader marks it done.",
    )
    done = request.POST.get("done", "1") == "1"
    services.decision_set_done(actor=request.membership, decision=decision, done=done)
    messages.success(request, "Marked done." if done else "Open again.")
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = reverse("reviews:decision_list")
    return redirect(next_url)


@membership_required
def learning_list(request):
    objectives = list(selectors.strategic_objective_choices(membership=request.membership))
    chosen = next((o for o in objectives if str(o.pk) == request.GET.get("objective")), None)
    learnings = selectors.learning_list(membership=request.membership, strategic_objective=chosen)
    page = Paginator(learnings, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "reviews/learning_list.html",
        {"page": page, "objectives": objectives, "chosen": chosen},
    )


# --- notifications -------------------------------------------------------------------------


@membership_required
def notification_list(request):
    page = Paginator(selectors.notification_list(membership=request.membership), 30).get_page(
        request.GET.get("page")
    )
    return render(request, "reviews/notification_list.html", {"page": page})


@require_GET
@membership_required
def notification_bell(request):
    """The bell with its unread count, fetched by htmx after the page loads (so pages pay no
    query for it) and again every minute."""
    return render(
        request,
        "reviews/_bell.html",
        {"unread": selectors.unread_count(membership=request.membership)},
    )


@require_POST
@membership_required
def notification_open(request, notification_id):
    notification = _get_or_404(
        services.notification_mark_read,
        membership=request.membership,
        notification_id=notification_id,
    )
    target = notification.url or reverse("reviews:notification_list")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("reviews:notification_list")
    return redirect(target)


@require_POST
@membership_required
def notification_read_all(request):
    count = services.notifications_mark_all_read(membership=request.membership)
    messages.success(request, f"{count} notification{'s' if count != 1 else ''} marked read.")
    return redirect("reviews:notification_list")


@membership_required
def notification_settings(request):
    form = NotificationSettingsForm(
        bound_data(request), disabled=selectors.opted_out(membership=request.membership)
    )
    if request.method == "POST" and form.is_valid():
        services.notification_preferences_set(
            membership=request.membership, disabled=form.disabled()
        )
        messages.success(request, "Notification settings saved.")
        return redirect("reviews:notification_settings")
    return render(request, "reviews/notification_settings.html", {"form": form})


# --- the calendar feed ---------------------------------------------------------------------


@require_POST
@membership_required
def calendar_reset(request):
    services.calendar_feed_reset(membership=request.membership)
    messages.success(
        request, "Your calendar address is new; calendars subscribed to the old one stop updating."
    )
    return redirect(reverse("reviews:home") + "#calendar")


@require_GET
def calendar_feed(request, membership_id, token, cadence_id=None):
    """A person's review meetings as iCalendar, for calendar apps (no sign-in: the address is
    the secret). A wrong or reset address is a 404."""
    membership = selectors.calendar_membership(membership_id=membership_id)
    if membership is None:
        raise Http404("Not found")
    nonce = selectors.calendar_nonce(membership=membership)
    if not hmac.compare_digest(services.calendar_token(membership, nonce), token):
        raise Http404("Not found")
    now = timezone.now()
    events = selectors.calendar_events(
        membership=membership,
        cadence_id=cadence_id,
        now=now,
        base_url=request.build_absolute_uri("/").rstrip("/"),
    )
    name = f"Reviews · {membership.organization.name}"
    response = HttpResponse(
        ical.calendar(name, events, now=now), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="reviews.ics"'
    response["Cache-Control"] = "private, max-age=900"
    return response


# --- the landing page: each role lands where its week starts ------------------------------


@membership_required
def landing(request):
    """Leaders (and viewers) land on the strategy map with this week's attention list; team
    leads on their team; members on their own work."""
    from okrs import dashboards as okr_dashboards

    membership = request.membership
    now = timezone.now()
    if membership.is_leader or membership.role == Role.VIEWER:
        filters = okr_dashboards.dashboard_filters(membership=membership)
        return render(
            request,
            "reviews/landing_leader.html",
            {
                "map": okr_dashboards.strategy_map(
                    membership=membership, cycle=filters.cycle, now=now
                ),
                "filters": filters,
                "attention": dashboards.attention(membership=membership, now=now),
                "health_rule": okr_rules.HEALTH_RULE,
            },
        )
    if membership.is_team_lead:
        teams = dashboards.landing_teams(membership=membership)
        team = next((t for t in teams if str(t.pk) == request.GET.get("team")), None)
        team = team or (teams[0] if teams else None)
        if team is not None:
            return render(
                request,
                "reviews/landing_team.html",
                {
                    "landing": dashboards.team_landing(membership=membership, team=team, now=now),
                    "teams": teams,
                    "health_rule": okr_rules.HEALTH_RULE,
                },
            )
    return redirect("planning:my_work")
