"""The rule engine: where a ticket goes, at which priority and SLA, with which gates, and why.

``plan_route`` evaluates the ordered rules against a ticket's facts and then applies what the
rules cannot override: a VIP level's minimum tier, the AI guardrails, queue pressure, and the
rule that a ticket never moves down a tier by itself. It writes nothing, so the dry run uses it
with unsaved rules. ``route_ticket`` plans, stores the ``RoutingDecision`` (with its explanation)
and applies it through actions, recording ROUTED / ESCALATED / ASSIGNED / PRIORITY_CHANGED /
TAGS_CHANGED events.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Exists, OuterRef

from helpdesk.errors import IllegalTransition
from helpdesk.queue import enqueue_on_commit
from routing import config, notices, placement, sla_clocks, vip
from routing.conditions import Facts, evaluate, facts_for
from routing.escalation import _serves, move_ticket
from routing.guards import ai_blockers, allowing_action_rule
from routing.models import ActionRule, AgentProfile, Approval, Escalation, RoutingDecision, RoutingRule, Tier
from tickets import actions, events
from tickets.models import Notification, Ticket, TicketEvent

PRESSURE_TAG = "pressure-ai"
TRIGGERS_THAT_MAY_LOWER = ("deescalate", "pressure_eased")


@dataclass
class Plan:
    destination: str
    tier: Tier | None
    team_id: int | None
    agent: AbstractBaseUser | None = None
    priority: int = Ticket.Priority.NORMAL
    rule: RoutingRule | None = None
    explanation: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    approvals: list[dict] = field(default_factory=list)
    notifications: list[dict] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    escalate: bool = False
    escalation_trigger: str = Escalation.Trigger.RULE
    dues: sla_clocks.Dues | None = None

    @property
    def is_ai(self) -> bool:
        return self.destination == RoutingDecision.Destination.AI

    @property
    def label(self) -> str:
        if self.is_ai:
            return "AI"
        if self.agent is not None:
            return f"{self.tier} / {self.agent}" if self.tier else str(self.agent)
        return str(self.tier) if self.tier else "unrouted"

    @property
    def summary(self) -> str:
        for entry in self.explanation:
            if entry["decides"]:
                return f"{entry['rule']}: " + ("; ".join(c["text"] for c in entry["conditions"]) or "always")
        return "No rule matched: default queue"


@dataclass(frozen=True)
class Context:
    """Configuration read once per run (tiers, action rules, SLA policies)."""

    tiers: Sequence[Tier]
    action_rules: Sequence[ActionRule]
    policies: Sequence

    @classmethod
    def load(cls) -> Context:
        snapshot = config.current()
        return cls(tiers=snapshot.tiers, action_rules=snapshot.action_rules, policies=snapshot.policies)

    @property
    def ai_tier(self) -> Tier | None:
        return next((t for t in self.tiers if t.ai_may_answer and t.team_id is None), None)

    @property
    def entry_tier(self) -> Tier | None:
        """The lowest tier people serve (the general queue)."""
        return next((t for t in self.tiers if t.team_id is not None), None)

    def tier_for_team(self, team_id: int | None) -> Tier | None:
        return next((t for t in self.tiers if t.team_id == team_id), None)

    def tier(self, tier_id: int | None) -> Tier | None:
        return next((t for t in self.tiers if t.pk == tier_id), None)


def active_rules() -> list[RoutingRule]:
    """The saved, active rules in evaluation order (from the per-process config snapshot)."""
    return list(config.current().rules)


def _rank(tier: Tier | None) -> int:
    return tier.rank if tier else -1


def _destination(rule: RoutingRule, plan: Plan, context: Context) -> None:
    if rule.route_to == RoutingRule.Route.AI:
        plan.destination, plan.tier, plan.team_id = RoutingDecision.Destination.AI, context.ai_tier, None
    elif rule.route_to == RoutingRule.Route.TIER:
        plan.destination, plan.tier = RoutingDecision.Destination.TIER, context.tier(rule.tier_id)
        plan.team_id = plan.tier.team_id if plan.tier else None
    elif rule.route_to == RoutingRule.Route.TEAM:
        plan.destination, plan.team_id = RoutingDecision.Destination.TEAM, rule.team_id
        plan.tier = context.tier_for_team(rule.team_id)
    elif rule.route_to == RoutingRule.Route.AGENT:
        profile = AgentProfile.objects.filter(user_id=rule.agent_id).first()
        plan.destination, plan.agent = RoutingDecision.Destination.AGENT, rule.agent
        plan.team_id = profile.team_id if profile else None
        plan.tier = context.tier(profile.tier_id) if profile else None


def _to_people(plan: Plan, context: Context, note: str) -> None:
    plan.destination, plan.tier = RoutingDecision.Destination.TIER, context.entry_tier
    plan.team_id = plan.tier.team_id if plan.tier else None
    plan.notes.append(note)


def _low_risk(ticket: Ticket, facts: Facts, context: Context) -> ActionRule | None:
    """Borderline cases AI may take under pressure: no signals, no money, confident, allowed."""
    if facts.signals or facts.is_vip or (facts.amount_at_stake or 0) > 0:
        return None
    return allowing_action_rule(ticket, rules=context.action_rules)


def plan_route(
    ticket: Ticket,
    facts: Facts,
    *,
    rules: Iterable[RoutingRule],
    trigger: str,
    context: Context | None = None,
    with_dues: bool = True,
) -> Plan:
    """Decide without writing. ``rules`` may be unsaved (the dry run's edited rule set).

    ``with_dues`` previews the SLA due times (the dry run shows them; routing computes them
    when it starts the clocks, so it skips the preview).
    """
    context = context or Context.load()
    plan = Plan(destination="", tier=None, team_id=None, priority=ticket.priority)
    priorities = []
    for rule in rules:
        if not rule.is_active:
            continue
        conditions = evaluate(rule, facts)
        if conditions is None:
            continue
        decides = not rule.continue_evaluation and bool(rule.route_to)
        plan.explanation.append(
            {
                "rule": rule.name,
                "slug": rule.slug,
                "rule_id": rule.pk,
                "decides": decides,
                "conditions": conditions,
            }
        )
        if rule.set_priority:
            priorities.append(rule.set_priority)
        plan.tags.extend(rule.add_tags)
        if rule.require_approval:
            plan.approvals.append(
                {"role": rule.approval_role, "amount": facts.amount_at_stake, "rule": rule.slug, "rule_id": rule.pk,
                 "reason": f"{rule.name}: " + "; ".join(c["text"] for c in conditions)}
            )  # fmt: skip
        if rule.notify_role:
            plan.notifications.append({"role": rule.notify_role, "reason": rule.name})
        if decides:
            plan.rule = rule
            _destination(rule, plan, context)
            break
    if not plan.destination:
        _to_people(plan, context, "No rule chose a destination: the general queue.")

    level = vip.vip_level(facts.vip_level)
    if level is not None:
        priorities.append(Ticket.Priority.HIGH)
        if level.minimum_tier and (plan.is_ai or _rank(plan.tier) < level.minimum_tier.rank):
            plan.destination, plan.tier = (
                RoutingDecision.Destination.TIER,
                context.tier(level.minimum_tier_id),
            )
            plan.team_id, plan.agent = plan.tier.team_id if plan.tier else None, None
            plan.escalation_trigger = Escalation.Trigger.VIP
            plan.notes.append(f"VIP level {level.name}: never below {level.minimum_tier}.")
        if level.notify_managers:
            plan.notifications.append(
                {"role": "manager", "reason": f"VIP customer ({level.name})", "vip": True}
            )

    if plan.is_ai:
        blockers = ai_blockers(ticket) if ticket.tier_id is None else [
            b for b in ai_blockers(ticket) if not b.startswith("AI may not answer at tier")
        ]  # fmt: skip
        allowed = allowing_action_rule(ticket, rules=context.action_rules)
        if blockers:
            _to_people(plan, context, f"AI may not answer alone: {'; '.join(blockers)}.")
        elif allowed is None:
            _to_people(plan, context, "No action rule lets AI answer this alone at this confidence.")
        else:
            plan.notes.append(f"AI may act: action rule '{allowed.name}' (floor {allowed.confidence_floor}).")

    current = ticket.tier if ticket.tier_id else None
    if not plan.is_ai and plan.team_id in facts.teams_under_pressure:
        allowed = _low_risk(ticket, facts, context) if ticket.assignee_id is None else None
        if allowed is not None and (current is None or ticket.handled_by_ai or trigger == "pressure"):
            plan.destination, plan.tier, plan.team_id, plan.agent = (
                RoutingDecision.Destination.AI, context.ai_tier, None, None
            )  # fmt: skip
            plan.tags.append(PRESSURE_TAG)
            plan.notes.append(f"Queue under pressure: low-risk case to AI ('{allowed.name}').")

    if current is not None and trigger not in TRIGGERS_THAT_MAY_LOWER and PRESSURE_TAG not in plan.tags:
        lowering = _rank(plan.tier) < current.rank and not ticket.handled_by_ai
        if lowering or (plan.is_ai and not ticket.handled_by_ai and PRESSURE_TAG not in plan.tags):
            plan.destination, plan.tier, plan.team_id, plan.agent = (
                RoutingDecision.Destination.TIER, current, ticket.team_id, None
            )  # fmt: skip
            plan.notes.append(f"Stays at {current}: a ticket only moves down a tier by hand.")

    plan.priority = max([ticket.priority, *priorities])
    entry = context.entry_tier
    base = _rank(current) if current is not None and not ticket.handled_by_ai else _rank(entry)
    plan.escalate = not plan.is_ai and plan.tier is not None and _rank(plan.tier) > base
    plan.tags = list(dict.fromkeys(plan.tags))
    if with_dues:
        plan.dues = sla_clocks.preview_dues(
            ticket,
            tier=plan.tier,
            priority=plan.priority,
            vip=facts.is_vip,
            team_id=plan.team_id,
            policies=context.policies,
        )
    return plan


def route_ticket(ticket: Ticket, *, trigger: str, actor: AbstractBaseUser | None = None) -> RoutingDecision:
    """Route ``ticket`` now and store why. Raises ``IllegalTransition`` for a resolved/closed ticket.

    Called by the pipeline after triage (trigger "message"), on reclassification, on VIP change,
    on recovery reopens, and by the queue-pressure job. Notifications go out on the first routing
    and whenever the tier changes, not on every new message. The whole decision reads one
    configuration snapshot (``routing.config``).
    """
    with config.pinned(), transaction.atomic():
        return _route_ticket(ticket, trigger=trigger, actor=actor)


def _route_ticket(ticket: Ticket, *, trigger: str, actor: AbstractBaseUser | None) -> RoutingDecision:
    ticket = (
        Ticket.objects.select_for_update(of=("self",))
        .select_related("customer", "tier")
        .annotate(was_routed=Exists(RoutingDecision.objects.filter(ticket=OuterRef("pk"))))
        .get(pk=ticket.pk)
    )
    if not ticket.is_open:
        raise IllegalTransition(
            f"{ticket.reference} is {ticket.get_status_display().lower()}; it is not routed."
        )
    vip.apply_vip_rules(ticket.customer)
    facts = facts_for(ticket)
    context = Context.load()
    plan = plan_route(ticket, facts, rules=active_rules(), trigger=trigger, context=context, with_dues=False)
    first = not ticket.was_routed
    previous_tier = ticket.tier_id
    warn_share = float(facts.sla_warning_share)
    _apply(ticket, plan, actor=actor, context=context, warn_share=warn_share)
    dues = sla_clocks.apply_sla(
        ticket,
        tier=plan.tier,
        team_id=plan.team_id,
        priority=plan.priority,
        vip=facts.is_vip,
        policies=context.policies,
        warn_share=warn_share,
    )
    decision = build_decision(ticket, plan, facts, dues, trigger=trigger, actor=actor)
    decision.save()
    events.record(ticket, TicketEvent.Kind.ROUTED, actor=actor, data=routed_data(decision, plan))
    placement.settle_stage(ticket, actor=actor)
    _open_approvals(ticket, plan)
    if first or previous_tier != ticket.tier_id:
        _notify(ticket, plan, facts)
    if plan.is_ai:
        enqueue_on_commit("routing.jobs.ai_take_over", ticket.pk)
    elif ticket.assignee_id is None:
        enqueue_on_commit("routing.jobs.assign_ticket", ticket.pk)
    return decision


def build_decision(
    ticket: Ticket,
    plan: Plan,
    facts: Facts,
    dues: sla_clocks.Dues,
    *,
    trigger: str,
    actor: AbstractBaseUser | None,
) -> RoutingDecision:
    """The unsaved ``RoutingDecision`` of ``plan`` (saved one by one or in one INSERT per batch)."""
    return RoutingDecision(
        ticket=ticket,
        trigger=trigger,
        actor=actor if actor is not None and actor.is_authenticated else None,
        rule=plan.rule if plan.rule and plan.rule.pk else None,
        destination=plan.destination,
        tier=plan.tier,
        team_id=plan.team_id,
        agent=plan.agent,
        priority=plan.priority,
        first_response_due_at=dues.first_response_due_at,
        resolution_due_at=dues.resolution_due_at,
        sla_policy=dues.policy,
        approvals_required=[{k: v for k, v in a.items() if k != "amount"} | {"amount": str(a["amount"]) if a["amount"] is not None else None} for a in plan.approvals],
        notifications=plan.notifications,
        tags=plan.tags,
        explanation=plan.explanation,
        notes=plan.notes,
        facts=facts.as_json(),
    )  # fmt: skip


def routed_data(decision: RoutingDecision, plan: Plan) -> dict:
    """The payload of the ROUTED event of a saved ``decision``."""
    return {
        "decision_id": decision.pk,
        "trigger": decision.trigger,
        "destination": plan.destination,
        "tier": plan.tier.slug if plan.tier else None,
        "team_id": plan.team_id,
        "rule": plan.rule.slug if plan.rule else None,
        "why": plan.summary,
        "notes": plan.notes,
    }


def _apply(
    ticket: Ticket, plan: Plan, *, actor: AbstractBaseUser | None, context: Context, warn_share: float
) -> None:
    if plan.escalate:
        move_ticket(
            ticket,
            to_tier=plan.tier,
            direction=Escalation.Direction.UP,
            trigger=plan.escalation_trigger,
            reason=(plan.notes[-1] if plan.escalation_trigger == Escalation.Trigger.VIP else plan.summary),
            actor=actor,
            policies=context.policies,
            warn_share=warn_share,
        )
    else:
        placement.place(
            ticket,
            tier_id=plan.tier.pk if plan.tier else None,
            team_id=plan.team_id,
            handled_by_ai=plan.is_ai,
        )
        if ticket.assignee_id and (plan.is_ai or not _serves(ticket.assignee_id, plan.team_id)):
            actions.do_assign_ticket(ticket, agent=None, actor=actor)
            ticket.refresh_from_db(fields=["assignee", "assigned_at", "stage"])
    if plan.agent is not None and ticket.assignee_id != plan.agent.pk:
        actions.do_assign_ticket(
            ticket, agent=plan.agent, actor=actor, actor_kind=None if actor else "system"
        )
        ticket.refresh_from_db(fields=["assignee", "assigned_at", "stage"])
    if plan.priority != ticket.priority:
        actions.change_priority(ticket, priority=plan.priority, actor=actor, reason=plan.summary)
        ticket.priority = plan.priority
    if PRESSURE_TAG in ticket.tags and PRESSURE_TAG not in plan.tags:
        placement.remove_tags(ticket, [PRESSURE_TAG], actor=actor, reason="back to people")
    placement.add_tags(ticket, plan.tags, actor=actor, reason=plan.summary)


def _open_approvals(ticket: Ticket, plan: Plan) -> None:
    from routing.approvals import request_approval

    for item in plan.approvals:
        covered = Approval.objects.filter(
            ticket=ticket, status__in=[Approval.Status.PENDING, Approval.Status.APPROVED]
        )
        if item["amount"] is not None:
            covered = covered.filter(amount__gte=item["amount"])
        if covered.exists():
            continue
        rule = RoutingRule.objects.filter(pk=item["rule_id"]).first() if item["rule_id"] else None
        request_approval(
            ticket,
            requested_by=None,
            amount=item["amount"],
            reason=item["reason"],
            role=item["role"],
            rule=rule,
        )


def _notify(ticket: Ticket, plan: Plan, facts: Facts) -> None:
    for item in plan.notifications:
        kind = Notification.Kind.VIP if item.get("vip") else Notification.Kind.ESCALATION
        notices.alert(
            notices.users_with_role(item["role"]),
            kind=kind,
            text=f"{ticket.reference} routed to {plan.label}: {item['reason']}",
            ticket=ticket,
        )


@dataclass(frozen=True)
class DryRunRow:
    ticket: Ticket
    plan: Plan
    actual: str
    actual_priority: int

    @property
    def changed(self) -> bool:
        return self.plan.label != self.actual or self.plan.priority != self.actual_priority


def dry_run(tickets: Iterable[Ticket], rules: Sequence[RoutingRule] | None = None) -> list[DryRunRow]:
    """Where ``rules`` (default: the saved, active rules) would route each ticket, beside where it is.

    Writes nothing: VIP levels are computed, not stored, and each ticket is planned as a first
    routing (as if it arrived now), so the result shows what the rules themselves decide.
    """
    context = Context.load()
    rules = list(rules) if rules is not None else active_rules()
    rows = []
    for ticket in tickets:
        level = vip.level_for(ticket.customer)
        facts = facts_for(ticket)
        if level is not None and facts.vip_level != level.slug:
            facts = replace(facts, vip_level=level.slug)
        fresh = Ticket(**{f.attname: getattr(ticket, f.attname) for f in Ticket._meta.concrete_fields})
        fresh.tier_id, fresh.team_id, fresh.assignee_id, fresh.handled_by_ai = None, None, None, False
        fresh.priority = Ticket.Priority.NORMAL
        plan = plan_route(fresh, facts, rules=rules, trigger="dry_run", context=context)
        actual = "AI" if ticket.handled_by_ai else (str(ticket.tier) if ticket.tier_id else "unrouted")
        rows.append(DryRunRow(ticket=ticket, plan=plan, actual=actual, actual_priority=ticket.priority))
    return rows
