"""SLA clocks on tickets: which policy applies, starting/recomputing clocks, and the sweep.

Each target of a ticket (first response, next response, resolution, escalation acknowledgement)
is one ``SlaClock`` row. The ticket's ``*_due_at``/``sla_due_at``/``sla_paused_at``/
``sla_breached`` columns mirror the clocks for the inbox. The sweep (``sweep``, every minute) is
set-based: each step is one statement over ``FOR UPDATE SKIP LOCKED`` rows, so concurrent sweeps
share the work and every warning or breach fires exactly once (the row that records it is the
row that was locked).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as time_of_day
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from routing import config
from routing.models import BusinessCalendar, BusinessInterval, Escalation, Holiday, SlaClock, SlaPolicy, Tier
from routing.sla import ALWAYS_OPEN, Calendar, add_business_minutes, business_minutes_between
from tickets.models import Ticket

logger = logging.getLogger(__name__)

BATCH = 500
CLOCK_FIELDS = [
    "policy",
    "started_at",
    "target_minutes",
    "paused_minutes",
    "warn_at",
    "due_at",
    "warned_at",
    "breached_at",
    "paused_at",
    "stopped_at",
]
ESCALATING_KINDS = {SlaClock.Kind.FIRST_RESPONSE, SlaClock.Kind.RESOLUTION, SlaClock.Kind.ACKNOWLEDGEMENT}


@dataclass(frozen=True)
class Dues:
    policy: SlaPolicy | None
    first_response_due_at: datetime | None = None
    resolution_due_at: datetime | None = None


# Calendars are read on every routing and rarely edited: keep them a minute per process. Admin
# edits clear the cache of the process that saved (signals in apps.py), and the recalculation
# job that follows an edit clears its own before it starts.
CALENDAR_TTL = 60.0
_calendars: dict[int, tuple[float, Calendar]] = {}


def forget_calendars(**_ignored) -> None:
    _calendars.clear()


def load_calendar(calendar_id: int | None) -> Calendar:
    """The pure ``Calendar`` of a ``BusinessCalendar`` (24/7 when there is none)."""
    if calendar_id is None:
        return ALWAYS_OPEN
    cached = _calendars.get(calendar_id)
    if cached is not None and time.monotonic() - cached[0] < CALENDAR_TTL:
        return cached[1]
    calendar = _read_calendar(calendar_id)
    _calendars[calendar_id] = (time.monotonic(), calendar)
    return calendar


def _calendar_of(row: BusinessCalendar) -> Calendar:
    # The one translation of a calendar row (weekly hours + holidays) into the business clock.
    return Calendar.build(
        tz=row.timezone,
        intervals=[(i.weekday, i.opens, i.closes) for i in row.intervals.all()],
        holidays=[h.date for h in row.holidays.all()],
        always_open=row.always_open,
    )


def _read_calendar(calendar_id: int) -> Calendar:
    row = BusinessCalendar.objects.prefetch_related("intervals", "holidays").filter(pk=calendar_id).first()
    return ALWAYS_OPEN if row is None else _calendar_of(row)


def team_calendars() -> dict[int, Calendar]:
    """The business calendar of every team whose clock is not 24/7 (two queries, uncached).

    Analytics' business-time metrics read these, so SLA due times and business-time metrics
    count the same hours and skip the same holidays."""
    hours: dict[int, tuple[str, list[tuple[int, time_of_day, time_of_day]]]] = {}
    rows = (
        BusinessInterval.objects.filter(calendar__teams__isnull=False, calendar__always_open=False)
        .values_list("calendar__teams__id", "calendar__timezone", "weekday", "opens", "closes")
        .order_by("calendar__teams__id", "weekday", "opens")
    )
    for team_id, tz, weekday, opens, closes in rows:
        hours.setdefault(team_id, (tz, []))[1].append((weekday, opens, closes))
    holidays: dict[int, list[date]] = {}
    for team_id, day in Holiday.objects.filter(calendar__teams__id__in=list(hours)).values_list(
        "calendar__teams__id", "date"
    ):
        holidays.setdefault(team_id, []).append(day)
    return {
        team_id: Calendar.build(tz=tz, intervals=intervals, holidays=holidays.get(team_id, ()))
        for team_id, (tz, intervals) in hours.items()
    }


def calendar_for_team(team_id: int | None) -> Calendar:
    """The business calendar of a team (24/7 for no team or a team without one)."""
    if team_id is None:
        return ALWAYS_OPEN
    return load_calendar(config.current().team_calendars.get(team_id))


def policy_for(tier: Tier | None, priority: int, *, vip: bool, policies=None) -> SlaPolicy | None:
    """The most specific active policy: tier beats any tier, priority beats any, VIP uses VIP ones.

    A VIP ticket falls back to the non-VIP policy of its scope when no VIP policy exists.
    """
    candidates = policies if policies is not None else config.current().policies
    tier_id = tier.pk if tier else None
    best, best_score = None, -1
    for policy in candidates:
        if policy.tier_id not in (None, tier_id) or policy.priority not in (None, priority):
            continue
        if policy.for_vip and not vip:
            continue
        score = (4 if policy.tier_id else 0) + (2 if policy.priority else 0) + (1 if policy.for_vip else 0)
        if score > best_score:
            best, best_score = policy, score
    return best


def _warn_share() -> float:
    return float(config.current().thresholds.sla_warning_share or Decimal("0.75"))


def _targets(ticket: Ticket, policy: SlaPolicy) -> dict[str, tuple[datetime, int]]:
    """Which clocks should run now for ``ticket``: kind -> (started_at, target minutes)."""
    targets: dict[str, tuple[datetime, int]] = {}
    if ticket.first_response_at is None:
        targets[SlaClock.Kind.FIRST_RESPONSE] = (ticket.first_message_at, policy.first_response_minutes)
    elif (
        policy.next_response_minutes
        and ticket.last_customer_message_at
        and (
            ticket.last_agent_message_at is None
            or ticket.last_customer_message_at > ticket.last_agent_message_at
        )
    ):
        targets[SlaClock.Kind.NEXT_RESPONSE] = (ticket.last_customer_message_at, policy.next_response_minutes)
    targets[SlaClock.Kind.RESOLUTION] = (ticket.first_message_at, policy.resolution_minutes)
    return targets


def preview_dues(
    ticket: Ticket, *, tier: Tier | None, priority: int, vip: bool, team_id=None, policies=None
) -> Dues:
    """Due times a routing would give, without writing anything (the dry run uses this)."""
    policy = policy_for(tier, priority, vip=vip, policies=policies)
    if policy is None:
        return Dues(policy=None)
    calendar = calendar_for_team(team_id if team_id is not None else (tier.team_id if tier else None))
    first = None
    if ticket.first_response_at is None:
        first = add_business_minutes(ticket.first_message_at, policy.first_response_minutes, calendar)
    return Dues(
        policy=policy,
        first_response_due_at=first,
        resolution_due_at=add_business_minutes(ticket.first_message_at, policy.resolution_minutes, calendar),
    )


@dataclass(frozen=True)
class SlaTarget:
    """What one ticket's clocks are started or recomputed for (``apply_sla_many``)."""

    ticket: Ticket
    tier: Tier | None
    team_id: int | None
    priority: int
    vip: bool


def apply_sla(
    ticket: Ticket,
    *,
    tier: Tier | None,
    team_id: int | None,
    priority: int,
    vip: bool,
    policies=None,
    warn_share: float | None = None,
) -> Dues:
    """Start or recompute the clocks of ``ticket`` (locked by the caller) and mirror them on it.

    Breached and stopped clocks are left as they are: a breach is a fact, and a later, longer
    policy does not un-breach it. Clocks the policy no longer asks for are stopped.
    """
    target = SlaTarget(ticket=ticket, tier=tier, team_id=team_id, priority=priority, vip=vip)
    return apply_sla_many([target], policies=policies, warn_share=warn_share)[ticket.pk]


def apply_sla_many(
    targets: Sequence[SlaTarget], *, policies=None, warn_share: float | None = None
) -> dict[int, Dues]:
    """``apply_sla`` for many locked tickets at once: one read of their clocks, one INSERT, one
    UPDATE and one mirror, whatever the number of tickets (the batched pipeline routes with it).
    Returns each ticket's dues by ticket id."""
    now = timezone.now()
    existing_by_ticket: dict[int, dict[str, SlaClock]] = {target.ticket.pk: {} for target in targets}
    for clock in SlaClock.objects.filter(ticket_id__in=list(existing_by_ticket)):
        existing_by_ticket[clock.ticket_id][clock.kind] = clock
    share = warn_share if warn_share is not None else None
    created: list[SlaClock] = []
    changed: list[SlaClock] = []
    dues: dict[int, Dues] = {}
    for target in targets:
        ticket = target.ticket
        existing = existing_by_ticket[ticket.pk]
        policy = policy_for(target.tier, target.priority, vip=target.vip, policies=policies)
        if policy is not None and ticket.is_open:
            if share is None:
                share = _warn_share()
            _plan_clocks(
                ticket, policy, existing, calendar_for_team(target.team_id), share, now, created, changed
            )
        first = existing.get(SlaClock.Kind.FIRST_RESPONSE)
        resolution = existing.get(SlaClock.Kind.RESOLUTION)
        dues[ticket.pk] = Dues(
            policy=policy,
            first_response_due_at=first.due_at if first and first.stopped_at is None else None,
            resolution_due_at=resolution.due_at if resolution else None,
        )
    if created:
        SlaClock.objects.bulk_create(created)
    if changed:
        SlaClock.objects.bulk_update(changed, CLOCK_FIELDS)
    mirror_dues(list(existing_by_ticket))
    return dues


def _plan_clocks(
    ticket: Ticket,
    policy: SlaPolicy,
    existing: dict[str, SlaClock],
    calendar: Calendar,
    share: float,
    now: datetime,
    created: list[SlaClock],
    changed: list[SlaClock],
) -> None:
    """Decide one ticket's clocks in memory: new ones go to ``created``, edited ones to ``changed``."""
    for kind, (started, minutes) in _targets(ticket, policy).items():
        clock = existing.get(kind)
        if clock is None or (clock.stopped_at is not None and started > clock.started_at):
            clock = clock or SlaClock(ticket=ticket, kind=kind)
            clock.started_at, clock.paused_minutes = started, 0
            clock.warned_at = clock.breached_at = clock.stopped_at = clock.paused_at = None
        elif clock.breached_at is not None or clock.stopped_at is not None:
            continue
        waiting = ticket.status == Ticket.Status.PENDING or ticket.snoozed_at is not None
        if clock.paused_at is not None and not waiting:
            # The customer answered: the waiting time does not count against the target.
            clock.paused_minutes += business_minutes_between(clock.paused_at, now, calendar)
            clock.paused_at = None
        clock.policy, clock.target_minutes = policy, minutes
        total = minutes + clock.paused_minutes
        clock.due_at = add_business_minutes(clock.started_at, total, calendar)
        clock.warn_at = add_business_minutes(
            clock.started_at, clock.paused_minutes + minutes * share, calendar
        )
        if waiting and clock.paused_at is None:
            clock.paused_at = now
        (changed if clock.pk else created).append(clock)
        existing[kind] = clock
    wanted = set(_targets(ticket, policy))
    for kind, clock in existing.items():
        if kind not in wanted and kind != SlaClock.Kind.ACKNOWLEDGEMENT and clock.stopped_at is None:
            clock.stopped_at = now
            changed.append(clock)


def start_acknowledgement(
    ticket: Ticket,
    *,
    tier: Tier,
    vip: bool,
    policies=None,
    warn_share: float | None = None,
    mirror: bool = True,
) -> SlaClock | None:
    """Start the receiving tier's acknowledgement clock (its first-response target) on escalation.

    One upsert on (ticket, kind). ``mirror=False`` leaves copying the due times onto the ticket
    to the caller (which applies the other clocks next and mirrors once).
    """
    clock = acknowledgement_clock(ticket, tier=tier, vip=vip, policies=policies, warn_share=warn_share)
    if clock is None:
        return None
    upsert_acknowledgements([clock])
    if mirror:
        mirror_dues([ticket.pk])
    return clock


def acknowledgement_clock(
    ticket: Ticket,
    *,
    tier: Tier,
    vip: bool,
    policies=None,
    warn_share: float | None = None,
    now: datetime | None = None,
) -> SlaClock | None:
    """The unsaved acknowledgement clock ``start_acknowledgement`` writes (None: no policy)."""
    policy = policy_for(tier, ticket.priority, vip=vip, policies=policies)
    share = warn_share if warn_share is not None else _warn_share()
    if policy is None:
        return None
    now = now or timezone.now()
    calendar = calendar_for_team(tier.team_id)
    return SlaClock(
        ticket=ticket,
        kind=SlaClock.Kind.ACKNOWLEDGEMENT,
        policy=policy,
        started_at=now,
        target_minutes=policy.first_response_minutes,
        paused_minutes=0,
        due_at=add_business_minutes(now, policy.first_response_minutes, calendar),
        warn_at=add_business_minutes(now, policy.first_response_minutes * share, calendar),
        warned_at=None,
        breached_at=None,
        paused_at=None,
        stopped_at=None,
    )


def upsert_acknowledgements(clocks: Sequence[SlaClock]) -> None:
    """Write acknowledgement clocks in one upsert on (ticket, kind)."""
    if clocks:
        SlaClock.objects.bulk_create(
            list(clocks), update_conflicts=True, unique_fields=["ticket", "kind"], update_fields=CLOCK_FIELDS
        )


def mirror_dues(ticket_ids) -> None:
    """Copy the clocks' due times onto the tickets (one statement for any number of tickets)."""
    if not ticket_ids:
        return
    clock, ticket = SlaClock._meta.db_table, Ticket._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            UPDATE {ticket} t SET
              first_response_due_at = c.first_due,
              next_response_due_at = c.next_due,
              resolution_due_at = c.resolution_due,
              sla_due_at = c.earliest,
              sla_paused_at = c.paused,
              sla_breached = t.sla_breached OR c.breached
            FROM unnest(%s::bigint[]) AS ids(id)
            CROSS JOIN LATERAL (
              -- Per ticket through the (ticket, kind) index: a plan that never scans all clocks.
              SELECT
                max(c.due_at) FILTER (WHERE c.kind = 'first_response' AND c.stopped_at IS NULL) AS first_due,
                max(c.due_at) FILTER (WHERE c.kind = 'next_response' AND c.stopped_at IS NULL) AS next_due,
                max(c.due_at) FILTER (WHERE c.kind = 'resolution' AND c.stopped_at IS NULL) AS resolution_due,
                min(c.due_at) FILTER (WHERE c.stopped_at IS NULL AND c.paused_at IS NULL) AS earliest,
                min(c.paused_at) FILTER (WHERE c.stopped_at IS NULL) AS paused,
                coalesce(bool_or(c.breached_at IS NOT NULL), false) AS breached
              FROM {clock} c WHERE c.ticket_id = ids.id
            ) c
            WHERE t.id = ids.id
            """,
            [list(ticket_ids)],
        )


# --- the sweep --------------------------------------------------------------------------------


def _execute(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def sync_clocks(now: datetime) -> dict[str, int]:
    """Stop met clocks, pause clocks of tickets waiting on the customer, resume the rest.

    Stop and pause are single statements over ``SKIP LOCKED`` rows; resumes need each clock's
    calendar, so they run per clock, but only for the clocks whose ticket just came back.
    """
    clock, ticket = SlaClock._meta.db_table, Ticket._meta.db_table
    running = "c.stopped_at IS NULL AND c.breached_at IS NULL"
    met = f"""
      WITH met AS (
        SELECT c.id, CASE
            WHEN t.status IN ('resolved', 'closed') THEN coalesce(t.resolved_at, t.closed_at, %(now)s)
            WHEN c.kind = 'first_response' THEN t.first_response_at
            ELSE t.last_agent_message_at END AS at
        FROM {clock} c JOIN {ticket} t ON t.id = c.ticket_id
        WHERE c.stopped_at IS NULL AND (
          t.status IN ('resolved', 'closed')
          OR (c.kind = 'first_response' AND t.first_response_at IS NOT NULL)
          OR (c.kind IN ('next_response', 'acknowledgement') AND t.last_agent_message_at >= c.started_at))
        FOR UPDATE OF c SKIP LOCKED)
      UPDATE {clock} c SET stopped_at = met.at FROM met WHERE c.id = met.id RETURNING c.ticket_id"""
    pause = f"""
      WITH waiting AS (
        SELECT c.id FROM {clock} c JOIN {ticket} t ON t.id = c.ticket_id
        WHERE {running} AND c.paused_at IS NULL AND (t.status = 'pending' OR t.snoozed_at IS NOT NULL)
        FOR UPDATE OF c SKIP LOCKED)
      UPDATE {clock} c SET paused_at = %(now)s FROM waiting WHERE c.id = waiting.id RETURNING c.ticket_id"""
    escalation = Escalation._meta.db_table
    acknowledged = f"""
      UPDATE {escalation} e SET acknowledged_at = c.stopped_at
      FROM {clock} c
      WHERE c.ticket_id = e.ticket_id AND c.kind = 'acknowledgement' AND c.stopped_at IS NOT NULL
        AND e.direction = 'up' AND e.acknowledged_at IS NULL AND e.created_at <= c.stopped_at"""
    with transaction.atomic():
        stopped = {row[0] for row in _execute(met, {"now": now})}
        paused = {row[0] for row in _execute(pause, {"now": now})}
        mirror_dues(stopped | paused)
        # An escalation is acknowledged when the receiving tier first answers after it.
        _execute(acknowledged, [])
    resumed = 0
    while True:
        with transaction.atomic():
            batch = list(
                SlaClock.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(
                    paused_at__isnull=False,
                    stopped_at__isnull=True,
                    ticket__status=Ticket.Status.OPEN,
                    ticket__snoozed_at__isnull=True,
                )
                .select_related("ticket__team")[:BATCH]
            )
            if not batch:
                break
            calendars: dict[int | None, Calendar] = {}
            for item in batch:
                resume_clock(item, now=now, calendars=calendars)
            mirror_dues({item.ticket_id for item in batch})
            resumed += len(batch)
    return {"stopped": len(stopped), "paused": len(paused), "resumed": resumed}


def pause_ticket_clocks(ticket_id: int, *, now: datetime | None = None) -> int:
    """Pause the running clocks of a ticket that just started waiting (snoozed), at once rather
    than at the next sweep; one statement. Returns how many clocks paused."""
    now = now or timezone.now()
    with transaction.atomic():
        paused = (
            SlaClock.objects.select_for_update()
            .filter(
                ticket_id=ticket_id, stopped_at__isnull=True, breached_at__isnull=True, paused_at__isnull=True
            )
            .update(paused_at=now)
        )
        if paused:
            mirror_dues([ticket_id])
    return paused


def resume_ticket_clocks(ticket_id: int, *, now: datetime | None = None) -> int:
    """Resume the paused clocks of an open ticket that stopped waiting (woke from a snooze), the
    waiting time added to their targets. A ticket still pending or snoozed is left paused."""
    now = now or timezone.now()
    with transaction.atomic():
        clocks = list(
            SlaClock.objects.select_for_update(of=("self",))
            .filter(
                ticket_id=ticket_id,
                paused_at__isnull=False,
                stopped_at__isnull=True,
                ticket__status=Ticket.Status.OPEN,
                ticket__snoozed_at__isnull=True,
            )
            .select_related("ticket")
        )
        calendars: dict[int | None, Calendar] = {}
        for clock in clocks:
            resume_clock(clock, now=now, calendars=calendars)
        if clocks:
            mirror_dues([ticket_id])
    return len(clocks)


def resume_clock(clock: SlaClock, *, now: datetime, calendars: dict | None = None) -> SlaClock:
    """Add the business time spent waiting on the customer to the target and restart the clock."""
    calendars = calendars if calendars is not None else {}
    team_id = clock.ticket.team_id
    if team_id not in calendars:
        calendars[team_id] = calendar_for_team(team_id)
    calendar = calendars[team_id]
    clock.paused_minutes += business_minutes_between(clock.paused_at, now, calendar)
    clock.paused_at = None
    clock.due_at = add_business_minutes(
        clock.started_at, clock.target_minutes + clock.paused_minutes, calendar
    )
    clock.warn_at = add_business_minutes(
        clock.started_at, clock.paused_minutes + clock.target_minutes * _warn_share(), calendar
    )
    clock.save(update_fields=["paused_minutes", "paused_at", "due_at", "warn_at"])
    return clock


def claim_due(column: str, now: datetime, *, limit: int = BATCH) -> list[tuple[int, int, str, int | None]]:
    """Mark up to ``limit`` clocks past ``warn_at``/``due_at`` as warned/breached and return them.

    Call inside a transaction: the rows stay locked until it commits, so a concurrent sweep
    skips them, and once committed they no longer match. Returns (clock id, ticket id, kind,
    policy id) for each clock claimed.
    """
    stamp = {"warn_at": "warned_at", "due_at": "breached_at"}[column]
    clock = SlaClock._meta.db_table
    return _execute(
        f"""
        WITH hit AS (
          SELECT id FROM {clock}
          WHERE {stamp} IS NULL AND breached_at IS NULL AND stopped_at IS NULL AND paused_at IS NULL
            AND {column} <= %(now)s
          ORDER BY {column} LIMIT %(limit)s
          FOR UPDATE SKIP LOCKED)
        UPDATE {clock} c SET {stamp} = %(now)s FROM hit WHERE c.id = hit.id
        RETURNING c.id, c.ticket_id, c.kind, c.policy_id""",
        {"now": now, "limit": limit},
    )


def recalculate_open(*, batch: int = BATCH) -> int:
    """Re-apply the current policies and calendars to every open, routed ticket, in batches.

    Each batch is its own transaction and skips tickets other workers hold, so this never
    blocks the inbox; running it twice gives the same due times.
    """
    forget_calendars()
    done, last_id = 0, 0
    while True:
        with transaction.atomic():
            tickets = list(
                Ticket.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(status__in=Ticket.OPEN_STATUSES, tier__isnull=False, pk__gt=last_id)
                .select_related("tier", "customer")
                .order_by("pk")[:batch]
            )
            if not tickets:
                return done
            for ticket in tickets:
                apply_sla(
                    ticket,
                    tier=ticket.tier,
                    team_id=ticket.team_id,
                    priority=ticket.priority,
                    vip=ticket.customer.is_vip,
                )
            done += len(tickets)
            last_id = tickets[-1].pk
