"""Reads of strategy and work, always scoped to the caller's organization.

Counts and progress come from grouped aggregates in the database, never from loops over rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Case, Count, F, IntegerField, Prefetch, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.models import Membership, Team
from planning.models import WORK_STATUS_ORDER, Initiative, StrategicObjective, WorkPackage

Status = WorkPackage.Status
OPEN_STATUSES = (Status.INTENTION, Status.READY, Status.IN_PROGRESS)
STRATEGY_STATUS_ORDER = ("active", "draft", "achieved", "retired")


def status_sql(statuses, *, of=Status) -> str:
    """Statuses (of work packages, or of the choices ``of``) as a SQL list,
    ``('ready', 'in_progress')``, for raw statements: each is checked to be one of ``of``, so
    only our own values reach the text."""
    return "(" + ", ".join(f"'{of(s).value}'" for s in statuses) + ")"


def _rank(order: tuple[str, ...]) -> Case:
    return Case(
        *(When(status=s, then=Value(i)) for i, s in enumerate(order)), output_field=IntegerField()
    )


def work_status_rank() -> Case:
    """Work in flight first, then ready, intentions, and the closed ones last (the expression
    of the index planning_wp_list_order_idx: change both together)."""
    return _rank(WORK_STATUS_ORDER)


def _work_counts(prefix: str = "") -> dict:
    """Counts of work packages by status, as annotations over the relation at ``prefix``."""
    p = f"{prefix}work_packages"
    return {
        "wp_total": Count(p, distinct=True),
        "wp_done": Count(p, filter=Q(**{f"{p}__status": Status.DONE}), distinct=True),
        "wp_in_progress": Count(p, filter=Q(**{f"{p}__status": Status.IN_PROGRESS}), distinct=True),
        "wp_ready": Count(p, filter=Q(**{f"{p}__status": Status.READY}), distinct=True),
        "wp_intention": Count(p, filter=Q(**{f"{p}__status": Status.INTENTION}), distinct=True),
        "wp_stopped": Count(p, filter=Q(**{f"{p}__status": Status.STOPPED}), distinct=True),
    }


def work_progress(row) -> float | None:
    """Share of the work that is done, stopped work left out; None when there is none."""
    counted = row.wp_total - row.wp_stopped
    return row.wp_done / counted if counted else None


def team_choices(*, membership: Membership) -> list[dict[str, Any]]:
    """The organization's active teams as ``{"id", "name"}`` rows, by name: the options of the
    team filters (plain rows: a filter of 200 teams needs no model instances)."""
    rows = (
        Team.objects.filter(organization_id=membership.organization_id, archived_at__isnull=True)
        .order_by("name")
        .values("id", "name")
    )
    return [dict(row) for row in rows]


# --- strategic objectives ------------------------------------------------------------------


def strategic_objective_list(*, membership: Membership, status: str | None = None) -> QuerySet:
    objectives = (
        StrategicObjective.objects.filter(organization_id=membership.organization_id)
        .select_related("owner")
        .annotate(
            initiative_count=Count("initiatives", distinct=True),
            **_work_counts("initiatives__"),
        )
    )
    if status:
        objectives = objectives.filter(status=status)
    # Active first, then drafts, then the achieved and retired ones.
    return objectives.order_by(_rank(STRATEGY_STATUS_ORDER), "priority", "statement")


def strategic_objective_get(*, membership: Membership, objective_id) -> StrategicObjective:
    """One objective with its initiatives (each with work counts); another org's is DoesNotExist."""
    initiatives = (
        Initiative.objects.select_related("owner")
        .prefetch_related("teams")
        .annotate(**_work_counts())
        .order_by("start_date", "title")
    )
    return (
        StrategicObjective.objects.select_related("owner")
        .prefetch_related(Prefetch("initiatives", queryset=initiatives))
        .get(organization_id=membership.organization_id, pk=objective_id)
    )


def strategic_objective_choices(*, membership: Membership, include_id=None) -> QuerySet:
    """Draft and active objectives, plus ``include_id`` (an edited row's current one, maybe closed)."""
    wanted = Q(status__in=[StrategicObjective.Status.DRAFT, StrategicObjective.Status.ACTIVE])
    if include_id is not None:
        wanted |= Q(pk=include_id)
    return StrategicObjective.objects.filter(
        wanted, organization_id=membership.organization_id
    ).order_by("priority", "statement")


# --- initiatives ---------------------------------------------------------------------------


def initiative_get(*, membership: Membership, initiative_id) -> Initiative:
    return (
        Initiative.objects.select_related("strategic_objective", "owner")
        .prefetch_related("teams")
        .annotate(**_work_counts())
        .get(organization_id=membership.organization_id, pk=initiative_id)
    )


def initiative_choices(*, membership: Membership, include_id=None) -> QuerySet:
    """Planned and active initiatives, plus ``include_id`` (an edited row's current one, maybe closed)."""
    wanted = Q(status__in=[Initiative.Status.PLANNED, Initiative.Status.ACTIVE])
    if include_id is not None:
        wanted |= Q(pk=include_id)
    return (
        Initiative.objects.filter(wanted, organization_id=membership.organization_id)
        .select_related("strategic_objective")
        .order_by("strategic_objective__priority", "title")
    )


# --- work packages -------------------------------------------------------------------------


def work_package_list(
    *,
    membership: Membership,
    team=None,
    status: str | None = None,
    owner=None,
    initiative=None,
    linked: bool | None = None,
    open_only: bool = False,
) -> QuerySet[WorkPackage]:
    packages = WorkPackage.objects.filter(
        organization_id=membership.organization_id
    ).select_related("team", "owner", "initiative", "initiative__strategic_objective")
    if team is not None:
        packages = packages.filter(team=team)
    if status:
        packages = packages.filter(status=status)
        if status in WORK_STATUS_ORDER:
            # The rank too, so that a page of one status is a range of the list's order index.
            packages = packages.alias(status_rank=work_status_rank()).filter(
                status_rank=WORK_STATUS_ORDER.index(status)
            )
    if owner is not None:
        packages = packages.filter(owner=owner)
    if initiative is not None:
        packages = packages.filter(initiative=initiative)
    if linked is not None:
        packages = packages.filter(initiative__isnull=not linked)
    if open_only:
        packages = packages.filter(status__in=OPEN_STATUSES)
    # The order of the index planning_wp_list_order_idx: a page is an index range, not a sort
    # of the organization's work; the id makes the order total, so pages never overlap.
    return packages.order_by(work_status_rank(), F("due_date").asc(nulls_last=True), "title", "id")


def work_package_get(*, membership: Membership, work_package_id) -> WorkPackage:
    return WorkPackage.objects.select_related(
        "team", "owner", "initiative", "initiative__strategic_objective"
    ).get(organization_id=membership.organization_id, pk=work_package_id)


@dataclass(frozen=True)
class MyWork:
    open: list[WorkPackage]
    due_soon: list[WorkPackage]
    overdue: list[WorkPackage]
    checks_due: list[WorkPackage]
    recently_closed: list[WorkPackage]


# What the "My work" page shows of each work package (planning.markup.my_work_rows_html).
MY_WORK_FIELDS = (
    "id",
    "title",
    "status",
    "due_date",
    "success_criterion",
    "success_review_date",
    "decision",
    "finished_at",
    "team__name",
    "initiative__title",
)


def my_work(*, membership: Membership, today: date | None = None, horizon_days: int = 7) -> MyWork:
    """The signed-in person's work: what is open, due soon, overdue, and success checks due."""
    today = today or timezone.localdate()
    soon = today + timedelta(days=horizon_days)
    mine = list(
        WorkPackage.objects.filter(
            organization_id=membership.organization_id, owner=membership.user
        )
        .filter(
            Q(status__in=OPEN_STATUSES) | Q(finished_at__gte=timezone.now() - timedelta(days=14))
        )
        .select_related("team", "initiative")
        .only(*MY_WORK_FIELDS)
        .order_by(work_status_rank(), F("due_date").asc(nulls_last=True), "title", "id")
    )
    open_ = [wp for wp in mine if wp.status in OPEN_STATUSES]
    open_.sort(key=lambda wp: (wp.due_date is None, wp.due_date or today, wp.title))
    return MyWork(
        open=open_,
        due_soon=[wp for wp in open_ if wp.due_date and today <= wp.due_date <= soon],
        overdue=[wp for wp in open_ if wp.due_date and wp.due_date < today],
        checks_due=[
            wp
            for wp in mine
            if wp.success_review_date
            and wp.success_review_date <= soon
            and not wp.decision
            and wp.status != Status.STOPPED
        ],
        recently_closed=[wp for wp in mine if wp.status not in OPEN_STATUSES],
    )


def work_summary(*, membership: Membership) -> dict:
    """Organization-wide counts for the strategy pages: linked vs unlinked open work."""
    return WorkPackage.objects.filter(
        organization_id=membership.organization_id, status__in=OPEN_STATUSES
    ).aggregate(
        open_total=Count("id"),
        unlinked=Count("id", filter=Q(initiative__isnull=True)),
        intentions=Count("id", filter=Q(status=Status.INTENTION)),
        points_total=Coalesce(Sum("estimate"), 0),
        points_unlinked=Coalesce(Sum("estimate", filter=Q(initiative__isnull=True)), 0),
    )


# --- for the API (plain rows: the list endpoints order and page them by cursor) -------------


def strategic_objective_api_list(*, membership: Membership) -> QuerySet[StrategicObjective]:
    return StrategicObjective.objects.filter(organization_id=membership.organization_id)


def initiative_api_list(*, membership: Membership) -> QuerySet[Initiative]:
    return Initiative.objects.filter(organization_id=membership.organization_id).prefetch_related(
        Prefetch("teams", queryset=Team.objects.only("id"))
    )


def work_package_api_list(*, membership: Membership) -> QuerySet[WorkPackage]:
    return WorkPackage.objects.filter(organization_id=membership.organization_id)
