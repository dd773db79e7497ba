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

Escalations up a tier are set-based too: the packages are read in four queries for the batch,
the acknowledgement clocks written in one upsert and the escalations in one INSERT. Tickets whose
plan assigns an agent or releases one (or escalates to a tier the AI answers alone) take those
actions one by one (``engine._apply``) and join the bulk writes for the rest. Approvals and
notifications, which are rare, go through their actions per ticket after the bulk writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from helpdesk.queue import enqueue_on_commit
from routing import config, notices, placement, sla_clocks, vip
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
from routing.escalation import build_package, package_inputs_for
from routing.models import Escalation, RoutingDecision
from tickets import events
from tickets.models import Notification, Ticket, TicketEvent
from tickets.queries import ROLE_MANAGER

TICKET_FIELDS = ["tier", "team", "handled_by_ai", "priority", "tags", "stage", "updated_at"]


@dataclass
class Routed:
    ticket: Ticket
    plan: Plan
    facts: Facts
    first: bool
    previous_tier: int | None
    # True when ``engine._apply`` took the plan's actions one by one (an agent assigned or released).
    by_actions: bool = False
    changed: bool = False
    # Events of the in-memory placement (ESCALATED, STAGE_CHANGED, PRIORITY_CHANGED,
    # TAGS_CHANGED), inserted with ROUTED.
    placed: list[TicketEvent] = field(default_factory=list)
    escalation: Escalation | None = None


def needs_actions(ticket: Ticket, plan: Plan) -> bool:
    """Plans whose writes go through the escalation and assignment actions, one ticket at a time:
    an agent to assign or to release, or an escalation to a tier the AI answers alone."""
    to_ai = plan.escalate and plan.tier is not None and plan.tier.ai_may_answer and plan.tier.team_id is None
    return plan.agent is not None or ticket.assignee_id is not None or to_ai


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
        _escalate(
            [item for item in routed if not item.by_actions and item.plan.escalate], context, warn_share
        )
        for item in routed:
            if not item.by_actions:
                item.placed.extend(_place_in_memory(item))
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
        recipients = _Recipients()
        for item in routed:
            ticket, plan = item.ticket, item.plan
            if item.by_actions:
                placement.settle_stage(ticket, actor=None)
            if item.escalation is not None:
                _alert_escalation(item, recipients)
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
    if item.escalation is None:  # an escalation placed the ticket already
        _place(item, plan.tier.pk if plan.tier else None, plan.team_id, plan.is_ai)
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


def _place(item: Routed, tier_id: int | None, team_id: int | None, handled_by_ai: bool) -> None:
    """``placement.place`` on the instance."""
    ticket = item.ticket
    if (ticket.tier_id, ticket.team_id, ticket.handled_by_ai) != (tier_id, team_id, handled_by_ai):
        ticket.tier_id, ticket.team_id, ticket.handled_by_ai = tier_id, team_id, handled_by_ai
        for relation in ("tier", "team"):
            ticket._state.fields_cache.pop(relation, None)
        item.changed = True


def _escalate(items: list[Routed], context: Context, warn_share: float) -> None:
    """``escalation.move_ticket`` up a tier for each of ``items``, set-based: the packages read
    in four queries, the acknowledgement clocks in one upsert, the escalations in one INSERT;
    the placement and its ESCALATED and STAGE_CHANGED events in memory (written with the rest)."""
    if not items:
        return
    now = timezone.now()
    inputs = package_inputs_for([item.ticket for item in items])
    clocks, escalations = [], []
    for item in items:
        ticket, plan = item.ticket, item.plan
        to_tier = plan.tier
        trigger = plan.escalation_trigger
        reason = plan.notes[-1] if trigger == Escalation.Trigger.VIP else plan.summary
        clock = sla_clocks.acknowledgement_clock(
            ticket,
            tier=to_tier,
            vip=ticket.customer.is_vip,
            policies=context.policies,
            warn_share=warn_share,
            now=now,
        )
        if clock is not None:
            clocks.append(clock)
        escalations.append(
            Escalation(
                ticket=ticket,
                direction=Escalation.Direction.UP,
                from_tier=ticket.tier,
                to_tier=to_tier,
                to_ai=False,
                trigger=trigger,
                reason=reason,
                actor=None,
                package=build_package(ticket, trigger=trigger, reason=reason, inputs=inputs[ticket.pk]),
                acknowledge_due_at=clock.due_at if clock else None,
            )
        )
    sla_clocks.upsert_acknowledgements(clocks)
    for item, escalation in zip(items, Escalation.objects.bulk_create(escalations), strict=True):
        from_tier, to_tier = escalation.from_tier, escalation.to_tier
        _place(item, to_tier.pk, to_tier.team_id, False)
        item.escalation = escalation
        item.placed.append(
            events.build(
                item.ticket,
                TicketEvent.Kind.ESCALATED,
                data={
                    "escalation_id": escalation.pk,
                    "from_tier": from_tier.slug if from_tier else None,
                    "to_tier": to_tier.slug,
                    "to_senior": to_tier.is_senior,
                    "to_ai": False,
                    "trigger": escalation.trigger,
                    "reason": escalation.reason,
                },
            )
        )
        item.placed.extend(_settle_in_memory(item))


class _Recipients:
    """Who hears of escalations, read once per team (and once for the managers) per batch."""

    def __init__(self) -> None:
        self.teams: dict[int, list] = {}
        self.managers: list | None = None

    def of_team(self, team_id: int | None) -> list:
        if team_id is None:
            return []
        if team_id not in self.teams:
            self.teams[team_id] = list(notices.team_members(team_id))
        return self.teams[team_id]

    def of_managers(self) -> list:
        if self.managers is None:
            self.managers = list(notices.exact_role(ROLE_MANAGER))
        return self.managers


def _alert_escalation(item: Routed, recipients: _Recipients) -> None:
    """What ``move_ticket`` tells after an escalation up: the receiving team (and the managers
    for a VIP); the receiving tier gets an agent assigned by the job."""
    ticket, escalation = item.ticket, item.escalation
    to_tier = escalation.to_tier
    people = list(recipients.of_team(to_tier.team_id))
    if ticket.customer.is_vip:
        people += recipients.of_managers()
    text = f"{ticket.reference} escalated to {to_tier}: {escalation.reason}"
    notices.alert(people, kind=Notification.Kind.ESCALATION, text=text, ticket=ticket)
    enqueue_on_commit("routing.jobs.assign_ticket", ticket.pk)


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
