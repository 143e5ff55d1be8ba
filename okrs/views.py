"""Pages for OKRs and KPIs. Thin: selectors read, services write, templates show."""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from core import audit
from core.decorators import membership_required
from core.errors import apply_to_form
from core.forms import bound_data
from core.links import id_url
from core.selectors import people_in_organization, team_list
from okrs import charts, dashboards, rules, selectors, services
from okrs.forms import (
    CheckInForm,
    ContributionForm,
    CycleCloseForm,
    CycleForm,
    KeyResultForm,
    ObjectiveForm,
    OutcomeMeasureForm,
    OutcomeValueForm,
)
from okrs.models import CheckIn, Cycle, KeyResult, Objective
from planning import rules as planning_rules
from planning import selectors as planning_selectors


def _get_or_404(getter, **kwargs):
    try:
        return getter(**kwargs)
    except (ObjectDoesNotExist, ValidationError) as exc:  # ValidationError: a malformed id
        raise Http404("Not found") from exc


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _require_open(cycle: Cycle) -> None:
    _require(not cycle.is_closed, services.CLOSED_MESSAGE)


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


# --- the board -----------------------------------------------------------------------------


@membership_required
def board(request, cycle_id=None):
    membership = request.membership
    if cycle_id is not None:
        cycle = _get_or_404(selectors.cycle_get, membership=membership, cycle_id=cycle_id)
    else:
        cycle = selectors.cycle_current(membership=membership)
    cycles = list(selectors.cycle_list(membership=membership))
    context = {
        "cycles": cycles,
        "cycle": cycle,
        "can_manage": rules.can_manage_cycles(membership),
        "can_add": rules.can_add_objectives(membership),
        "health_rule": rules.HEALTH_RULE,
    }
    if cycle is not None:
        board = selectors.okr_board(membership=membership, cycle=cycle)
        # Hundreds of objectives with three figures each: their cards and lines are written in
        # Python (okrs/charts.py, the partials' markup), not by a {% url %} and three includes
        # apiece.
        objective_url = id_url("okrs:objective_detail")
        for objective in [*board.loose, *(o for g in board.groups for o in g.objectives)]:
            objective.url = objective_url(objective.pk)
            for child in objective.team_objectives:  # those shown on its card
                child.url = objective_url(child.pk)
        add_url = reverse("okrs:objective_create", args=[cycle.pk]) if context["can_add"] else None
        context["board"] = board
        context["groups"] = [
            (
                group,
                charts.board_cards_html(
                    group.objectives,
                    closed=cycle.is_closed,
                    active=cycle.status == Cycle.Status.ACTIVE,
                    add_url=add_url,
                ),
            )
            for group in board.groups
        ]
        context["loose"] = charts.board_team_objectives_html(
            board.loose, closed=cycle.is_closed, indent=" " * 4, tail=" " * 2
        )
    return render(request, "okrs/board.html", context)


# --- cycles --------------------------------------------------------------------------------


@membership_required
def cycle_create(request):
    _require(rules.can_manage_cycles(request.membership), "Only leaders plan OKR cycles.")
    form = CycleForm(bound_data(request))
    if request.method == "POST" and form.is_valid():
        try:
            cycle = services.cycle_create(actor=request.membership, **form.cleaned_data)
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, f"Cycle “{cycle.name}” created.")
            return redirect("okrs:cycle_board", cycle_id=cycle.pk)
    return render(request, "okrs/cycle_form.html", {"form": form})


@membership_required
def cycle_edit(request, cycle_id):
    cycle = _get_or_404(selectors.cycle_get, membership=request.membership, cycle_id=cycle_id)
    _require(rules.can_manage_cycles(request.membership), "Only leaders plan OKR cycles.")
    _require_open(cycle)
    form = CycleForm(
        bound_data(request),
        editing=True,
        initial={f: getattr(cycle, f) for f in services.CYCLE_FIELDS},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.cycle_update(actor=request.membership, cycle=cycle, **form.cleaned_data)
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, "Cycle saved.")
            return redirect("okrs:cycle_board", cycle_id=cycle.pk)
    return render(request, "okrs/cycle_form.html", {"form": form, "cycle": cycle})


@require_POST
@membership_required
def cycle_activate(request, cycle_id):
    cycle = _get_or_404(selectors.cycle_get, membership=request.membership, cycle_id=cycle_id)
    _require(rules.can_manage_cycles(request.membership), "Only leaders open OKR cycles.")
    try:
        services.cycle_activate(actor=request.membership, cycle=cycle)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"“{cycle.name}” is active: check-ins are open.")
    return redirect("okrs:cycle_board", cycle_id=cycle.pk)


@membership_required
def cycle_close(request, cycle_id):
    membership = request.membership
    cycle = _get_or_404(selectors.cycle_get, membership=membership, cycle_id=cycle_id)
    _require(rules.can_manage_cycles(membership), "Only leaders close OKR cycles.")
    _require_open(cycle)
    objectives = list(selectors.objective_list(membership=membership, cycle=cycle))
    unfinished = list(
        selectors.key_result_list(membership=membership, cycle=cycle).filter(progress__lt=1)
    )
    targets = selectors.cycle_carry_targets(membership=membership, cycle=cycle)
    first_target = targets.first()
    form = CycleCloseForm(
        bound_data(request),
        objectives=objectives,
        unfinished=unfinished,
        cycles=targets,
        carry_by_default=first_target is not None,
        initial={"next_cycle": first_target},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.cycle_close(
                actor=membership,
                cycle=cycle,
                grades=form.grades(),
                carry_over=form.carried(),
                next_cycle=form.cleaned_data["next_cycle"],
            )
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            carried = len(form.carried())
            messages.success(
                request,
                f"“{cycle.name}” is closed and graded."
                + (
                    f" {carried} key result{'s' if carried != 1 else ''} carried over."
                    if carried
                    else ""
                ),
            )
            return redirect("okrs:cycle_board", cycle_id=cycle.pk)
    return render(
        request,
        "okrs/cycle_close.html",
        {"form": form, "cycle": cycle, "has_targets": first_target is not None},
    )


# --- objectives ----------------------------------------------------------------------------


def _objective_form(request, cycle: Cycle, objective: Objective | None = None):
    membership = request.membership
    teams = team_list(organization=request.organization)
    if not membership.is_leader:
        teams = teams.filter(pk__in=planning_rules.team_ids_of(membership))
    parents = selectors.objective_parent_choices(membership=membership, cycle=cycle)
    if objective is not None:
        parents = parents.exclude(pk=objective.pk)
        initial = {f: getattr(objective, f) for f in services.OBJECTIVE_FIELDS}
    else:
        initial = {"owner": request.user.pk, "level": "organization"}
        if request.GET.get("parent") or not membership.is_leader:
            initial["level"] = "team"
        for key in ("parent", "strategic_objective", "team"):
            if request.GET.get(key):
                initial[key] = request.GET[key]
        if not membership.is_leader and len(teams) == 1:
            initial["team"] = teams[0].pk
    return ObjectiveForm(
        bound_data(request),
        teams=teams,
        people=people_in_organization(
            organization=request.organization, keep=objective.owner if objective else None
        ),
        strategic_objectives=planning_selectors.strategic_objective_choices(
            membership=membership,
            include_id=objective.strategic_objective_id if objective else None,
        ),
        parents=parents,
        levels=("organization", "team") if membership.is_leader else ("team",),
        initial=initial,
    )


def _form_data(form) -> Mapping:
    """What the form holds now: what was typed, or what is saved."""
    return form.data if form.is_bound else form.initial


def _objective_form_advice(data: Mapping, key_result_count=None) -> list[str]:
    statement = (data.get("statement") or "").strip()
    if not statement:
        return []
    return rules.objective_advice(
        statement=statement,
        level=data.get("level") or "organization",
        has_strategic_link=bool(data.get("strategic_objective")) or bool(data.get("parent")),
        has_parent=bool(data.get("parent")),
        key_result_count=key_result_count,
    )


@membership_required
def objective_create(request, cycle_id):
    membership = request.membership
    cycle = _get_or_404(selectors.cycle_get, membership=membership, cycle_id=cycle_id)
    _require(rules.can_add_objectives(membership), "Only leaders and team leads write objectives.")
    _require_open(cycle)
    form = _objective_form(request, cycle)
    if request.method == "POST" and form.is_valid():
        try:
            objective = services.objective_create(
                actor=membership, cycle=cycle, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(
                request,
                "Objective created. Now add two to five key results that show it is reached.",
            )
            return redirect("okrs:objective_detail", objective_id=objective.pk)
    return render(
        request,
        "okrs/objective_form.html",
        {"form": form, "cycle": cycle, "advice": _objective_form_advice(_form_data(form))},
    )


@membership_required
def objective_edit(request, objective_id):
    membership = request.membership
    objective = _get_or_404(
        selectors.objective_get, membership=membership, objective_id=objective_id
    )
    _require(
        rules.can_edit_objective(membership, objective),
        "Leaders write organization objectives; team leads their own team's.",
    )
    _require_open(objective.cycle)
    form = _objective_form(request, objective.cycle, objective)
    if request.method == "POST" and form.is_valid():
        try:
            services.objective_update(actor=membership, objective=objective, **form.cleaned_data)
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, "Objective saved.")
            return redirect("okrs:objective_detail", objective_id=objective.pk)
    return render(
        request,
        "okrs/objective_form.html",
        {
            "form": form,
            "cycle": objective.cycle,
            "objective": objective,
            "advice": _objective_form_advice(_form_data(form), objective.key_result_count),
        },
    )


@require_POST
@membership_required
def objective_advice(request):
    """The editor's advice for what is typed so far (an htmx partial). Writes nothing."""
    key_result_count = None
    if request.GET.get("objective"):  # an objective being edited: its key results count too
        key_result_count = _get_or_404(
            selectors.objective_get,
            membership=request.membership,
            objective_id=request.GET["objective"],
        ).key_result_count
    return render(
        request,
        "okrs/_live_advice.html",
        {"advice": _objective_form_advice(request.POST, key_result_count)},
    )


@membership_required
def objective_detail(request, objective_id):
    membership = request.membership
    page = _get_or_404(selectors.objective_page, membership=membership, objective_id=objective_id)
    objective = page.objective
    cycle = objective.cycle
    today = timezone.localdate()
    for kr in page.key_results:
        kr.chart = charts.key_result_chart(
            title=kr.title,
            cycle_start=cycle.start_date,
            cycle_end=cycle.end_date,
            start_value=kr.start_value,
            target_value=kr.target_value,
            unit=kr.unit,
            check_ins=list(kr.check_ins.all()),
            today=today,
            yes_no=kr.metric_kind == "boolean",
        )
        kr.can_check_in = not cycle.is_closed and rules.can_check_in(membership, kr)
    can_edit = not cycle.is_closed and rules.can_edit_objective(membership, objective)
    work_choices = []
    if any(kr.can_check_in for kr in page.key_results):
        work_choices = [
            (wp.pk, f"{wp.title} — {wp.team.name}")
            for wp in planning_selectors.work_package_list(membership=membership, open_only=True)
        ]
    return render(
        request,
        "okrs/objective_detail.html",
        {
            "page": page,
            "objective": objective,
            "cycle": cycle,
            "can_edit": can_edit,
            "can_add_team_objective": not cycle.is_closed
            and objective.is_organization_level
            and rules.can_add_objectives(membership),
            "work_choices": work_choices,
            "health_rule": rules.HEALTH_RULE,
        },
    )


# --- key results ---------------------------------------------------------------------------


def _key_result_form(request, key_result=None):
    initial = {"weight": 1, "direction": "increase", "metric_kind": "number"}
    if key_result is not None:
        initial = {f: getattr(key_result, f) for f in services.KEY_RESULT_FIELDS}
        for f in ("start_value", "target_value", "weight"):
            initial[f] = charts.number(initial[f]).replace(",", "")
    return KeyResultForm(
        bound_data(request),
        people=people_in_organization(
            organization=request.organization, keep=key_result.owner if key_result else None
        ),
        kpis=selectors.outcome_measure_choices(membership=request.membership),
        initial=initial,
    )


def _key_result_form_advice(data) -> list[str]:
    title = (data.get("title") or "").strip()
    if not title:
        return []
    return rules.key_result_advice(
        title=title, metric_kind=data.get("metric_kind") or "", has_owner=bool(data.get("owner"))
    )


@membership_required
def key_result_create(request, objective_id):
    membership = request.membership
    objective = _get_or_404(
        selectors.objective_get, membership=membership, objective_id=objective_id
    )
    _require(
        rules.can_edit_objective(membership, objective),
        "Only whoever writes the objective sets its key results.",
    )
    _require_open(objective.cycle)
    form = _key_result_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            key_result = services.key_result_create(
                actor=membership, objective=objective, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, "Key result added.")
            return redirect(
                reverse("okrs:objective_detail", args=[objective.pk]) + f"#kr-{key_result.pk}"
            )
    return render(
        request,
        "okrs/key_result_form.html",
        {
            "form": form,
            "objective": objective,
            "advice": _key_result_form_advice(_form_data(form)),
        },
    )


@membership_required
def key_result_edit(request, key_result_id):
    membership = request.membership
    key_result = _get_or_404(
        selectors.key_result_get, membership=membership, key_result_id=key_result_id
    )
    objective = key_result.objective
    _require(
        rules.can_edit_objective(membership, objective),
        "Only whoever writes the objective sets its key results.",
    )
    _require_open(objective.cycle)
    form = _key_result_form(request, key_result)
    if request.method == "POST" and form.is_valid():
        try:
            services.key_result_update(actor=membership, key_result=key_result, **form.cleaned_data)
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, "Key result saved.")
            return redirect(
                reverse("okrs:objective_detail", args=[objective.pk]) + f"#kr-{key_result.pk}"
            )
    return render(
        request,
        "okrs/key_result_form.html",
        {
            "form": form,
            "objective": objective,
            "key_result": key_result,
            "advice": _key_result_form_advice(_form_data(form)),
        },
    )


@require_POST
@membership_required
def key_result_advice(request):
    """The editor's advice for the key result typed so far (an htmx partial). Writes nothing."""
    return render(
        request, "okrs/_live_advice.html", {"advice": _key_result_form_advice(request.POST)}
    )


# --- check-ins -----------------------------------------------------------------------------


@membership_required
def check_in(request, key_result_id):
    """The quick check-in: value, confidence, note. Made for a phone."""
    membership = request.membership
    key_result = _get_or_404(
        selectors.key_result_get, membership=membership, key_result_id=key_result_id
    )
    _require(
        rules.can_check_in(membership, key_result),
        "Only the key result's owner, or whoever writes its objective, checks in on it.",
    )
    default_next = reverse("okrs:objective_detail", args=[key_result.objective_id])
    form = CheckInForm(
        bound_data(request),
        key_result=key_result,
        initial={
            "value": charts.number(key_result.current_value).replace(",", ""),
            "confidence": key_result.confidence if key_result.confidence is not None else 5,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.check_in_create(actor=membership, key_result=key_result, **form.cleaned_data)
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            fresh = selectors.key_result_get(membership=membership, key_result_id=key_result.pk)
            messages.success(
                request,
                f"Checked in: “{fresh.title}” is at {round(fresh.progress * 100)} % "
                f"({charts.with_unit(fresh.current_value, fresh.unit)}).",
            )
            return redirect(_next_url(request, default_next + f"#kr-{key_result.pk}"))
    return render(
        request,
        "okrs/check_in.html",
        {
            "form": form,
            "kr": key_result,
            "next": _next_url(request, ""),
            "back": _next_url(request, default_next),
        },
    )


@membership_required
def my_check_ins(request):
    return render(
        request,
        "okrs/my_check_ins.html",
        {"mine": selectors.my_check_ins(membership=request.membership)},
    )


# --- contributions -------------------------------------------------------------------------


@require_POST
@membership_required
def contribution_add(request, key_result_id):
    membership = request.membership
    key_result = _get_or_404(
        selectors.key_result_get, membership=membership, key_result_id=key_result_id
    )
    _require(rules.can_check_in(membership, key_result), "You cannot link work to this key result.")
    form = ContributionForm(
        request.POST,
        work_packages=planning_selectors.work_package_list(membership=membership, open_only=True),
    )
    target = (
        reverse("okrs:objective_detail", args=[key_result.objective_id]) + f"#kr-{key_result.pk}"
    )
    if not form.is_valid():
        messages.error(request, "Choose an open work package of this organization.")
        return redirect(target)
    try:
        services.contribution_add(
            actor=membership, key_result=key_result, work_package=form.cleaned_data["work_package"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, f"“{form.cleaned_data['work_package'].title}” now feeds this key result."
        )
    return redirect(target)


@require_POST
@membership_required
def contribution_remove(request, key_result_id, work_package_id):
    membership = request.membership
    key_result = _get_or_404(
        selectors.key_result_get, membership=membership, key_result_id=key_result_id
    )
    work_package = _get_or_404(
        planning_selectors.work_package_get, membership=membership, work_package_id=work_package_id
    )
    _require(
        rules.can_check_in(membership, key_result), "You cannot unlink work from this key result."
    )
    try:
        services.contribution_remove(
            actor=membership, key_result=key_result, work_package=work_package
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"“{work_package.title}” no longer feeds this key result.")
    return redirect(
        reverse("okrs:objective_detail", args=[key_result.objective_id]) + f"#kr-{key_result.pk}"
    )


# --- KPIs ----------------------------------------------------------------------------------


def _kpi_form(request, measure=None):
    if measure is not None:
        initial = {f: getattr(measure, f) for f in services.OUTCOME_MEASURE_FIELDS}
        initial["target_value"] = charts.number(measure.target_value).replace(",", "")
    else:
        initial = {"strategic_objective": request.GET.get("strategic_objective")}
    return OutcomeMeasureForm(
        bound_data(request),
        strategic_objectives=planning_selectors.strategic_objective_choices(
            membership=request.membership,
            include_id=measure.strategic_objective_id if measure else None,
        ),
        initial=initial,
    )


@membership_required
def kpi_create(request):
    _require(rules.can_write_kpis(request.membership), "Only leaders define KPIs.")
    form = _kpi_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            measure = services.outcome_measure_create(actor=request.membership, **form.cleaned_data)
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, "KPI created. Record its values as they come in.")
            return redirect("okrs:kpi_detail", measure_id=measure.pk)
    return render(request, "okrs/kpi_form.html", {"form": form})


@membership_required
def kpi_edit(request, measure_id):
    measure = _get_or_404(
        selectors.outcome_measure_get, membership=request.membership, measure_id=measure_id
    )
    _require(rules.can_write_kpis(request.membership), "Only leaders define KPIs.")
    form = _kpi_form(request, measure)
    if request.method == "POST" and form.is_valid():
        try:
            services.outcome_measure_update(
                actor=request.membership, measure=measure, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(request, "KPI saved.")
            return redirect("okrs:kpi_detail", measure_id=measure.pk)
    return render(request, "okrs/kpi_form.html", {"form": form, "measure": measure})


def _kpi_page(request, measure, value_form, status=200):
    values = list(measure.values.all())
    return render(
        request,
        "okrs/kpi_detail.html",
        {
            "measure": measure,
            "values": values,
            "chart": charts.kpi_chart(
                title=measure.name,
                values=values,
                target_value=measure.target_value,
                unit=measure.unit,
                today=timezone.localdate(),
            ),
            "key_results": selectors.key_result_list(
                membership=request.membership, outcome_measure=measure
            ),
            "value_form": value_form,
            "can_write": rules.can_write_kpis(request.membership),
        },
        status=status,
    )


@membership_required
def kpi_detail(request, measure_id):
    measure = _get_or_404(
        selectors.outcome_measure_get, membership=request.membership, measure_id=measure_id
    )
    form = None
    if rules.can_write_kpis(request.membership):
        form = OutcomeValueForm(initial={"observed_on": timezone.localdate()})
    return _kpi_page(request, measure, form)


@require_POST
@membership_required
def kpi_record_value(request, measure_id):
    measure = _get_or_404(
        selectors.outcome_measure_get, membership=request.membership, measure_id=measure_id
    )
    _require(rules.can_write_kpis(request.membership), "Only leaders record KPI values.")
    form = OutcomeValueForm(request.POST)
    if form.is_valid():
        try:
            _, created = services.outcome_measure_record_value(
                actor=request.membership, measure=measure, source="page", **form.cleaned_data
            )
        except ValidationError as exc:
            apply_to_form(form, exc)
        else:
            messages.success(
                request, "Value recorded." if created else "Value for that day replaced."
            )
            return redirect("okrs:kpi_detail", measure_id=measure.pk)
    return _kpi_page(request, measure, form)


# --- dashboards: the strategy map and the OKR trends ----------------------------------------


def _dashboard_filters(request, *, action: str):
    """The GET filters of a dashboard page, and its filter form (``filter_form``: htmx swaps
    ``#dash-body``, which submits to ``action``). A bad id shows beside its field (a 400),
    never a 500."""
    membership = request.membership
    errors: dict = {}
    # The filter's cycles, which the current cycle is also chosen from (one query for both).
    cycles, teams = dashboards.filter_choices(membership=membership)
    try:
        filters = dashboards.dashboard_filters(
            membership=membership,
            cycle_id=request.GET.get("cycle", ""),
            team_id=request.GET.get("team", ""),
            cycles=cycles,
        )
    except ValidationError as exc:
        errors = {name: msgs[0] for name, msgs in exc.message_dict.items()}
        filters = dashboards.Filters(
            cycle=dashboards.current_cycle_of(cycles, timezone.localdate()), team=None
        )
    return filters, {
        "filters": filters,
        "filter_errors": errors,
        "filter_form": charts.dashboard_filters_html(
            action=action,
            target="#dash-body",
            cycles=cycles,
            teams=teams,
            filters=filters,
            errors=errors,
        ),
        "health_rule": rules.HEALTH_RULE,
    }


@membership_required
def strategy_map(request):
    """The map's top level: each strategic objective with its rolled-up figures.
    ``?strategic_objective=<id, or "none">`` expands one branch: htmx asks for it when the
    branch is opened and gets the branch alone; otherwise the whole page shows it open. A
    branch that is not on the map is a 404."""
    branch = request.GET.get("strategic_objective", "")
    if branch and request.htmx:
        response = _strategy_branch(request, branch)
    else:
        filters, context = _dashboard_filters(request, action=reverse("okrs:strategy_map"))
        try:
            context["map"] = dashboards.strategy_map(
                membership=request.membership,
                cycle=filters.cycle,
                team=filters.team,
                expand=branch or None,
            )
        except ValidationError as exc:
            raise Http404("No such branch") from exc
        response = render(
            request,
            "okrs/dash_strategy_map.html",
            context,
            status=400 if context["filter_errors"] else 200,
        )
    patch_vary_headers(response, ["HX-Request"])
    return response


def _strategy_branch(request, branch: str):
    try:
        filters = dashboards.dashboard_filters(
            membership=request.membership,
            cycle_id=request.GET.get("cycle", ""),
            team_id=request.GET.get("team", ""),
        )
        result = dashboards.strategy_branch(
            membership=request.membership,
            cycle=filters.cycle,
            team=filters.team,
            strategic_objective=branch,
        )
    except ValidationError as exc:
        raise Http404("No such branch") from exc
    return render(
        request,
        "okrs/dash_strategy_branch.html",
        {"map": result, "s": result.strategy, "health_rule": rules.HEALTH_RULE},
    )


@membership_required
def strategy_map_initiative(request, initiative_id):
    """One initiative's work packages, loaded when its branch of the map is opened (htmx)."""
    membership = request.membership
    team = None
    if request.GET.get("team"):
        try:
            team = dashboards.dashboard_filters(
                membership=membership, team_id=request.GET["team"]
            ).team
        except ValidationError as exc:
            raise Http404("No such team") from exc
    work = _get_or_404(
        dashboards.initiative_work, membership=membership, initiative_id=initiative_id, team=team
    )
    return render(request, "okrs/dash_initiative_work.html", {"work": work, "team": team})


@membership_required
def okr_trends(request):
    filters, context = _dashboard_filters(request, action=reverse("okrs:okr_trends"))
    trends = dashboards.okr_trends(
        membership=request.membership, cycle=filters.cycle, team=filters.team
    )
    today = dashboards.org_today(request.membership, timezone.now())
    objective_url = id_url("okrs:objective_detail")
    context["trends"] = trends
    # Rows and cards written in Python (okrs/charts.py): dozens of them, where a template
    # spends a node render on every attribute, a {% url %} and an include on every row.
    context["stale"] = mark_safe(  # noqa: S308 - joined SafeStrings
        "".join(
            charts.stale_key_result_row_html(kr, objective_url=objective_url(kr.objective_id))
            for kr in trends.stale
        )
    )
    cycle = trends.cycle
    context["cards"] = (
        charts.trend_cards_html(
            trends.objectives,
            cycle_start=cycle.start_date,
            cycle_end=cycle.end_date,
            today=today,
            objective_url=objective_url,
        )
        if cycle is not None
        else ""
    )
    return render(
        request,
        "okrs/dash_okr_trends.html",
        context,
        status=400 if context["filter_errors"] else 200,
    )


# --- audit history (core/audit.py) --------------------------------------------------------


@membership_required
def objective_history(request, objective_id):
    return audit.history_view(
        request,
        model=Objective,
        pk=objective_id,
        title_field="statement",
        kind="Objective",
        object_url=reverse("okrs:objective_detail", args=[objective_id]),
    )


@membership_required
def key_result_history(request, key_result_id):
    """A key result's history, its check-ins' included."""
    objective_id = (
        KeyResult.objects.filter(
            organization_id=request.membership.organization_id, pk=key_result_id
        )
        .values_list("objective_id", flat=True)
        .first()
    )
    object_url = (
        reverse("okrs:objective_detail", args=[objective_id]) + f"#kr-{key_result_id}"
        if objective_id
        else ""
    )
    return audit.history_view(
        request,
        model=KeyResult,
        pk=key_result_id,
        title_field="title",
        kind="Key result",
        object_url=object_url,
        children=[(CheckIn, "key_result", "Check-in")],
    )
