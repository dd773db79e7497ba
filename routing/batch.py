"""Routing a claimed batch of tickets at once: read once, decide in memory, write in bulk.

``route_batch`` gives each ticket of a pipeline batch the same decision ``engine.route_ticket``
would (same plan, same events in the same order per ticket, same SLA clocks, same jobs) with a
cost per batch instead of per ticket:

- reads: one locking SELECT of the tickets (with customer, tier and "routed before"), the teams
  under pressure and the repeat complaints of all the batch's customers (one query each), the
  SLA clocks of all tickets (one query); the rules, tiers, policies and thresholds come from the
  pinned configuration snapshot;
- writes: one UPDATE of the tickets' tier, team, AI ownership, priority, tags and stage, one
  INSERT of the SLA clocks (and one UPDATE of changed ones), one UPDATE mirroring their due
  times, one INSERT of the routing decisions and one INSERT of the events.

Tickets whose plan needs a person-facing action (an escalation up a tier with its package and
acknowledgement clock, an assignment to or away from an agent) take those actions one by one
(``engine._apply``) and join the bulk writes for the rest. Approvals and notifications, which
are rare, go through their actions per ticket after the bulk writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from helpdesk.queue import enqueue_on_commit
from routing import config, placement, sla_clocks, vip
from routing.conditions import Facts, facts_for, repeat_complaints, teams_under_pressure
from routing.engine import (
    PRESSURE_TAG,
    Context,
    Plan,
    _apply,
    _notify,
    _open_approvals,
    active_rules,
    build_decision,
    plan_route,
    routed_data,
)
from routing.models import RoutingDecision
from tickets import events
from tickets.models import Ticket, TicketEvent

TICKET_FIELDS = ["tier", "team", "handled_by_ai", "priority", "tags", "stage", "updated_at"]


@dataclass
class Routed:
    ticket: Ticket
    plan: Plan
    facts: Facts
    first: bool
    previous_tier: int | None
    # True when ``engine._apply`` took the plan's actions one by one (escalation, assignment).
    by_actions: bool = False
    changed: bool = False
    # Events of the in-memory placement (PRIORITY_CHANGED, TAGS_CHANGED), inserted with ROUTED.
    placed: list[TicketEvent] = field(default_factory=list)


def needs_actions(ticket: Ticket, plan: Plan) -> bool:
    """Plans whose writes go through the escalation and assignment actions, one ticket at a time."""
    return plan.escalate or plan.agent is not None or ticket.assignee_id is not None


def route_batch(tickets: Sequence[Ticket], *, trigger: str) -> dict[int, RoutingDecision]:
    """Route the open ones of ``tickets`` now, as ``route_ticket`` would each; return the
    decisions by ticket id (closed tickets are left out, not routed)."""
    with config.pinned(), transaction.atomic():
        locked = list(
            Ticket.objects.select_for_update(of=("self",))
            .select_related("customer", "tier")
            .annotate(was_routed=Exists(RoutingDecision.objects.filter(ticket=OuterRef("pk"))))
            .filter(pk__in=[t.pk for t in tickets])
            .order_by("pk")
        )
        batch = [t for t in locked if t.is_open]
        if not batch:
            return {}
        _apply_vip_rules(batch)
        routed = _plan(batch, trigger=trigger)
        context = Context.load()
        warn_share = float(config.current().thresholds.sla_warning_share)
        for item in routed:
            if item.by_actions:
                _apply(item.ticket, item.plan, actor=None, context=context, warn_share=warn_share)
        for item in routed:
            if not item.by_actions:
                item.placed = _place_in_memory(item)
        dues = sla_clocks.apply_sla_many(
            [
                sla_clocks.SlaTarget(
                    ticket=item.ticket,
                    tier=item.plan.tier,
                    team_id=item.plan.team_id,
                    priority=item.plan.priority,
                    vip=item.facts.is_vip,
                )
                for item in routed
            ],
            policies=context.policies,
            warn_share=warn_share,
        )
        decisions = RoutingDecision.objects.bulk_create(
            [
                build_decision(
                    item.ticket, item.plan, item.facts, dues[item.ticket.pk], trigger=trigger, actor=None
                )
                for item in routed
            ]
        )
        # Per ticket: its placement events, ROUTED, then the stage it settles in (as route_ticket).
        ordered = []
        for item, decision in zip(routed, decisions, strict=True):
            ordered.extend(item.placed)
            ordered.append(
                events.build(item.ticket, TicketEvent.Kind.ROUTED, data=routed_data(decision, item.plan))
            )
            if not item.by_actions:
                ordered.extend(_settle_in_memory(item))
        events.record_built(ordered)
        now = timezone.now()
        changed = [item.ticket for item in routed if item.changed]
        for ticket in changed:
            ticket.updated_at = now
        if changed:
            Ticket.objects.bulk_update(changed, TICKET_FIELDS)
        for item in routed:
            ticket, plan = item.ticket, item.plan
            if item.by_actions:
                placement.settle_stage(ticket, actor=None)
            _open_approvals(ticket, plan)
            if item.first or item.previous_tier != ticket.tier_id:
                _notify(ticket, plan, item.facts)
            if plan.is_ai:
                enqueue_on_commit("routing.jobs.ai_take_over", ticket.pk)
            elif ticket.assignee_id is None:
                enqueue_on_commit("routing.jobs.assign_ticket", ticket.pk)
        return {item.ticket.pk: decision for item, decision in zip(routed, decisions, strict=True)}


def _apply_vip_rules(batch: list[Ticket]) -> None:
    """``vip.apply_vip_rules`` once per customer; tickets of one customer share its instance."""
    customers = {}
    for ticket in batch:
        customer = customers.setdefault(ticket.customer_id, ticket.customer)
        ticket.customer = customer
    for customer in customers.values():
        vip.apply_vip_rules(customer)


def _plan(batch: list[Ticket], *, trigger: str) -> list[Routed]:
    """Every ticket's plan, from facts read for the whole batch at once."""
    snapshot = config.current()
    thresholds = snapshot.thresholds
    pressure = teams_under_pressure()
    repeats = repeat_complaints(batch, window_days=thresholds.repeat_complaint_days)
    context = Context.load()
    rules = active_rules()
    routed = []
    for ticket in batch:
        facts = facts_for(ticket, thresholds=thresholds, repeat=ticket.pk in repeats, under_pressure=pressure)
        plan = plan_route(ticket, facts, rules=rules, trigger=trigger, context=context, with_dues=False)
        routed.append(
            Routed(
                ticket=ticket,
                plan=plan,
                facts=facts,
                first=not ticket.was_routed,
                previous_tier=ticket.tier_id,
                by_actions=needs_actions(ticket, plan),
            )
        )
    return routed


def _place_in_memory(item: Routed) -> list[TicketEvent]:
    """``engine._apply`` for a plan without escalation or assignment, on the instance only:
    returns the events it records (PRIORITY_CHANGED, TAGS_CHANGED), unsaved."""
    ticket, plan = item.ticket, item.plan
    built = []
    placed = (plan.tier.pk if plan.tier else None, plan.team_id, plan.is_ai)
    if (ticket.tier_id, ticket.team_id, ticket.handled_by_ai) != placed:
        ticket.tier_id, ticket.team_id, ticket.handled_by_ai = placed
        for relation in ("tier", "team"):
            ticket._state.fields_cache.pop(relation, None)
        item.changed = True
    if plan.priority != ticket.priority:
        built.append(
            events.build(
                ticket,
                TicketEvent.Kind.PRIORITY_CHANGED,
                data={"from": ticket.priority, "to": plan.priority, "reason": plan.summary},
            )
        )
        ticket.priority = plan.priority
        item.changed = True
    if PRESSURE_TAG in ticket.tags and PRESSURE_TAG not in plan.tags:
        before = list(ticket.tags)
        ticket.tags = [tag for tag in ticket.tags if tag != PRESSURE_TAG]
        built.append(_tags_event(ticket, before, "back to people"))
        item.changed = True
    new = [tag for tag in dict.fromkeys(plan.tags) if tag and tag not in ticket.tags]
    if new:
        before = list(ticket.tags)
        ticket.tags = [*ticket.tags, *new]
        built.append(_tags_event(ticket, before, plan.summary))
        item.changed = True
    return built


def _tags_event(ticket: Ticket, before: list[str], reason: str) -> TicketEvent:
    return events.build(
        ticket,
        TicketEvent.Kind.TAGS_CHANGED,
        data={"from": before, "to": list(ticket.tags), "reason": reason},
    )


def _settle_in_memory(item: Routed) -> list[TicketEvent]:
    """``placement.settle_stage`` on the instance: the STAGE_CHANGED event, unsaved."""
    ticket = item.ticket
    stage = placement.settled_stage(ticket)
    if stage is None:
        return []
    event = events.build(ticket, TicketEvent.Kind.STAGE_CHANGED, data={"from": ticket.stage, "to": stage})
    ticket.stage = stage
    item.changed = True
    return [event]
