"""This week's attention list: what a leader (or a team lead, for one team) should look at on
Monday, before the strategy map or the team's board.

It judges "at risk", "stale", "overdue", "check due" and "intention too old" as the next review's
agenda does: the key results through the agenda's own builder (reviews.selectors), the three
work sections with the builders' filters, order and cap in one statement (``work_sections``),
held equal to the builders by reviews/tests/test_dashboards.py; the page and
``/api/v1/dashboards/attention/`` both call ``attention``. A fixed number of queries, whatever
the size of the organization.

The team lead's landing reads plain rows in raw statements where the ORM cost more to build
the query than PostgreSQL took to run it (the team's teams and counts, its scoring model and
current sprint, the coming reviews); reviews/tests/test_dashboards.py holds each equal to the
selector it stands for.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection
from django.urls import reverse
from django.utils import timezone

from core.models import Membership, Team
from okrs import rules as okr_rules
from planning.models import WorkPackage
from planning.selectors import OPEN_STATUSES, status_sql
from reviews import rules, selectors
from reviews.models import Cadence, ReviewSession

SECTION_KEYS = ("key_results", "overdue", "checks_due", "intentions")
UPCOMING_WITHIN = timedelta(days=7)
Status = WorkPackage.Status


@dataclass
class UpcomingReview:
    id: str
    title: str
    kind: str
    kind_label: str
    team: str
    scheduled_at: datetime
    url: str
    is_mine: bool


@dataclass
class Attention:
    team: Team | None
    as_of: date
    sections: list[selectors.AgendaSection]
    upcoming: list[UpcomingReview] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Items needing a look, over every section (upcoming reviews are not counted)."""
        return sum(s.total for s in self.sections)

    def section(self, key: str) -> selectors.AgendaSection | None:
        return next((s for s in self.sections if s.key == key), None)


def attention(
    *, membership: Membership, team: Team | None = None, now: datetime | None = None
) -> Attention:
    """Key results at risk or stale, overdue work, success checks past their date without a
    decision, intentions older than a week, and the reviews of the coming week. Three queries:
    the key results (the agenda's own builder), the three work sections in one statement, and
    the coming reviews."""
    now = now or timezone.now()
    today = now.astimezone(zoneinfo.ZoneInfo(membership.organization.timezone)).date()
    # An unsaved cadence and session frame the agenda builders: a team's list, or everyone's.
    cadence = Cadence(
        organization=membership.organization,
        team=team,
        name="This week",
        kind=Cadence.Kind.WEEKLY_DELIVERY,
    )
    ctx = selectors.AgendaContext(
        membership=membership,
        session=ReviewSession(
            organization=membership.organization, cadence=cadence, scheduled_at=now
        ),
        cadence=cadence,
        as_of=today,
        now=now,
        today=today,
        previous=None,
    )
    built = {"key_results": selectors._builders()["key_results"](ctx), **work_sections(ctx)}
    sections = [s for key in SECTION_KEYS if (s := built.get(key)) is not None]
    upcoming = upcoming_reviews(
        membership=membership, now=now, until=now + UPCOMING_WITHIN, team=team
    )
    return Attention(team=team, as_of=today, sections=sections, upcoming=upcoming)


# --- the work sections, in one statement -----------------------------------------------------
#
# The agenda's builders (reviews.selectors: _section_overdue, _section_checks_due,
# _section_intentions) read each section with one ORM query; building those three querysets
# cost more than running them. Here the same three statements (each: its filter, the first
# AGENDA_ROWS rows chosen on the work package table alone and joined afterwards, the full count
# as an uncorrelated subquery over the filter's partial index) are one UNION ALL, and the items
# are made from plain rows. reviews/tests/test_dashboards.py holds the sections equal to the
# builders'.

_WORK_BRANCH_SQL = """
SELECT {section} AS section, wp.id, wp.title, wp.status, wp.due_date, wp.success_criterion,
    wp.success_review_date, wp.created_at, wp.owner_id, u.full_name, u.email, t.name,
    (SELECT COUNT(*) FROM planning_workpackage w WHERE {where}) AS total,
    ROW_NUMBER() OVER (ORDER BY {order}) AS n
FROM planning_workpackage wp
JOIN core_team t ON t.id = wp.team_id
LEFT JOIN core_user u ON u.id = wp.owner_id
WHERE wp.id IN (
    SELECT w.id FROM planning_workpackage w WHERE {where}
    ORDER BY {w_order} LIMIT %(rows)s
)
"""


# Each section: its filter (over alias ``w``) and its order (the builder's ``order_by``).
_WORK_SECTIONS = (
    (
        "overdue",
        f"w.due_date < %(as_of)s AND w.status IN {status_sql(selectors.COMMITTED_WORK)}",
        "{t}.due_date ASC, {t}.title ASC",
    ),
    (
        "checks_due",
        f"w.decision = '' AND w.status IN {status_sql((*selectors.COMMITTED_WORK, Status.DONE))}"
        " AND w.success_review_date <= %(as_of)s",
        "{t}.success_review_date ASC, {t}.title ASC",
    ),
    (
        "intentions",
        f"w.created_at < %(cutoff)s AND w.status = '{Status.INTENTION.value}'",
        "{t}.created_at ASC",
    ),
)


def _work_sections_sql(*, for_team: bool) -> str:
    scope = "w.organization_id = %(org)s" + (" AND w.team_id = %(team)s" if for_team else "")
    branches = []
    for ordinal, (_, where, order) in enumerate(_WORK_SECTIONS):
        branches.append(
            _WORK_BRANCH_SQL.format(
                section=ordinal,
                where=f"{scope} AND {where}",
                order=order.format(t="wp"),
                w_order=order.format(t="w"),
            )
        )
    union = " UNION ALL ".join(f"({b})" for b in branches)
    return f"SELECT * FROM ({union}) s ORDER BY section, n"  # noqa: S608 - constant fragments


_WORK_SECTIONS_SQL = {for_team: _work_sections_sql(for_team=for_team) for for_team in (False, True)}


def _url_maker(name: str):
    """A function of a primary key giving ``name``'s URL: reversed once, not once per row."""
    placeholder = "00000000-0000-0000-0000-000000000000"
    head, tail = reverse(name, args=[placeholder]).split(placeholder)
    return lambda pk: f"{head}{pk}{tail}"


def work_sections(ctx: selectors.AgendaContext) -> dict[str, selectors.AgendaSection]:
    """The overdue, checks due and old intentions sections of an agenda, as the agenda's
    builders make them, from one statement."""
    team_id = ctx.cadence.team_id
    params: dict[str, Any] = {
        "org": ctx.membership.organization_id,
        "team": team_id,
        "as_of": ctx.as_of,
        "cutoff": ctx.now - rules.INTENTION_STALE_AFTER,
        "rows": rules.AGENDA_ROWS,
    }
    with connection.cursor() as cursor:
        cursor.execute(_WORK_SECTIONS_SQL[team_id is not None], params)
        rows = cursor.fetchall()
    detail_url = _url_maker("planning:work_detail")
    labels = dict(Status.choices)
    not_decidable = (Status.INTENTION, Status.STOPPED)
    items: list[list[selectors.AgendaItem]] = [[], [], []]
    totals = [0, 0, 0]
    for row in rows:
        (section, pk, title, status, due, criterion, review, created, owner_id) = row[:9]
        full_name, email, team_name, total = row[9:13]
        totals[section] = total
        if section == 0:
            when = due
            note = f"{(ctx.as_of - due).days} days late · {labels.get(status, status).lower()}"
            tone, flag = "bad", "Overdue"
        elif section == 1:
            when, note, tone, flag = review, criterion, "warn", "Check due"
        else:
            when = timezone.localtime(created).date()
            missing = WorkPackage(
                owner_id=owner_id,
                due_date=due,
                success_criterion=criterion,
                success_review_date=review,
            ).missing_for_readiness
            note = (
                "Missing: " + ", ".join(m.lower() for m in missing)
                if missing
                else "Complete: mark it ready"
            )
            tone, flag = "warn", f"{(ctx.now - created).days} days old"
        items[section].append(
            selectors.AgendaItem(
                kind="work_package",
                id=str(pk),
                title=title,
                url=detail_url(pk),
                owner=(full_name or email or "") if owner_id is not None else "",
                team=team_name,
                when=when.isoformat() if when else "",
                note=note,
                tone=tone,
                flag=flag,
                decidable=status not in not_decidable,
            )
        )
    return {
        "overdue": selectors.AgendaSection(
            "overdue",
            "Overdue work",
            "Ready or in progress, and past its due date on the day of the review.",
            items[0],
            totals[0],
            "Nothing is overdue.",
        ),
        "checks_due": selectors.AgendaSection(
            "checks_due",
            "Success checks due",
            "Work whose success check has come: continue, revise or stop it, with the reason.",
            items[1],
            totals[1],
            "No success check is due.",
        ),
        "intentions": selectors.AgendaSection(
            "intentions",
            "Intentions older than a week",
            "Work with no owner, due date or success check is not a tactic yet: complete it or "
            "drop it.",
            items[2],
            totals[2],
            "No intention has been waiting for more than a week.",
        ),
    }


# --- the coming reviews ------------------------------------------------------------------------

_UPCOMING_SQL = """
SELECT s.id, c.name, c.kind, t.name, s.scheduled_at,
    EXISTS(
        SELECT 1 FROM reviews_cadence_participants p
        WHERE p.cadence_id = s.cadence_id AND p.membership_id = %(me)s
    ) AS is_mine
FROM reviews_reviewsession s
JOIN reviews_cadence c ON c.id = s.cadence_id
LEFT JOIN core_team t ON t.id = c.team_id
WHERE s.organization_id = %(org)s AND c.archived_at IS NULL AND s.status = %(scheduled)s
    AND s.scheduled_at >= %(since)s AND s.scheduled_at <= %(until)s {team}
ORDER BY s.scheduled_at ASC
LIMIT 50
"""


def upcoming_reviews(
    *, membership: Membership, now: datetime, until: datetime, team: Team | None = None
) -> list[UpcomingReview]:
    """``reviews.selectors.upcoming_sessions`` (sessions still to be held, scheduled no later
    than ``until``, of ``team`` and the organization-wide ones), read as plain rows: what the
    list shows, without the sessions' cadences, organizations and counts as model objects."""
    params: dict[str, Any] = {
        "me": membership.pk,
        "org": membership.organization_id,
        "scheduled": ReviewSession.Status.SCHEDULED,
        "since": now - timedelta(days=1),
        "until": until,
    }
    team_clause = ""
    if team is not None:
        params["team"] = team.pk
        team_clause = "AND (c.team_id = %(team)s OR c.team_id IS NULL)"
    with connection.cursor() as cursor:
        cursor.execute(_UPCOMING_SQL.format(team=team_clause), params)
        rows = cursor.fetchall()
    session_url = _url_maker("reviews:session_detail")
    kinds = dict(Cadence.Kind.choices)
    return [
        UpcomingReview(
            id=str(pk),
            title=name,
            kind=kind,
            kind_label=kinds.get(kind, kind),
            team=team_name or "",
            scheduled_at=scheduled_at,
            url=session_url(pk),
            is_mine=is_mine,
        )
        for pk, name, kind, team_name, scheduled_at, is_mine in rows
    ]


# --- a team lead's landing page --------------------------------------------------------------


@dataclass
class TeamWork:
    """Activity counts of the team's work (not outcome)."""

    open: int
    in_progress: int
    ready: int
    intentions: int
    overdue: int
    unlinked: int
    done_last_14_days: int


@dataclass
class TeamLanding:
    team: Team
    work: TeamWork
    backlog_top: list[dict[str, Any]]  # backlog.selectors.backlog_top rows (id, title, status,
    # status_label, initiative_id), in ranked_backlog's order, top first
    sprint: Any  # backlog Sprint or None
    key_results: list[Any]  # okrs.selectors.OwnedKeyResult rows the person owns in active
    # cycles, each with ``is_stale``
    attention: Attention


BACKLOG_TOP = 5

_OPEN = status_sql(OPEN_STATUSES)
# TeamWork's counts, in its field order: one pass over the team's work packages.
_TEAM_WORK_SQL = f"""
SELECT
    COUNT(id) FILTER (WHERE status IN {_OPEN}),
    COUNT(id) FILTER (WHERE status = '{Status.IN_PROGRESS.value}'),
    COUNT(id) FILTER (WHERE status = '{Status.READY.value}'),
    COUNT(id) FILTER (WHERE status = '{Status.INTENTION.value}'),
    COUNT(id) FILTER (WHERE due_date < %(today)s AND status IN {status_sql(selectors.COMMITTED_WORK)}),
    COUNT(id) FILTER (WHERE initiative_id IS NULL AND status IN {_OPEN}),
    COUNT(id) FILTER (WHERE finished_at >= %(done_since)s AND status = '{Status.DONE.value}')
FROM planning_workpackage
WHERE organization_id = %(org)s AND team_id = %(team)s
"""  # noqa: S608 - constant SQL fragments; values are parameters


_WHEN = (
    "CASE WHEN end_date >= %(today)s AND start_date <= %(today)s THEN 0"
    " WHEN start_date > %(today)s THEN 1 ELSE 2 END"
)
_CURRENT_SPRINT_SQL = f"""
SELECT {{columns}}
FROM backlog_sprint r
WHERE organization_id = %(org)s AND status = %(open)s AND team_id = %(team)s
ORDER BY {_WHEN} ASC, CASE WHEN {_WHEN} < 2 THEN start_date END ASC NULLS LAST, end_date DESC
LIMIT 1
"""  # noqa: S608 - constant SQL fragments; values are parameters


def current_sprint(*, membership: Membership, team: Team, today: date) -> Any:
    """``backlog.selectors.current_sprint`` (the team's open sprint running today, else its
    next open one, else its last open one) in one raw statement: the same order, without
    building its ``Case`` expressions through the ORM (reviews/tests/test_dashboards.py holds
    the two equal)."""
    from backlog.models import Sprint

    columns, names = _row_of(Sprint)
    with connection.cursor() as cursor:
        cursor.execute(
            _CURRENT_SPRINT_SQL.format(columns=columns),
            {
                "org": membership.organization_id,
                "team": team.pk,
                "open": Sprint.Status.OPEN,
                "today": today,
            },
        )
        row = cursor.fetchone()
    return None if row is None else Sprint.from_db(connection.alias, names, row)


def _row_of(model) -> tuple[str, tuple[str, ...]]:
    """A model's columns as a SELECT list over alias ``r``, and their attribute names (for
    ``Model.from_db``): a whole row read without building a queryset."""
    fields = model._meta.concrete_fields
    return ", ".join(f'r."{f.column}"' for f in fields), tuple(f.attname for f in fields)


def landing_teams(*, membership: Membership) -> list[Team]:
    """The team lead's own active teams, by name (``core.selectors.team_list``'s order), in
    one query."""
    columns, names = _row_of(Team)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM core_team r"  # noqa: S608 - the model's own columns
            " JOIN core_membership_teams mt ON mt.team_id = r.id"
            " WHERE mt.membership_id = %s AND r.organization_id = %s AND r.archived_at IS NULL"
            " ORDER BY r.name",
            [membership.pk, membership.organization_id],
        )
        rows = cursor.fetchall()
    return [Team.from_db(connection.alias, names, row) for row in rows]


def scoring_model(*, membership: Membership, team: Team) -> Any:
    """``backlog.selectors.scoring_model_for_team`` (the team's scoring model, or the unsaved
    default one) read as one row, without building a queryset."""
    from backlog.models import ScoringModel

    columns, names = _row_of(ScoringModel)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM backlog_scoringmodel r"  # noqa: S608 - the model's columns
            " WHERE r.organization_id = %s AND r.team_id = %s ORDER BY r.id LIMIT 1",
            [membership.organization_id, team.pk],
        )
        row = cursor.fetchone()
    if row is None:
        return ScoringModel(organization_id=membership.organization_id, team=team)
    return ScoringModel.from_db(connection.alias, names, row)


def team_landing(*, membership: Membership, team: Team, now: datetime | None = None) -> TeamLanding:
    """What a team lead opens on Monday: the team's work, the top of its backlog, its sprint,
    the key results they own, and the team's attention list. A fixed number of queries."""
    from backlog import selectors as backlog_selectors
    from okrs import selectors as okr_selectors
    from okrs.models import Cycle

    now = now or timezone.now()
    attention_list = attention(membership=membership, team=team, now=now)
    today = attention_list.as_of
    with connection.cursor() as cursor:
        cursor.execute(
            _TEAM_WORK_SQL,
            {
                "org": membership.organization_id,
                "team": team.pk,
                "today": today,
                "done_since": now - timedelta(days=14),
            },
        )
        work = TeamWork(*cursor.fetchone())
    model = scoring_model(membership=membership, team=team)
    backlog_top = backlog_selectors.backlog_top(
        membership=membership, team=team, model=model, limit=BACKLOG_TOP
    )
    sprint = current_sprint(membership=membership, team=team, today=today)
    key_results: list[Any] = okr_selectors.owned_key_results(
        membership=membership, owner=membership.user, cycle_status=Cycle.Status.ACTIVE
    )
    for kr in key_results:
        kr.is_stale = okr_rules.is_stale(
            last_check_in_at=kr.last_check_in_at, created_at=kr.created_at, now=now
        )
    return TeamLanding(
        team=team,
        work=work,
        backlog_top=backlog_top,
        sprint=sprint,
        key_results=key_results,
        attention=attention_list,
    )
