"""Per-agent and per-team reports: the metrics page's numbers, grouped by who holds the ticket.

The same per-ticket rows as the metrics page (``metrics.per_ticket_sql``: the period is the
tickets whose first message falls in it, with the same filters, durations, CSAT and draft
counts), aggregated by ``metrics``' own aggregates grouped twice in one pass: per assignee and
per team (``aggregate_rows_and_series``' grouping sets). So a number here is computed exactly as
the number on the metrics page, and the whole report is one statement (plus the facts watermark
read) however many agents and teams there are.

"Handled by" is the ticket's assignee now (who owns the outcome); tickets nobody holds (the AI's,
or still queued) form the "Unassigned / AI" row, so the rows add up to the metrics page's volume.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser

from analytics.queries import metrics
from analytics.queries.filters import MetricFilters
from analytics.queries.report import MetricContext, _rows_sql
from helpdesk.errors import NotAllowed
from routing.models import Team
from tickets.permissions import holds_role
from tickets.queries import ROLE_MANAGER

# The ticket's current assignee, looked up by primary key for each row of the period.
_ASSIGNEE_BUCKET = "(SELECT a.assignee_id FROM tickets_ticket a WHERE a.id = t.ticket_id)"
_TEAM_BUCKET = "t.team_id"

# The measures the report shows, by the metrics page's keys (the same definitions).
MEASURES = ("volume", "first_response_time", "resolution_time", "csat", "ai_draft_acceptance_rate")


@dataclass(frozen=True)
class ReportRow:
    kind: str  # "agent" or "team"
    key: int | None
    name: str
    values: dict[str, Any]  # ``metrics.shape`` of the row's tickets


def check_may_see_agent_reports(user: AbstractBaseUser | None) -> None:
    """Managers (and admins) only: the numbers rank people."""
    if not holds_role(user, ROLE_MANAGER):
        raise NotAllowed("Only managers and admins see the per-agent reports.")


def agent_report(
    user: AbstractBaseUser, filters: MetricFilters, context: MetricContext | None = None
) -> dict[str, list[ReportRow]]:
    """{"agents": [...], "teams": [...]} for the period of ``filters``; busiest first."""
    check_may_see_agent_reports(user)
    context = context or MetricContext.load()
    sql, params = _rows_sql(
        filters, context, start=filters.start_at, bucket=_ASSIGNEE_BUCKET, series_bucket=_TEAM_BUCKET
    )
    by_agent, by_team = metrics.aggregate_rows_and_series(sql, params)
    agent_ids = [row["bucket"] for row in by_agent if row["bucket"] is not None]
    team_ids = [row["bucket"] for row in by_team]
    people = {
        u.pk: u.get_full_name() or u.get_username() for u in get_user_model().objects.filter(pk__in=agent_ids)
    }
    teams = dict(Team.objects.filter(pk__in=team_ids).values_list("pk", "name"))
    agents = [
        ReportRow(
            "agent",
            row["bucket"],
            people.get(row["bucket"], "Unassigned / AI") if row["bucket"] is not None else "Unassigned / AI",
            metrics.shape(row),
        )
        for row in by_agent
    ]
    team_rows = [
        ReportRow(
            "team", row["bucket"], teams.get(row["bucket"], f"Team {row['bucket']}"), metrics.shape(row)
        )
        for row in by_team
    ]

    def order(row: ReportRow):
        return (row.key is None, -row.values["volume"], row.name)

    return {"agents": sorted(agents, key=order), "teams": sorted(team_rows, key=order)}


CSV_HEADER = (
    "scope",
    "name",
    "volume",
    "first_response_median_s",
    "first_response_p90_s",
    "first_response_business_median_s",
    "tickets_without_reply",
    "resolution_median_s",
    "resolution_p90_s",
    "resolution_business_median_s",
    "csat_average",
    "csat_satisfied_share",
    "csat_responses",
    "draft_acceptance_rate",
    "drafts_accepted",
    "drafts_used_or_discarded",
)


def csv_rows(report: dict[str, list[ReportRow]]) -> list[list[Any]]:
    """The report as CSV rows (header first): agents, then teams."""
    rows: list[list[Any]] = [list(CSV_HEADER)]
    for row in [*report["agents"], *report["teams"]]:
        v = row.values
        frt, res, csat, drafts = (
            v["first_response_time"],
            v["resolution_time"],
            v["csat"],
            v["ai_draft_acceptance_rate"],
        )
        rows.append(
            [
                row.kind,
                row.name,
                v["volume"],
                frt["median_seconds"],
                frt["p90_seconds"],
                frt["business_median_seconds"],
                frt["without_reply"],
                res["median_seconds"],
                res["p90_seconds"],
                res["business_median_seconds"],
                csat["average"],
                csat["satisfied_share"],
                csat["responses"],
                drafts["value"],
                drafts["numerator"],
                drafts["denominator"],
            ]
        )
    return rows
