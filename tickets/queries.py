"""Reads that matter: who may see which ticket, and the querysets behind lists.

``access_ticket`` is the only way a view or API endpoint gets a ticket: it raises 404 both
for a missing ticket and for one the user may not see, so ids cannot be probed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import (
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.http import Http404
from django.utils import timezone

from tickets.models import Customer, Message, Notification, Ticket, TicketEvent

ROLE_AGENT = "agent"
ROLE_SENIOR = "senior agent"
ROLE_MANAGER = "manager"
ROLE_ADMIN = "admin"
ROLE_INTEGRATION = "integration"


def has_role(user: AbstractBaseUser, *roles: str) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    names = getattr(user, "_role_names", None)
    if names is None:
        names = set(user.groups.values_list("name", flat=True))
        user._role_names = names
    return bool(names & set(roles))


def sees_all_tickets(user: AbstractBaseUser) -> bool:
    return has_role(user, ROLE_ADMIN, ROLE_MANAGER, ROLE_INTEGRATION)


def is_staff_member(user: AbstractBaseUser) -> bool:
    """Agents, senior agents, managers and admins: the people who may own a ticket."""
    return has_role(user, ROLE_AGENT, ROLE_SENIOR, ROLE_MANAGER, ROLE_ADMIN)


def assignable_agents() -> QuerySet:
    """Active users who may be a ticket's assignee."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(
            Q(is_superuser=True) | Q(groups__name__in=[ROLE_AGENT, ROLE_SENIOR, ROLE_MANAGER, ROLE_ADMIN])
        )
        .distinct()
    )


def visible_tickets(user: AbstractBaseUser) -> QuerySet[Ticket]:
    """Tickets ``user`` may see: admins, managers and integrations all; agents their team's queue,
    their tier's escalations and what is assigned to them."""
    tickets = Ticket.objects.all()
    if not user.is_authenticated:
        return tickets.none()
    if sees_all_tickets(user):
        return tickets
    profile = getattr(user, "agent_profile", None)
    scope = Q(assignee=user)
    if profile is not None:
        if profile.team_id:
            scope |= Q(team_id=profile.team_id)
        if profile.tier_id:
            scope |= Q(tier_id=profile.tier_id)
    if has_role(user, ROLE_SENIOR):
        # A senior agent also sees the tickets waiting for an approval their role may give.
        scope |= awaiting_approval_by(user)
    return tickets.filter(scope)


def access_ticket(user: AbstractBaseUser, ticket_id: int | str, *, for_update: bool = False) -> Ticket:
    """The ticket ``ticket_id`` if ``user`` may see it; ``Http404`` otherwise."""
    try:
        pk = int(ticket_id)
    except (TypeError, ValueError):
        raise Http404("No such ticket.") from None
    queryset = visible_tickets(user).select_related(
        "customer", "order", "assignee", "tier", "team", "root_cause"
    )
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    ticket = queryset.filter(pk=pk).first()
    if ticket is None:
        raise Http404("No such ticket.")
    return ticket


def ticket_list(user: AbstractBaseUser) -> QuerySet[Ticket]:
    """The API's ticket list: visible tickets with what each row shows, in one query per page."""
    return visible_tickets(user).select_related("customer", "assignee", "tier", "team")


def ticket_detail(user: AbstractBaseUser) -> QuerySet[Ticket]:
    return (
        ticket_list(user)
        .select_related("order", "root_cause")
        .prefetch_related(
            Prefetch(
                "messages", queryset=Message.objects.select_related("author").prefetch_related("attachments")
            ),
            Prefetch("events", queryset=TicketEvent.objects.select_related("actor")),
        )
    )


# --- the agent inbox ----------------------------------------------------------------------------

# Saved views in the order the inbox lists them: (slug, label).
SAVED_VIEWS: tuple[tuple[str, str], ...] = (
    ("mine", "Mine"),
    ("team", "My team's queue"),
    ("unassigned", "Unassigned"),
    ("escalated", "Escalated to me"),
    ("approval", "Awaiting my approval"),
    ("sla_risk", "SLA at risk"),
    ("vip", "VIP"),
    ("all", "All open"),
    ("snoozed", "Snoozed"),
)
SAVED_VIEW_LABELS = dict(SAVED_VIEWS)
# The general queue's rank (DESIGN: 0 AI, 1 general); a ticket sitting above it was escalated there.
GENERAL_TIER_RANK = 1
# Matches no row but still compiles to SQL (``pk__in=[]`` raises EmptyResultSet when compiled).
NOTHING = Q(pk__isnull=True)
# Counts and page totals stop here; beyond it the inbox says "1,000+" (agents filter, not page).
COUNT_CAP = 1000
SORTS = {
    # Matches the partial index ticket_open_sla_idx (migration 0007) for open tickets.
    "sla": (F("sla_due_at").asc(nulls_last=True), "id"),
    "newest": ("-created_at", "-id"),
    "oldest": ("created_at", "id"),
}


# Columns no list shows (the AI brief and draft are kilobytes a ticket): lists leave them unread.
LIST_DEFERRED = ("ai_brief", "ai_draft", "ai_summary", "resolution_note", "customer__notes")


@dataclass(frozen=True)
class InboxFilters:
    """Narrowing on top of a saved view; empty fields do not filter.

    ``status`` replaces the views' "open" scope (so "All open" + status=resolved lists resolved
    tickets); ``q`` is a full-text search over subject, message bodies and the customer.
    """

    status: str = ""
    stage: str = ""
    issue_type: str = ""
    priority: int | None = None
    channel: str = ""
    tier: int | None = None
    team: int | None = None
    tag: str = ""
    q: str = ""
    sort: str = "sla"


def _profile(user: AbstractBaseUser):
    return getattr(user, "agent_profile", None) if user.is_authenticated else None


def roles_of(user: AbstractBaseUser) -> set[str]:
    """The user's role names (superusers hold every role); cached on the user like ``has_role``."""
    if not user.is_authenticated:
        return set()
    if user.is_superuser:
        return {ROLE_AGENT, ROLE_SENIOR, ROLE_MANAGER, ROLE_ADMIN}
    has_role(user, ROLE_AGENT)
    return set(user._role_names)


def default_view(user: AbstractBaseUser) -> str:
    """Where the inbox opens: the team queue for agents in a team; "All open" for managers and
    admins (they oversee every queue) and for anyone without a team."""
    profile = _profile(user)
    if sees_all_tickets(user) or profile is None or not profile.team_id:
        return "all"
    return "team"


def escalated_to(user: AbstractBaseUser) -> Q:
    """Tickets sitting in the user's tier above the general queue (a manager without a profile
    stands for the "manager" tier)."""
    profile = _profile(user)
    if profile is not None and profile.tier_id:
        return Q(tier_id=profile.tier_id, tier__rank__gt=GENERAL_TIER_RANK)
    if has_role(user, ROLE_MANAGER, ROLE_ADMIN):
        return Q(tier__slug="manager")
    return NOTHING


ROLE_LADDER = (ROLE_AGENT, ROLE_SENIOR, ROLE_MANAGER, ROLE_ADMIN)


def decidable_roles(user: AbstractBaseUser) -> list[str]:
    """Approval roles ``user`` may decide: their highest role and every role below it."""
    held = roles_of(user)
    ranks = [ROLE_LADDER.index(role) for role in held if role in ROLE_LADDER]
    return list(ROLE_LADDER[1 : max(ranks) + 1]) if ranks else []


def awaiting_approval_by(user: AbstractBaseUser) -> Q:
    """Tickets with a pending approval addressed to the user's role or one below it.

    Routing owns ``Approval``; it is looked up through the app registry (no import of routing
    from tickets). Indexed by ``approval_ticket_idx`` (ticket, status).
    """
    roles = decidable_roles(user)
    if not roles:
        return NOTHING
    approval = apps.get_model("routing", "Approval")
    pending = approval.objects.filter(ticket=OuterRef("pk"), status="pending", role__in=roles)
    return Q(Exists(pending))


def _view_condition(user: AbstractBaseUser, view: str, now: datetime) -> Q:
    profile = _profile(user)
    if view == "mine":
        return Q(assignee_id=user.pk)
    if view == "team":
        return Q(team_id=profile.team_id) if profile is not None and profile.team_id else NOTHING
    if view == "unassigned":
        return Q(assignee__isnull=True, handled_by_ai=False)
    if view == "escalated":
        return escalated_to(user)
    if view == "approval":
        return awaiting_approval_by(user)
    if view == "sla_risk":
        return Q(sla_breached=True) | Q(sla_due_at__lte=now) | Q(_sla_warn_at__lte=now)
    if view == "vip":
        return ~Q(_customer_vip="")
    return Q()


def _snooze_scope(view: str) -> Q:
    """Snoozed tickets (``tickets.snooze``) are listed under "Snoozed" and in no working view."""
    return Q(snoozed_at__isnull=view != "snoozed")


def _with_sla_warning(queryset: QuerySet[Ticket], user: AbstractBaseUser) -> QuerySet[Ticket]:
    from routing.models import Thresholds  # config read, not logic: the admin-tunable warning share

    # Read once per request: the user object lives as long as the request (like ``_role_names``).
    share = getattr(user, "_sla_warning_share", None)
    if share is None:
        share = float(Thresholds.current().sla_warning_share)
        if user.is_authenticated:
            user._sla_warning_share = share
    return queryset.alias(
        _sla_warn_at=ExpressionWrapper(
            F("first_message_at") + (F("sla_due_at") - F("first_message_at")) * share,
            output_field=DateTimeField(),
        ),
        # The VIP view looks up each listed ticket's customer by primary key. As a join the
        # planner hashes every customer (a scan that grows with the customer base) for what is
        # a few thousand open tickets at most.
        _customer_vip=Subquery(Customer.objects.filter(pk=OuterRef("customer_id")).values("vip_level")[:1]),
    )


# Above this many estimated matching messages a search term is "common": checking each listed
# ticket beats collecting every match in the database (see ``search_tickets``).
COMMON_TERM_MESSAGES = 20_000


def search_tickets(queryset: QuerySet[Ticket], text: str) -> QuerySet[Ticket]:
    """Full-text search over subject, message bodies and customer name/email.

    Two plans, picked by how common the term is (PostgreSQL's own estimate from the GIN
    index's statistics, one ``EXPLAIN``):

    - a rare term (an order number, a name) collects the matching tickets from the GIN
      expression indexes (migration 0005; the expressions here must stay identical to the
      indexed ones), a handful of rows;
    - a common term ("refund") would collect hundreds of thousands of matches across the
      history, so each ticket of the (open, SLA-ordered) list is checked instead: its subject,
      its messages through the ticket index, its customer; the list stops at its page and the
      count at its cap.
    """
    text = text.strip()
    if not text:
        return queryset
    english = SearchQuery(text, search_type="websearch", config="english")
    simple = SearchQuery(text, search_type="websearch", config="simple")
    bodies = Message.objects.annotate(_v=SearchVector("body", config="english")).filter(_v=english).order_by()
    customers = (
        Customer.objects.annotate(_v=SearchVector("name", "email", config="simple"))
        .filter(_v=simple)
        .order_by()
    )
    if _estimated_rows(bodies) > COMMON_TERM_MESSAGES:
        return queryset.alias(_subject_v=SearchVector("subject", config="english")).filter(
            Q(_subject_v=english)
            | Exists(bodies.filter(ticket_id=OuterRef("pk")))
            | Exists(customers.filter(pk=OuterRef("customer_id")))
        )
    by_subject = (
        Ticket.objects.annotate(_v=SearchVector("subject", config="english")).filter(_v=english).values("pk")
    )
    return queryset.filter(
        Q(pk__in=by_subject)
        | Q(pk__in=bodies.values("ticket_id"))
        | Q(customer_id__in=customers.values("pk"))
    )


def _estimated_rows(queryset: QuerySet) -> float:
    """The planner's row estimate for ``queryset`` (planning only, nothing is read)."""
    sql, params = queryset.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return plan[0]["Plan"]["Plan Rows"]


def _apply_filters(queryset: QuerySet[Ticket], filters: InboxFilters) -> QuerySet[Ticket]:
    queryset = queryset.filter(status=filters.status) if filters.status else queryset.open()
    exact = {
        "stage": filters.stage,
        "issue_type": filters.issue_type,
        "priority": filters.priority,
        "channel": filters.channel,
        "tier_id": filters.tier,
        "team_id": filters.team,
    }
    queryset = queryset.filter(**{k: v for k, v in exact.items() if v not in ("", None)})
    if filters.tag:
        queryset = queryset.filter(tags__contains=[filters.tag])
    return search_tickets(queryset, filters.q)


def inbox_for(
    user: AbstractBaseUser, view: str = "all", filters: InboxFilters | None = None
) -> QuerySet[Ticket]:
    """The rows of one saved view for ``user``, filtered and sorted (SLA due first by default).

    Scoped by ``visible_tickets``, so no view shows a ticket the user may not open. Rows carry
    what the inbox shows (customer, assignee, tier, team) in the same query.
    """
    filters = filters or InboxFilters()
    queryset = _with_sla_warning(visible_tickets(user), user)
    queryset = _apply_filters(queryset, filters).filter(
        _view_condition(user, view, timezone.now()), _snooze_scope(view)
    )
    return (
        queryset.select_related("customer", "assignee", "tier", "team")
        .defer(*LIST_DEFERRED)
        .order_by(*SORTS.get(filters.sort, SORTS["sla"]))
    )


def view_counts(user: AbstractBaseUser, *, cap: int = COUNT_CAP) -> dict[str, int]:
    """Open tickets per saved view for ``user``, each counted up to ``cap``, in one query.

    Counting stops at ``cap`` (the inbox shows "1,000+"), so the cost is bounded by the cap and
    the indexes of each view, not by the size of the backlog.
    """
    now = timezone.now()
    queryset = _with_sla_warning(visible_tickets(user), user).open().order_by()
    parts, params = [], []
    for slug, _ in SAVED_VIEWS:
        sql, view_params = (
            queryset.filter(_view_condition(user, slug, now), _snooze_scope(slug))
            .values("pk")[:cap]
            .query.sql_with_params()
        )
        parts.append(f"SELECT %s AS slug, (SELECT COUNT(*) FROM ({sql}) AS capped) AS n")
        params.extend([slug, *view_params])
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        counts = dict(cursor.fetchall())
    return {slug: counts[slug] for slug, _ in SAVED_VIEWS}


def unread_notifications(user: AbstractBaseUser, *, limit: int = 10) -> list[Notification]:
    return list(Notification.objects.unread().filter(recipient=user).select_related("ticket")[:limit])


def customer_context(ticket: Ticket) -> dict:
    """The customer sidebar: recent orders and past tickets, two bounded queries."""
    orders = list(ticket.customer.orders.all()[:5])
    past = list(
        Ticket.objects.filter(customer_id=ticket.customer_id)
        .exclude(pk=ticket.pk)
        .select_related("root_cause")
        .order_by("-created_at")[:8]
    )
    return {"orders": orders, "past_tickets": past}
