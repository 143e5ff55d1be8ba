"""Pages for backlogs, sprints and ideas. Thin: selectors read, services write, templates show."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit, urlunsplit

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.views.decorators.http import require_POST

from backlog import dashboards, rules, selectors, services
from backlog.forms import (
    BacklogItemForm,
    CapacityPolicyForm,
    CloseSprintForm,
    CommitForm,
    IdeaForm,
    MoveForm,
    PromoteIdeaForm,
    RejectIdeaForm,
    ScoringModelForm,
    SprintForm,
)
from backlog.models import CapacityPolicy, CategoryGroup, Idea, ScoringModel
from core.decorators import membership_required
from core.errors import apply_to_form
from core.forms import bound_data
from planning import dashboards as planning_dashboards
from planning import selectors as planning_selectors
from planning.models import WorkPackage
from planning.rules import team_ids_of


def _get_or_404(getter, **kwargs):
    try:
        return getter(**kwargs)
    except (ObjectDoesNotExist, ValidationError, ValueError) as exc:
        raise Http404("Not found") from exc


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _team_choice(request, teams):
    """The team a list page shows: ``?team=`` (another organization's is a 404), else the
    caller's own team, else the first."""
    wanted = request.GET.get("team")
    if wanted:
        team = next((t for t in teams if str(t.pk) == wanted), None)
        if team is None:
            raise Http404("No such team")
        return team
    return selectors.default_team(membership=request.membership, teams=teams)


def _safe_next(request, fallback: str) -> str:
    next_url = request.POST.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return next_url
    return fallback


def _backlog_url(team) -> str:
    return f"{reverse('backlog:backlog')}?team={team.pk}"


# --- the backlog ---------------------------------------------------------------------------


@membership_required
def backlog(request):
    teams = selectors.teams_for_switcher(membership=request.membership)
    team = _team_choice(request, teams)
    if team is None:
        return render(request, "backlog/backlog.html", {"teams": teams, "team": None})
    category = request.GET.get("category")
    category = category if category in WorkPackage.Category.values else None
    readiness = request.GET.get("readiness")
    readiness = readiness if readiness in ("ready", "intention") else None
    linked = {"yes": True, "no": False}.get(request.GET.get("linked", ""))
    view = selectors.backlog_for_team(
        membership=request.membership,
        team=team,
        category=category,
        readiness=readiness,
        linked=linked,
        page=request.GET.get("page"),
    )
    return render(
        request,
        "backlog/backlog.html",
        {
            "teams": teams,
            "team": team,
            "view": view,
            "category": category,
            "readiness": readiness,
            "linked": request.GET.get("linked", ""),
            "categories": WorkPackage.Category.choices,
            "can_manage": rules.can_manage_backlog(request.membership, team.pk),
            "can_add_work": request.membership.is_leader or request.membership.is_team_lead,
            "targets": [
                (CategoryGroup(g).label, share) for g, share in view.policy.targets.items()
            ],
        },
    )


@require_POST
@membership_required
def backlog_move(request, work_package_id):
    work_package = _get_or_404(
        planning_selectors.work_package_get,
        membership=request.membership,
        work_package_id=work_package_id,
    )
    _require(
        rules.can_manage_backlog(request.membership, work_package.team_id),
        "Only the team's lead or a leader can rank its backlog.",
    )
    form = MoveForm(request.POST)
    fallback = _backlog_url(work_package.team)
    if not form.is_valid() or not (form.cleaned_data["direction"] or form.cleaned_data["position"]):
        messages.error(request, "Move it up, down, or to a position from 1.")
        return redirect(_safe_next(request, fallback))
    try:
        position = services.backlog_move(
            actor=request.membership,
            work_package=work_package,
            direction=form.cleaned_data["direction"] or None,
            position=form.cleaned_data["position"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        messages.error(request, f"“{work_package.title}”: " + " ".join(exc.messages))
    else:
        messages.success(request, f"Moved “{work_package.title}” to #{position}.")
        return redirect(
            _page_of_position(_safe_next(request, fallback), position) + f"#wp-{work_package.pk}"
        )
    return redirect(_safe_next(request, fallback) + f"#wp-{work_package.pk}")


def _page_of_position(url: str, position: int) -> str:
    """The backlog URL showing ``position``: the backlog is paged, and a move can cross pages
    (only when unfiltered: a filtered page holds other items)."""
    parts = urlsplit(url)
    query = QueryDict(parts.query, mutable=True)
    if parts.path != reverse("backlog:backlog") or any(
        query.get(f) for f in ("category", "readiness", "linked")
    ):
        return url
    page = (position - 1) // selectors.BACKLOG_PAGE_SIZE + 1
    if page > 1:
        query["page"] = str(page)
    else:
        query.pop("page", None)
    return urlunsplit(parts._replace(query=query.urlencode()))


@require_POST
@membership_required
def backlog_rank_reset(request, work_package_id):
    work_package = _get_or_404(
        planning_selectors.work_package_get,
        membership=request.membership,
        work_package_id=work_package_id,
    )
    _require(
        rules.can_manage_backlog(request.membership, work_package.team_id),
        "Only the team's lead or a leader can rank its backlog.",
    )
    services.backlog_rank_reset(actor=request.membership, work_package=work_package)
    messages.success(request, f"“{work_package.title}” is back in its place by score.")
    return redirect(_safe_next(request, _backlog_url(work_package.team)))


@membership_required
def backlog_item(request, work_package_id):
    """Categorize, estimate and score one work package."""
    work_package = _get_or_404(
        planning_selectors.work_package_get,
        membership=request.membership,
        work_package_id=work_package_id,
    )
    _require(
        rules.can_manage_backlog(request.membership, work_package.team_id),
        "Only the team's lead or a leader can score its backlog.",
    )
    score = selectors.work_package_score_get(
        membership=request.membership, work_package=work_package
    )
    initial = {"category": work_package.category, "estimate": work_package.estimate}
    if score is not None:
        initial.update({f: getattr(score, f) for f in services.SCORE_FIELDS})
    form = BacklogItemForm(bound_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.backlog_item_update(
                actor=request.membership, work_package=work_package, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, f"Saved the scoring of “{work_package.title}”.")
            return redirect(_backlog_url(work_package.team) + f"#wp-{work_package.pk}")
    facts = selectors.work_package_backlog_facts(
        membership=request.membership, work_package=work_package
    )
    return render(
        request,
        "backlog/item_form.html",
        {
            "wp": work_package,
            "form": form,
            "facts": facts,
            "fit_explained": rules.strategic_fit_explained(),
            "history": selectors.rank_changes_for(
                membership=request.membership, work_package=work_package
            ),
        },
    )


@membership_required
def scoring_edit(request, team_id):
    team = _get_or_404(selectors.team_get, membership=request.membership, team_id=team_id)
    _require(
        rules.can_manage_backlog(request.membership, team.pk),
        "Only the team's lead or a leader can change how its backlog is scored.",
    )
    model = selectors.scoring_model_for_team(membership=request.membership, team=team)
    form = ScoringModelForm(
        bound_data(request), initial={f: getattr(model, f) for f in services.SCORING_MODEL_FIELDS}
    )
    if request.method == "POST" and form.is_valid():
        old_preset = model.preset
        try:
            model = services.scoring_model_update(
                actor=request.membership, team=team, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(
                request, f"{team.name}'s backlog is now scored by {model.get_preset_display()}."
            )
            if model.preset != old_preset:
                messages.info(
                    request,
                    "The scale changed, so positions set by hand were cleared: "
                    "the backlog is in score order again.",
                )
            return redirect(_backlog_url(team))
    return render(
        request,
        "backlog/scoring_form.html",
        {
            "team": team,
            "form": form,
            "model": model,
            "criteria": ScoringModel.CRITERIA,
            "fit_explained": rules.strategic_fit_explained(),
        },
    )


@membership_required
def capacity_edit(request, team_id):
    team = _get_or_404(selectors.team_get, membership=request.membership, team_id=team_id)
    _require(
        rules.can_manage_backlog(request.membership, team.pk),
        "Only the team's lead or a leader can change its capacity policy.",
    )
    policy = selectors.capacity_policy_for_team(membership=request.membership, team=team)
    form = CapacityPolicyForm(
        bound_data(request),
        initial={f: getattr(policy, f) for f in services.CAPACITY_POLICY_FIELDS},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.capacity_policy_set(actor=request.membership, team=team, **form.cleaned_data)
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, f"{team.name}'s capacity split is saved.")
            return redirect(_backlog_url(team))
    from backlog.models import DETAILED_GROUPS, SIMPLE_GROUPS

    labels = dict(WorkPackage.Category.choices)
    return render(
        request,
        "backlog/capacity_form.html",
        {
            "team": team,
            "form": form,
            "policy": policy,
            "simple_groups": [
                (CategoryGroup(g).label, [labels[c] for c in cats])
                for g, cats in SIMPLE_GROUPS.items()
            ],
            "detailed_groups": [
                (CategoryGroup(g).label, [labels[c] for c in cats])
                for g, cats in DETAILED_GROUPS.items()
            ],
            "split_simple": CapacityPolicy.Split.SIMPLE,
        },
    )


# --- sprints -------------------------------------------------------------------------------


@membership_required
def sprint_list(request):
    """One team's sprints; or, for ``?team=all`` and people without a team, every team's."""
    teams = selectors.teams_for_switcher(membership=request.membership)
    wanted = request.GET.get("team")
    if wanted == "all" or (not wanted and not team_ids_of(request.membership)):
        return render(
            request,
            "backlog/sprint_list.html",
            {
                "teams": teams,
                "team": None,
                "overview": selectors.capacity_overview(membership=request.membership),
            },
        )
    team = _team_choice(request, teams)
    if team is None:
        return render(request, "backlog/sprint_list.html", {"teams": teams, "team": None})
    policy = selectors.capacity_policy_for_team(membership=request.membership, team=team)
    sprints = selectors.with_strategic_share(
        list(selectors.sprint_list(membership=request.membership, team=team)),
        target=policy.strategic_share,
    )
    today = _today()
    return render(
        request,
        "backlog/sprint_list.html",
        {
            "teams": teams,
            "team": team,
            "sprints": sprints,
            "current": next(
                (s for s in sprints if s.is_open and s.start_date <= today <= s.end_date), None
            ),
            "policy": policy,
            "new_sprint_url": f"{reverse('backlog:sprint_create')}?team={team.pk}",
            "can_manage": rules.can_manage_backlog(request.membership, team.pk),
        },
    )


def _today():
    return timezone.localdate()


@membership_required
def sprint_create(request):
    teams = selectors.teams_for_switcher(membership=request.membership)
    team = _team_choice(request, teams)
    if team is None:
        raise Http404("No team")
    _require(
        rules.can_manage_backlog(request.membership, team.pk),
        "Only the team's lead or a leader plans its sprints.",
    )
    initial = selectors.next_sprint_suggestion(membership=request.membership, team=team)
    form = SprintForm(bound_data(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            sprint = services.sprint_create(
                actor=request.membership, team=team, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, f"{sprint.name} is planned. Commit work from the backlog.")
            return redirect("backlog:sprint_detail", sprint_id=sprint.pk)
    return render(request, "backlog/sprint_form.html", {"form": form, "team": team})


def _sprint_for_manager(request, sprint_id):
    sprint = _get_or_404(selectors.sprint_get, membership=request.membership, sprint_id=sprint_id)
    _require(
        rules.can_manage_backlog(request.membership, sprint.team_id),
        "Only the team's lead or a leader plans its sprints.",
    )
    return sprint


@membership_required
def sprint_edit(request, sprint_id):
    sprint = _sprint_for_manager(request, sprint_id)
    form = SprintForm(
        bound_data(request), initial={f: getattr(sprint, f) for f in services.SPRINT_FIELDS}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.sprint_update(actor=request.membership, sprint=sprint, **form.cleaned_data)
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, f"{sprint.name} is saved.")
            return redirect("backlog:sprint_detail", sprint_id=sprint.pk)
    return render(
        request, "backlog/sprint_form.html", {"form": form, "team": sprint.team, "sprint": sprint}
    )


def _commit_form(request, board, data=None):
    """The commit form: it offers the ready work of the team's backlog, in rank order, but
    accepts any open work of the organization so the service can say what is wrong with it."""
    form = CommitForm(
        data,
        work_packages=WorkPackage.objects.filter(
            organization_id=request.membership.organization_id
        ),
    )
    widget = form.fields["work_package"].widget
    widget.template_name = "backlog/_commit_select.html"
    widget.choices = [
        ("", "— Choose ready work —"),
        *[
            (
                str(wp.pk),
                f"#{wp.position} · {wp.title} · {wp.estimate if wp.estimate is not None else '?'} pts"
                f" · {wp.get_category_display()}",
            )
            for wp in board.candidates
        ],
    ]
    return form


def _render_sprint(request, sprint, *, commit_form=None, warnings=None, status=200):
    board = selectors.sprint_board(membership=request.membership, sprint=sprint)
    can_manage = rules.can_manage_backlog(request.membership, sprint.team_id)
    if commit_form is None and can_manage and sprint.is_open:
        commit_form = _commit_form(request, board)
    return render(
        request,
        "backlog/sprint_detail.html",
        {
            "sprint": sprint,
            "board": board,
            "can_manage": can_manage,
            "commit_form": commit_form,
            "warnings": warnings or [],
            "today": _today(),
        },
        status=status,
    )


@membership_required
def sprint_detail(request, sprint_id):
    sprint = _get_or_404(selectors.sprint_get, membership=request.membership, sprint_id=sprint_id)
    return _render_sprint(request, sprint)


@require_POST
@membership_required
def sprint_commit(request, sprint_id):
    sprint = _sprint_for_manager(request, sprint_id)
    board = selectors.sprint_board(membership=request.membership, sprint=sprint)
    form = _commit_form(request, board, request.POST)
    warnings = []
    if form.is_valid():
        work_package = form.cleaned_data["work_package"]
        try:
            services.sprint_commit(
                actor=request.membership,
                sprint=sprint,
                work_package=work_package,
                reason=form.cleaned_data["reason"],
            )
        except services.CommitNeedsReasonError as exc:
            # The page lists the warnings above the form; beside the field, just the ask.
            warnings = exc.warnings
            form.add_error("reason", "Record why you commit it anyway, or leave it out.")
            # Now the reason is what the form asks for: show it as such.
            form.fields["reason"].required = True
            form.fields["reason"].help_text = "It is recorded with the commitment."
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, f"Committed “{work_package.title}” to {sprint.name}.")
            return redirect("backlog:sprint_detail", sprint_id=sprint.pk)
    return _render_sprint(request, sprint, commit_form=form, warnings=warnings)


@require_POST
@membership_required
def sprint_uncommit(request, sprint_id):
    sprint = _sprint_for_manager(request, sprint_id)
    work_package_id = request.POST.get("work_package", "")
    if not _is_uuid(work_package_id):
        raise Http404("No such work package")
    work_package = _get_or_404(
        planning_selectors.work_package_get,
        membership=request.membership,
        work_package_id=work_package_id,
    )
    try:
        services.sprint_uncommit(actor=request.membership, sprint=sprint, work_package=work_package)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, f"Took “{work_package.title}” out of {sprint.name}; it stays in the backlog."
        )
    return redirect("backlog:sprint_detail", sprint_id=sprint.pk)


@membership_required
def sprint_close(request, sprint_id):
    sprint = _sprint_for_manager(request, sprint_id)
    if not sprint.is_open:
        messages.info(request, f"{sprint.name} is closed already.")
        return redirect("backlog:sprint_detail", sprint_id=sprint.pk)
    commitments = selectors.sprint_commitments(membership=request.membership, sprint=sprint)
    form = CloseSprintForm(bound_data(request), commitments=commitments)
    if request.method == "POST" and form.is_valid():
        try:
            services.sprint_close(
                actor=request.membership,
                sprint=sprint,
                outcomes=form.outcomes(),
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, f"{sprint.name} is closed and its outcomes recorded.")
            return redirect("backlog:sprint_detail", sprint_id=sprint.pk)
    rows = [(c, form[f"outcome_{c.work_package_id}"]) for c in commitments]
    return render(
        request, "backlog/sprint_close.html", {"sprint": sprint, "form": form, "rows": rows}
    )


# --- ideas ---------------------------------------------------------------------------------


@membership_required
def idea_list(request):
    teams = selectors.teams_for_switcher(membership=request.membership)
    team = None
    if request.GET.get("team"):
        team = _team_choice(request, teams)
    status = request.GET.get("status")
    status = status if status in Idea.Status.values else None
    page = Paginator(
        selectors.idea_list(membership=request.membership, status=status, team=team), 50
    ).get_page(request.GET.get("page"))
    ideas = list(page.object_list)
    counts = selectors.idea_counts(membership=request.membership, team=team)
    for idea in ideas:
        idea.can_decide = rules.can_manage_backlog(request.membership, idea.team_id)
    return render(
        request,
        "backlog/idea_list.html",
        {
            "ideas": ideas,
            "page": page,
            "teams": teams,
            "team": team,
            "status": status,
            "tabs": [(value, label, counts[value]) for value, label in Idea.Status.choices],
            "can_propose": rules.can_propose_idea(request.membership),
        },
    )


def _idea_form(request, idea=None, teams=None):
    initial = {}
    if idea is not None:
        initial = {f: getattr(idea, f) for f in services.IDEA_FIELDS}
    else:
        mine = selectors.default_team(membership=request.membership, teams=teams or [])
        if request.GET.get("team") and _is_uuid(request.GET["team"]):
            initial["team"] = request.GET["team"]
        elif mine is not None:
            initial["team"] = mine.pk
        if request.GET.get("objective") and _is_uuid(request.GET["objective"]):
            initial["strategic_objective"] = request.GET["objective"]
    from core.selectors import team_list

    return IdeaForm(
        bound_data(request),
        teams=team_list(organization=request.organization),
        objectives=selectors.objective_choices(
            membership=request.membership,
            include_id=idea.strategic_objective_id if idea is not None else None,
        ),
        editing=idea is not None,
        initial=initial,
    )


@membership_required
def idea_create(request):
    _require(rules.can_propose_idea(request.membership), "Viewers cannot propose ideas.")
    teams = selectors.teams_for_switcher(membership=request.membership)
    form = _idea_form(request, teams=teams)
    if request.method == "POST" and form.is_valid():
        try:
            idea = services.idea_propose(actor=request.membership, **form.cleaned_data)
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, "Idea collected. The team's lead will look at it.")
            return redirect("backlog:idea_detail", idea_id=idea.pk)
    return render(request, "backlog/idea_form.html", {"form": form})


@membership_required
def idea_detail(request, idea_id):
    idea = _get_or_404(selectors.idea_get, membership=request.membership, idea_id=idea_id)
    return _render_idea(request, idea)


def _render_idea(request, idea, reject_form=None, status=200):
    can_decide = rules.can_manage_backlog(request.membership, idea.team_id)
    return render(
        request,
        "backlog/idea_detail.html",
        {
            "idea": idea,
            "can_decide": can_decide,
            "can_edit": rules.can_edit_idea(request.membership, idea),
            "reject_form": reject_form or (RejectIdeaForm() if can_decide else None),
        },
        status=status,
    )


@membership_required
def idea_edit(request, idea_id):
    idea = _get_or_404(selectors.idea_get, membership=request.membership, idea_id=idea_id)
    _require(
        rules.can_edit_idea(request.membership, idea),
        "Only its proposer, the team's lead or a leader can edit it before it is decided.",
    )
    form = _idea_form(request, idea)
    if request.method == "POST" and form.is_valid():
        try:
            services.idea_update(actor=request.membership, idea=idea, **form.cleaned_data)
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, "Idea saved.")
            return redirect("backlog:idea_detail", idea_id=idea.pk)
    return render(request, "backlog/idea_form.html", {"form": form, "idea": idea})


def _idea_for_decider(request, idea_id):
    idea = _get_or_404(selectors.idea_get, membership=request.membership, idea_id=idea_id)
    _require(
        rules.can_manage_backlog(request.membership, idea.team_id),
        "Only the team's lead or a leader decides on its ideas.",
    )
    return idea


@require_POST
@membership_required
def idea_shortlist(request, idea_id):
    idea = _idea_for_decider(request, idea_id)
    try:
        services.idea_shortlist(actor=request.membership, idea=idea)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"“{idea.title}” is on the shortlist.")
    return redirect(_safe_next(request, reverse("backlog:idea_detail", args=[idea.pk])))


@require_POST
@membership_required
def idea_reject(request, idea_id):
    idea = _idea_for_decider(request, idea_id)
    form = RejectIdeaForm(request.POST)
    if form.is_valid():
        try:
            services.idea_reject(
                actor=request.membership, idea=idea, reason=form.cleaned_data["rejection_reason"]
            )
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, f"“{idea.title}” is rejected; the reason is recorded.")
            return redirect("backlog:idea_detail", idea_id=idea.pk)
    return _render_idea(request, idea, reject_form=form, status=400)


@membership_required
def idea_promote(request, idea_id):
    idea = _idea_for_decider(request, idea_id)
    initiatives = planning_selectors.initiative_choices(membership=request.membership)
    initial = {
        "title": idea.title,
        "category": "strategic" if idea.strategic_objective_id else "tactical",
    }
    if idea.strategic_objective_id:
        first = next(
            (i for i in initiatives if i.strategic_objective_id == idea.strategic_objective_id),
            None,
        )
        if first is not None:
            initial["initiative"] = first.pk
    form = PromoteIdeaForm(bound_data(request), initiatives=initiatives, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            work_package = services.idea_promote(
                actor=request.membership, idea=idea, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(
                request,
                "Promoted to a work package. It is an intention until it has an owner, a due "
                "date and a success check.",
            )
            return redirect("planning:work_detail", work_package_id=work_package.pk)
    return render(request, "backlog/idea_promote.html", {"idea": idea, "form": form})


# --- Insight dashboards (part 2): capacity --------------------------------------------------

CAPACITY_TEAMS_PER_PAGE = 10


def _drift_links(query: QueryDict, drifting: list[dashboards.DriftingTeam]) -> SafeString:
    """The call-out's links, one per drifting team (up to all of them) to its card alone: this
    query string with the team set and the page dropped."""
    params = query.copy()
    params.pop("page", None)
    links = []
    for t in drifting:
        params["team"] = str(t.team_id)
        links.append((f"?{params.urlencode()}", t.team_name))
    return format_html_join(", ", '<a href="{}">{}</a>', links)


@membership_required
def dash_capacity(request):
    """Each team's target split against what it committed, sprint by sprint."""
    errors: dict = {}
    try:
        filters = planning_dashboards.dashboard_filters(
            membership=request.membership, data=request.GET
        )
    except ValidationError as exc:
        filters, errors = planning_dashboards.Filters(), exc.message_dict
    # Every team's latest sprint feeds the drift call-out; the cards (chart and sprint table)
    # come a page of teams at a time: 200 charts on one page is unreadable and slow to render.
    data = dashboards.capacity(
        membership=request.membership,
        team=filters.team,
        weeks=filters.weeks,
        page=request.GET.get("page"),
        per_page=CAPACITY_TEAMS_PER_PAGE,
    )
    can_plan = request.membership.is_leader or request.membership.is_team_lead
    return render(
        request,
        "backlog/dash_capacity.html",
        {
            "teams": data.team_choices
            if data.team_choices is not None
            else planning_selectors.team_choices(membership=request.membership),
            "filters": filters,
            "filter_errors": errors,
            "week_choices": (4, 8, 12, 26),
            "data": data,
            "page": data.page,
            "cards": dashboards.capacity_cards_html(data.teams, can_plan=can_plan),
            "drift_links": _drift_links(request.GET, data.drifting),
            "can_plan": can_plan,
        },
        status=400 if errors else 200,
    )
