"""Reads other apps rely on: approvals waiting for a user, escalations to a tier, agents' load,
and the routing detail of a ticket. Each is one or a few queries whatever the row count."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch, QuerySet

from routing.assignment import open_load
from routing.models import AgentProfile, Approval, Escalation, RoutingDecision, SlaClock, Tier
from tickets.models import Ticket
from tickets.queries import visible_tickets
from tickets.roles import decidable_roles


def approvals_for(
    user: AbstractBaseUser, *, status: str | None = Approval.Status.PENDING
) -> QuerySet[Approval]:
    """Approvals ``user`` may decide (their role or a lower one), on tickets they may see."""
    approvals = Approval.objects.filter(role__in=decidable_roles(user), ticket__in=visible_tickets(user))
    if status:
        approvals = approvals.filter(status=status)
    return approvals.select_related("ticket", "requested_by", "decided_by").order_by("-requested_at", "-id")


def escalations_to(tier: Tier, *, since=None) -> QuerySet[Escalation]:
    """Escalations into ``tier``, newest first (the receiving tier's inbox of hand-offs)."""
    escalations = Escalation.objects.filter(to_tier=tier, direction=Escalation.Direction.UP)
    if since is not None:
        escalations = escalations.filter(created_at__gte=since)
    return escalations.select_related("ticket", "from_tier", "actor").order_by("-created_at", "-id")


def agents_load(*, team=None) -> QuerySet[AgentProfile]:
    """Agents with ``load`` (open tickets assigned) beside capacity and availability."""
    profiles = AgentProfile.objects.select_related("user", "team", "tier").annotate(load=open_load())
    if team is not None:
        profiles = profiles.filter(team=team)
    return profiles.order_by("team__name", "user__username")


def routing_detail(ticket: Ticket) -> Ticket:
    """The ticket with what "why is it here" needs, prefetched (a fixed number of queries)."""
    return (
        Ticket.objects.select_related("tier", "team", "assignee", "customer")
        .prefetch_related(
            Prefetch(
                "routing_decisions",
                queryset=RoutingDecision.objects.select_related(
                    "tier", "team", "agent", "rule", "sla_policy"
                ).order_by("-created_at", "-id")[:10],
                to_attr="recent_decisions",
            ),
            Prefetch(
                "approvals",
                queryset=Approval.objects.select_related("requested_by", "decided_by").order_by(
                    "-requested_at"
                ),
            ),
            Prefetch(
                "escalations",
                queryset=Escalation.objects.select_related("from_tier", "to_tier", "actor").order_by(
                    "-created_at"
                ),
            ),
            Prefetch("sla_clocks", queryset=SlaClock.objects.order_by("kind")),
        )
        .get(pk=ticket.pk)
    )
