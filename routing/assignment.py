"""Assignment within a team: the available agent of the ticket's tier (or above) with the skill
and free capacity and the fewest open tickets; ties go to the one assigned longest ago (round
robin). A specialist-tier ticket never goes to a frontline agent, even when that agent sits in
the ticket's team (``tickets.permissions.check_tier`` holds people to the same rule).

Locks, so two workers or two requests never assign a ticket twice nor push an agent past
capacity: the ticket row is taken ``FOR UPDATE SKIP LOCKED`` (a ticket another worker holds is
skipped, not waited on), then the chosen agent's profile row is locked the same way and the
agent's open tickets are counted again *after* the lock, in a fresh snapshot. The assignment
itself is ``tickets.actions.assign_ticket``.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from helpdesk.errors import InvalidInput
from helpdesk.queue import enqueue_on_commit
from routing.models import AgentProfile, Team, Tier
from tickets import actions, events
from tickets.models import Ticket, TicketEvent
from tickets.queries import GENERAL_TIER_RANK

User = get_user_model()


def open_load() -> Subquery:
    """Open tickets assigned to the profile's user (a correlated count, index-backed)."""
    return Coalesce(
        Subquery(
            Ticket.objects.filter(assignee_id=OuterRef("user_id"), status__in=Ticket.OPEN_STATUSES)
            .order_by()
            .values("assignee_id")
            .annotate(n=Count("id"))
            .values("n")[:1]
        ),
        Value(0),
    )


def tier_fits(tier_rank: int | None) -> Q:
    """Agents who may hold a ticket of a tier of ``tier_rank``: above the general queue, people of
    that tier or higher (an agent without a tier counts as general); at or below it, anyone."""
    if tier_rank is None or tier_rank <= GENERAL_TIER_RANK:
        return Q()
    return Q(tier__rank__gte=tier_rank)


def _lock_agent(
    team_id: int, issue_type: str, exclude: list[int], tier_rank: int | None = None
) -> AgentProfile | None:
    """Lock the least-loaded eligible agent of the team, skipping agents other workers hold."""
    skill = Q(skills=[]) | Q(skills__contains=[issue_type]) if issue_type else Q()
    return (
        AgentProfile.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(skill, tier_fits(tier_rank))
        .filter(team_id=team_id, availability=AgentProfile.Availability.ONLINE, user__is_active=True)
        .exclude(pk__in=exclude)
        .annotate(load=open_load())
        .filter(load__lt=F("capacity"))
        .select_related("user")
        .order_by("load", F("last_assigned_at").asc(nulls_first=True), "pk")
        .first()
    )


def _current_load(user_id: int) -> int:
    return Ticket.objects.filter(assignee_id=user_id, status__in=Ticket.OPEN_STATUSES).count()


def _assign_locked(ticket: Ticket) -> AbstractBaseUser | None:
    """Assign a locked, unassigned ticket to the best agent of its team; None when nobody is free."""
    tried: list[int] = []
    tier_rank = (
        Tier.objects.filter(pk=ticket.tier_id).values_list("rank", flat=True).first()
        if ticket.tier_id
        else None
    )
    while True:
        profile = _lock_agent(ticket.team_id, ticket.issue_type, tried, tier_rank)
        if profile is None:
            return None
        if _current_load(profile.user_id) >= profile.capacity:
            tried.append(profile.pk)
            continue
        actions.assign_ticket(ticket, agent=profile.user, actor=None, actor_kind="system")
        profile.last_assigned_at = timezone.now()
        profile.save(update_fields=["last_assigned_at"])
        return profile.user


def _assignable() -> Q:
    # A snoozed ticket is not waiting for anyone (tickets.snooze): it is assigned once it wakes.
    return Q(
        status=Ticket.Status.OPEN,
        assignee__isnull=True,
        handled_by_ai=False,
        team__isnull=False,
        snoozed_at__isnull=True,
    )


@transaction.atomic
def assign_ticket_to_available_agent(ticket: Ticket) -> AbstractBaseUser | None:
    """Assign ``ticket`` in its team if it is still waiting and someone is free; else None.

    Safe to call from several workers at once: a ticket another worker holds is skipped.
    """
    locked = (
        Ticket.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(_assignable(), pk=ticket.pk)
        .first()
    )
    if locked is None:
        return None
    return _assign_locked(locked)


@transaction.atomic
def assign_next_ticket(team: Team) -> Ticket | None:
    """Assign the most urgent waiting ticket of ``team`` (priority, then SLA due, then age).

    Returns the assigned ticket, or None when the queue is empty or nobody has capacity.
    """
    queue = (
        Ticket.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(_assignable(), team=team)
        .order_by("-priority", F("sla_due_at").asc(nulls_last=True), "created_at")
    )
    ticket = queue.first()
    if ticket is None:
        return None
    return ticket if _assign_locked(ticket) else None


def fill_team(team: Team, *, limit: int = 200) -> int:
    """Assign waiting tickets of ``team`` until the queue or the capacity runs out."""
    assigned = 0
    while assigned < limit and assign_next_ticket(team) is not None:
        assigned += 1
    return assigned


@transaction.atomic
def set_availability(
    agent_user: AbstractBaseUser, availability: str, *, actor: AbstractBaseUser | None
) -> AgentProfile:
    """Set an agent online, away or offline.

    Going offline releases the agent's unstarted tickets (no reply from them since they were
    assigned) back to the team queue, where others pick them up; coming online pulls waiting
    tickets from the queue.
    """
    if availability not in AgentProfile.Availability.values:
        raise InvalidInput(
            f"Unknown availability {availability!r}; use online, away or offline.", field="availability"
        )
    profile, _ = AgentProfile.objects.select_for_update().get_or_create(user=agent_user)
    if profile.availability == availability:
        return profile
    profile.availability = availability
    profile.availability_changed_at = timezone.now()
    profile.save(update_fields=["availability", "availability_changed_at"])
    if availability == AgentProfile.Availability.OFFLINE:
        unstarted = Ticket.objects.filter(assignee=agent_user, status=Ticket.Status.OPEN).filter(
            Q(last_agent_message_at__isnull=True) | Q(last_agent_message_at__lt=F("assigned_at"))
        )
        released = []
        for ticket in unstarted.select_for_update(of=("self",)):
            actions.assign_ticket(ticket, agent=None, actor=actor)
            events.record(
                ticket,
                TicketEvent.Kind.ROUTED,
                actor=actor,
                data={"trigger": "agent_offline", "released_from": agent_user.pk},
            )
            released.append(ticket.pk)
            enqueue_on_commit("routing.jobs.assign_ticket", ticket.pk)
    elif availability == AgentProfile.Availability.ONLINE and profile.team_id:
        enqueue_on_commit("routing.jobs.fill_team", profile.team_id)
    return profile
