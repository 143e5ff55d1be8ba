"""Pages for strategy and work. Thin: selectors read, services write, templates show."""

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core import audit, panels
from core.decorators import membership_required
from core.errors import apply_to_form
from core.forms import bound_data
from core.selectors import people_in_organization, team_list
from planning import dashboards, markup, rules, selectors, services
from planning.forms import (
    DecisionForm,
    InitiativeForm,
    QuickStatusForm,
    StrategicObjectiveForm,
    WorkPackageForm,
)
from planning.models import Initiative, StrategicObjective, WorkPackage


def _get_or_404(getter, **kwargs):
    try:
        return getter(**kwargs)
    except ObjectDoesNotExist as exc:
        raise Http404("Not found") from exc


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


# --- strategy ------------------------------------------------------------------------------


@membership_required
def strategy_list(request):
    status = request.GET.get("status") or None
    if status not in (None, *StrategicObjective.Status.values):
        status = None
    objectives = list(
        selectors.strategic_objective_list(membership=request.membership, status=status)
    )
    for objective in objectives:
        objective.progress = selectors.work_progress(objective)
        objective.advice = rules.strategic_objective_advice(
            statement=objective.statement,
            trade_offs=objective.trade_offs,
            horizon_start=objective.horizon_start,
            horizon_end=objective.horizon_end,
        )
    return render(
        request,
        "planning/strategy_list.html",
        {
            "objectives": objectives,
            "summary": selectors.work_summary(membership=request.membership),
            "status": status,
            "statuses": StrategicObjective.Status.choices,
            "can_write": rules.can_write_strategy(request.membership),
        },
    )


@membership_required
def strategy_detail(request, objective_id):
    objective = _get_or_404(
        selectors.strategic_objective_get, membership=request.membership, objective_id=objective_id
    )
    initiatives = list(objective.initiatives.all())
    for initiative in initiatives:
        initiative.progress = selectors.work_progress(initiative)
    advice = rules.strategic_objective_advice(
        statement=objective.statement,
        trade_offs=objective.trade_offs,
        horizon_start=objective.horizon_start,
        horizon_end=objective.horizon_end,
    )
    return render(
        request,
        "planning/strategy_detail.html",
        {
            "objective": objective,
            "initiatives": initiatives,
            "advice": advice,
            "can_write": rules.can_write_strategy(request.membership),
            "new_initiative_url": f"{reverse('planning:initiative_create')}?objective={objective.pk}",
            "panels": panels.render("strategic_objective_detail", request, objective),
        },
    )


def _strategy_form(request, objective=None):
    people = people_in_organization(
        organization=request.organization, keep=objective.owner if objective else None
    )
    initial = {}
    if objective is not None:
        initial = {f: getattr(objective, f) for f in services.STRATEGIC_OBJECTIVE_FIELDS}
    else:
        initial = {"owner": request.user.pk}
    return StrategicObjectiveForm(bound_data(request), people=people, initial=initial)


@membership_required
def strategy_create(request):
    _require(rules.can_write_strategy(request.membership), "Only leaders write strategy.")
    form = _strategy_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            objective = services.strategic_objective_create(
                actor=request.membership, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, "Strategic objective created.")
            return redirect("planning:strategy_detail", objective_id=objective.pk)
    return render(
        request, "planning/strategy_form.html", {"form": form, "advice": _form_advice(form)}
    )


def _form_advice(form) -> list[str]:
    data = form.cleaned_data if form.is_bound and hasattr(form, "cleaned_data") else form.initial
    if not data.get("statement"):
        return []
    return rules.strategic_objective_advice(
        statement=data.get("statement", ""),
        trade_offs=data.get("trade_offs") or [],
        horizon_start=data.get("horizon_start"),
        horizon_end=data.get("horizon_end"),
    )


@membership_required
def strategy_edit(request, objective_id):
    # Another organization's id is a 404 for everyone, before any role check.
    objective = _get_or_404(
        selectors.strategic_objective_get, membership=request.membership, objective_id=objective_id
    )
    _require(rules.can_write_strategy(request.membership), "Only leaders write strategy.")
    form = _strategy_form(request, objective)
    if request.method == "POST" and form.is_valid():
        try:
            services.strategic_objective_update(
                actor=request.membership, objective=objective, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, "Strategic objective saved.")
            return redirect("planning:strategy_detail", objective_id=objective.pk)
    return render(
        request,
        "planning/strategy_form.html",
        {"form": form, "objective": objective, "advice": _form_advice(form)},
    )


# --- initiatives ---------------------------------------------------------------------------


@membership_required
def initiative_detail(request, initiative_id):
    initiative = _get_or_404(
        selectors.initiative_get, membership=request.membership, initiative_id=initiative_id
    )
    initiative.progress = selectors.work_progress(initiative)
    packages = selectors.work_package_list(membership=request.membership, initiative=initiative)
    return render(
        request,
        "planning/initiative_detail.html",
        {
            "initiative": initiative,
            "work_packages": packages,
            "can_write": rules.can_write_strategy(request.membership),
            "can_add_work": request.membership.is_leader or request.membership.is_team_lead,
            "new_work_url": f"{reverse('planning:work_create')}?initiative={initiative.pk}",
            "panels": panels.render("initiative_detail", request, initiative),
        },
    )


def _initiative_form(request, initiative=None):
    initial = {}
    if initiative is not None:
        initial = {f: getattr(initiative, f) for f in services.INITIATIVE_FIELDS}
        initial["teams"] = list(initiative.teams.all())
    elif request.GET.get("objective"):
        initial["strategic_objective"] = request.GET["objective"]
    return InitiativeForm(
        bound_data(request),
        # An edited initiative keeps its objective even once achieved or retired.
        objectives=selectors.strategic_objective_choices(
            membership=request.membership,
            include_id=initiative.strategic_objective_id if initiative is not None else None,
        ),
        people=people_in_organization(
            organization=request.organization, keep=initiative.owner if initiative else None
        ),
        teams=team_list(organization=request.organization),
        initial=initial,
    )


@membership_required
def initiative_create(request):
    _require(rules.can_write_strategy(request.membership), "Only leaders write initiatives.")
    form = _initiative_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            initiative = services.initiative_create(actor=request.membership, **form.cleaned_data)
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, "Initiative created.")
            return redirect("planning:initiative_detail", initiative_id=initiative.pk)
    return render(request, "planning/initiative_form.html", {"form": form})


@membership_required
def initiative_edit(request, initiative_id):
    # Another organization's id is a 404 for everyone, before any role check.
    initiative = _get_or_404(
        selectors.initiative_get, membership=request.membership, initiative_id=initiative_id
    )
    _require(rules.can_write_strategy(request.membership), "Only leaders write initiatives.")
    form = _initiative_form(request, initiative)
    if request.method == "POST" and form.is_valid():
        try:
            services.initiative_update(
                actor=request.membership, initiative=initiative, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, "Initiative saved.")
            return redirect("planning:initiative_detail", initiative_id=initiative.pk)
    return render(
        request, "planning/initiative_form.html", {"form": form, "initiative": initiative}
    )


# --- work packages -------------------------------------------------------------------------


# What planning/_work_table.html shows of a work package and its relations: a page of 50 rows
# loads these columns only (no descriptions, outputs, audit fields or password hashes).
WORK_TABLE_FIELDS = (
    "id",
    "title",
    "category",
    "decision",
    "due_date",
    "estimate",
    "status",
    "team__name",
    "owner__full_name",
    "owner__email",
    "initiative__title",
    "initiative__strategic_objective__statement",
)


@membership_required
def work_list(request):
    team = (
        team_list(organization=request.organization).filter(pk=request.GET["team"]).first()
        if _is_uuid(request.GET.get("team"))
        else None
    )
    status = (
        request.GET.get("status")
        if request.GET.get("status") in WorkPackage.Status.values
        else None
    )
    linked = {"yes": True, "no": False}.get(request.GET.get("linked", ""))
    packages = selectors.work_package_list(
        membership=request.membership, team=team, status=status, linked=linked
    ).only(*WORK_TABLE_FIELDS)
    page = Paginator(packages, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "planning/work_list.html",
        {
            "page": page,
            "teams": selectors.team_choices(membership=request.membership),
            "team": team,
            "status": status,
            "linked": request.GET.get("linked", ""),
            "statuses": WorkPackage.Status.choices,
            "can_add_work": request.membership.is_leader or request.membership.is_team_lead,
        },
    )


def _is_uuid(value) -> bool:
    import uuid

    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


@membership_required
def work_detail(request, work_package_id):
    work_package = _get_or_404(
        selectors.work_package_get, membership=request.membership, work_package_id=work_package_id
    )
    can_edit = rules.can_edit_work_package(request.membership, work_package)
    return render(
        request,
        "planning/work_detail.html",
        {
            "wp": work_package,
            "can_edit": can_edit,
            "decision_form": DecisionForm() if can_edit else None,
            "panels": panels.render("work_package_detail", request, work_package),
        },
    )


def _writable_teams(request):
    teams = team_list(organization=request.organization)
    if request.membership.is_leader:
        return teams
    return teams.filter(pk__in=rules.team_ids_of(request.membership))


def _work_form(request, work_package=None):
    creating = work_package is None
    if creating:
        initial = {"category": "strategic"}
        my_teams = _writable_teams(request)
        if request.GET.get("initiative") and _is_uuid(request.GET["initiative"]):
            initial["initiative"] = request.GET["initiative"]
        if not request.membership.is_leader and len(my_teams) == 1:
            initial["team"] = my_teams[0].pk
    else:
        initial = {f: getattr(work_package, f) for f in services.WORK_PACKAGE_FIELDS}
    teams = _writable_teams(request)
    if work_package is not None:
        teams = teams | team_list(organization=request.organization).filter(pk=work_package.team_id)
    form = WorkPackageForm(
        bound_data(request),
        teams=teams.distinct(),
        # Edited work keeps its initiative even once closed; otherwise saving would unlink it.
        initiatives=selectors.initiative_choices(
            membership=request.membership,
            include_id=work_package.initiative_id if work_package is not None else None,
        ),
        people=people_in_organization(
            organization=request.organization, keep=work_package.owner if work_package else None
        ),
        creating=creating,
        initial=initial,
    )
    if work_package is not None and not rules.can_reassign_work_package(
        request.membership, work_package
    ):
        # The owner's page shows team and owner as text: requiring them would block every save.
        del form.fields["team"], form.fields["owner"]
    return form


@membership_required
def work_create(request):
    _require(
        request.membership.is_leader or request.membership.is_team_lead,
        "Only team leads and leaders add work packages.",
    )
    form = _work_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            work_package = services.work_package_create(
                actor=request.membership, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            if work_package.status == WorkPackage.Status.INTENTION:
                messages.warning(
                    request,
                    "Saved as an intention: it becomes a tactic once it has an owner, "
                    "a due date and a success check.",
                )
            else:
                messages.success(request, "Work package created.")
            return redirect("planning:work_detail", work_package_id=work_package.pk)
    return render(request, "planning/work_form.html", {"form": form, "wp": _preview(form)})


def _preview(form, work_package=None):
    """An unsaved work package carrying what the form says, so the checklist reflects it live."""
    wp = WorkPackage() if work_package is None else work_package
    if form.is_bound:
        data = getattr(form, "cleaned_data", {})
        for key in ("owner", "due_date", "success_criterion", "success_review_date"):
            if key in data:
                setattr(wp, key, data[key])
    return wp


@membership_required
def work_edit(request, work_package_id):
    work_package = _get_or_404(
        selectors.work_package_get, membership=request.membership, work_package_id=work_package_id
    )
    _require(
        rules.can_edit_work_package(request.membership, work_package),
        "You can edit only work you own or your team's work.",
    )
    form = _work_form(request, work_package)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        reopen_reason = data.pop("reopen_reason", "")
        if not rules.can_reassign_work_package(request.membership, work_package):
            data.pop("team", None)
            data.pop("owner", None)
        try:
            services.work_package_update(
                actor=request.membership,
                work_package=work_package,
                reopen_reason=reopen_reason,
                **data,
            )
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, "Work package saved.")
            return redirect("planning:work_detail", work_package_id=work_package.pk)
    preview = _preview(form, work_package)
    return render(
        request,
        "planning/work_form.html",
        {
            "form": form,
            "wp": preview,
            "editing": work_package,
            "can_reassign": rules.can_reassign_work_package(request.membership, work_package),
        },
    )


@require_POST
@membership_required
def work_decision(request, work_package_id):
    work_package = _get_or_404(
        selectors.work_package_get, membership=request.membership, work_package_id=work_package_id
    )
    _require(
        rules.can_edit_work_package(request.membership, work_package),
        "You can decide only on work you own or your team's work.",
    )
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.work_package_record_decision(
                actor=request.membership,
                work_package=work_package,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["decision_reason"],
            )
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, "Decision recorded.")
            return redirect("planning:work_detail", work_package_id=work_package.pk)
    return render(
        request,
        "planning/work_detail.html",
        {"wp": work_package, "can_edit": True, "decision_form": form},
        status=400,
    )


@require_POST
@membership_required
def work_status(request, work_package_id):
    """A quick status change from a list (My work): the same rules as the full editor."""
    work_package = _get_or_404(
        selectors.work_package_get, membership=request.membership, work_package_id=work_package_id
    )
    _require(
        rules.can_edit_work_package(request.membership, work_package),
        "You can update only work you own or your team's work.",
    )
    form = QuickStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the statuses.")
    else:
        try:
            services.work_package_update(
                actor=request.membership,
                work_package=work_package,
                status=form.cleaned_data["status"],
            )
        except ValidationError as exc:
            messages.error(request, f"“{work_package.title}”: " + " ".join(exc.messages))
        else:
            messages.success(
                request,
                f"“{work_package.title}” is now {WorkPackage.Status(form.cleaned_data['status']).label.lower()}.",
            )
    next_url = request.POST.get("next", "")
    from django.utils.http import url_has_allowed_host_and_scheme

    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "planning:my_work"
    return redirect(next_url)


@membership_required
def my_work(request):
    work = selectors.my_work(membership=request.membership)
    rows = markup.my_work_rows_html(
        work.open,
        today=timezone.localdate(),
        csrf_token=get_token(request),
        next_url=request.path,
    )
    return render(
        request,
        "planning/my_work.html",
        {"work": work, "rows": rows, "checks_due": markup.checks_due_items_html(work.checks_due)},
    )


# --- audit history (core/audit.py) --------------------------------------------------------


@membership_required
def strategy_history(request, objective_id):
    return audit.history_view(
        request,
        model=StrategicObjective,
        pk=objective_id,
        title_field="statement",
        kind="Strategic objective",
        object_url=reverse("planning:strategy_detail", args=[objective_id]),
    )


@membership_required
def initiative_history(request, initiative_id):
    return audit.history_view(
        request,
        model=Initiative,
        pk=initiative_id,
        title_field="title",
        kind="Initiative",
        object_url=reverse("planning:initiative_detail", args=[initiative_id]),
    )


@membership_required
def work_history(request, work_package_id):
    return audit.history_view(
        request,
        model=WorkPackage,
        pk=work_package_id,
        title_field="title",
        kind="Work package",
        object_url=reverse("planning:work_detail", args=[work_package_id]),
    )


# --- Insight dashboards (part 2): alignment and delivery ------------------------------------

INSIGHT_WEEK_CHOICES = (4, 8, 12, 26)
TEAM_ROWS = 20  # a dashboard's per-team table shows this many teams until asked for all


def insight_filters(request):
    """The dashboards' team and weeks filters, and the errors to show beside them (a 400)."""
    try:
        filters = dashboards.dashboard_filters(membership=request.membership, data=request.GET)
    except ValidationError as exc:
        return dashboards.Filters(), exc.message_dict
    return filters, {}


def insight_context(request, filters, errors) -> dict:
    return {
        "teams": selectors.team_choices(membership=request.membership),
        "filters": filters,
        "filter_errors": errors,
        "week_choices": INSIGHT_WEEK_CHOICES,
    }


def team_rows(request, rows: list, *, largest) -> dict:
    """The per-team table of a dashboard: the TEAM_ROWS teams with the most (``largest``: the
    number to sort by) unless ``?teams=all`` asks for every one. The numbers stay the selector's;
    a meeting-room screen over 200 teams shows the ones that carry the work first."""
    ordered = sorted(rows, key=lambda r: (-largest(r), r.team_name))
    show_all = request.GET.get("teams") == "all"
    return {
        "team_rows": ordered if show_all else ordered[:TEAM_ROWS],
        "teams_total": len(ordered),
        "teams_all": show_all,
    }


@membership_required
def dash_alignment(request):
    filters, errors = insight_filters(request)
    data = dashboards.alignment(
        membership=request.membership, team=filters.team, weeks=filters.weeks
    )
    return render(
        request,
        "planning/dash_alignment.html",
        {
            **insight_context(request, filters, errors),
            **team_rows(request, data.teams, largest=lambda t: t.points),
            "data": data,
            "chart": dashboards.alignment_chart(data),
        },
        status=400 if errors else 200,
    )


@membership_required
def dash_delivery(request):
    filters, errors = insight_filters(request)
    data = dashboards.delivery(
        membership=request.membership, team=filters.team, weeks=filters.weeks
    )
    return render(
        request,
        "planning/dash_delivery.html",
        {
            **insight_context(request, filters, errors),
            **team_rows(request, data.teams, largest=lambda t: t.finished),
            "data": data,
            "chart": dashboards.throughput_chart(data),
        },
        status=400 if errors else 200,
    )
