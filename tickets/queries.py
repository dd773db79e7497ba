"""Reads that matter: who may see which ticket, and the querysets behind lists.

``access_ticket`` is the only way a view or API endpoint gets a ticket: it raises 404 both
for a missing ticket and for one the user may not see, so ids cannot be probed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from django.apps import apps
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Left
from django.http import Http404
from django.utils import timezone

from tickets.models import (
    Customer,
    Message,
    SavedView,
    Ticket,
    TicketEvent,
    TicketQuerySet,
    TicketRead,
)
from tickets.roles import (
    ROLE_ADMIN,
    ROLE_AGENT,
    ROLE_INTEGRATION,
    ROLE_LADDER,
    ROLE_MANAGER,
    ROLE_SENIOR,
    decidable_roles,
    has_role,
    is_support_staff,
    roles_of,
    sees_all_tickets,
    users_holding,
)

# The role names and checks live in ``tickets.roles``; they stay importable from here.
__all__ = [
    "ROLE_ADMIN",
    "ROLE_AGENT",
    "ROLE_INTEGRATION",
    "ROLE_LADDER",
    "ROLE_MANAGER",
    "ROLE_SENIOR",
    "decidable_roles",
    "has_role",
    "roles_of",
    "sees_all_tickets",
]


# Agents, senior agents, managers and admins: the people who may own a ticket.
is_staff_member = is_support_staff


def assignable_agents() -> QuerySet:
    """Active users who may be a ticket's assignee."""
    return users_holding(ROLE_AGENT)


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
SORTS: dict[str, tuple[Any, ...]] = {
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


def default_view(user: AbstractBaseUser) -> str:
    """Where the inbox opens: the team queue for agents in a team; "All open" for managers and
    admins (they oversee every queue) and for anyone without a team."""
    profile = _profile(user)
    if sees_all_tickets(user) or profile is None or not profile.team_id:
        return "all"
    return "team"


def escalated_to(user: AbstractBaseUser) -> Q:
    """Escalations waiting for the user: tickets in the user's tier above the general queue that
    an escalation moved there and nobody of that tier has answered since (the escalation is not
    acknowledged), unassigned or assigned to the user. A manager without a profile stands for the
    "manager" tier.

    "My team's queue" is every ticket of the team; this is the part of it that was handed up and
    still waits for this tier's first answer, so the two differ as soon as a tier answers.
    Routing owns ``Escalation``; it is looked up through the app registry. Indexed by
    ``escalation_ticket_idx``.
    """
    profile = _profile(user)
    if profile is not None and profile.tier_id:
        in_tier = Q(tier_id=profile.tier_id, tier__rank__gt=GENERAL_TIER_RANK)
    elif has_role(user, ROLE_MANAGER, ROLE_ADMIN):
        in_tier = Q(tier__slug="manager")
    else:
        return NOTHING
    escalation = apps.get_model("routing", "Escalation")
    waiting = escalation.objects.filter(
        ticket=OuterRef("pk"), direction="up", to_tier_id=OuterRef("tier_id"), acknowledged_at__isnull=True
    )
    return in_tier & Q(Exists(waiting)) & (Q(assignee__isnull=True) | Q(assignee_id=user.pk))


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
            cast(Any, user)._sla_warning_share = share
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


def search_tickets(queryset: QuerySet[Ticket], text: str, *, estimate: bool = True) -> QuerySet[Ticket]:
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

    ``estimate=False`` skips the ``EXPLAIN`` and takes the second plan: the sidebar's counts of
    personal views stop at their cap anyway, and stay one statement however many views search.
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
    if not estimate or _estimated_rows(bodies) > COMMON_TERM_MESSAGES:
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


def _apply_filters(
    queryset: QuerySet[Ticket], filters: InboxFilters, *, estimate: bool = True
) -> QuerySet[Ticket]:
    queryset = (
        queryset.filter(status=filters.status) if filters.status else cast(TicketQuerySet, queryset).open()
    )
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
    return search_tickets(queryset, filters.q, estimate=estimate)


# The one-line preview of the last customer message: this many characters are read per row.
PREVIEW_CHARS = 160


def with_list_columns(queryset: QuerySet[Ticket], user: AbstractBaseUser) -> QuerySet[Ticket]:
    """What each inbox row shows besides the ticket's own columns, computed in the row's query:

    - ``preview``: the start of the last customer message (``message_ticket_idx``, one row);
    - ``waiting_since``: the customer's last message when no agent or AI reply came after it
      (NULL once a reply went out after it, or when nothing came in);
    - ``is_unread``: a customer message came in after ``user`` last opened the ticket
      (``TicketRead``, by its unique (user, ticket) index).
    """
    last_inbound = (
        Message.objects.filter(
            ticket_id=OuterRef("pk"), direction=Message.Direction.INBOUND, is_internal=False
        )
        .order_by("-created_at", "-id")
        .values("body")[:1]
    )
    read = TicketRead.objects.filter(
        user_id=user.pk, ticket_id=OuterRef("pk"), read_at__gte=OuterRef("last_customer_message_at")
    )
    unanswered = Q(last_customer_message_at__isnull=False) & (
        Q(last_agent_message_at__isnull=True) | Q(last_agent_message_at__lt=F("last_customer_message_at"))
    )
    return queryset.annotate(
        preview=Left(Subquery(last_inbound), PREVIEW_CHARS),
        waiting_since=Case(
            When(unanswered, then=F("last_customer_message_at")),
            default=Value(None),
            output_field=DateTimeField(),
        ),
        is_unread=Case(
            When(last_customer_message_at__isnull=True, then=Value(False)),
            default=~Exists(read),
            output_field=BooleanField(),
        ),
    )


def inbox_for(
    user: AbstractBaseUser, view: str = "all", filters: InboxFilters | None = None
) -> QuerySet[Ticket]:
    """The rows of one saved view for ``user``, filtered and sorted (SLA due first by default).

    Scoped by ``visible_tickets``, so no view shows a ticket the user may not open. Rows carry
    what the inbox shows (customer, assignee, tier, team, preview, waiting since, unread) in the
    same query.
    """
    filters = filters or InboxFilters()
    queryset = _with_sla_warning(visible_tickets(user), user)
    queryset = _apply_filters(queryset, filters).filter(
        _view_condition(user, view, timezone.now()), _snooze_scope(view)
    )
    return with_list_columns(
        queryset.select_related("customer", "assignee", "tier", "team")
        .defer(*LIST_DEFERRED)
        .order_by(*SORTS.get(filters.sort, SORTS["sla"])),
        user,
    )


def view_counts(
    user: AbstractBaseUser,
    *,
    cap: int = COUNT_CAP,
    personal: list[tuple[str, str, InboxFilters]] | tuple = (),
) -> dict[str, int]:
    """Open tickets per saved view for ``user``, each counted up to ``cap``, in one query.

    ``personal`` adds (key, base view, filters) triples, the user's personal views, to the same
    statement. Counting stops at ``cap`` (the inbox shows "1,000+"), so the cost is bounded by
    the cap and the indexes of each view, not by the size of the backlog.
    """
    now = timezone.now()
    visible = _with_sla_warning(visible_tickets(user), user)
    queryset = cast(TicketQuerySet, visible).open().order_by()
    counted: list[tuple[str, QuerySet]] = [
        (slug, queryset.filter(_view_condition(user, slug, now), _snooze_scope(slug)))
        for slug, _ in SAVED_VIEWS
    ]
    for key, view, filters in personal:
        rows = _apply_filters(visible, filters, estimate=False).order_by()
        counted.append((key, rows.filter(_view_condition(user, view, now), _snooze_scope(view))))
    parts, params = [], []
    for key, rows in counted:
        sql, view_params = rows.values("pk")[:cap].query.sql_with_params()
        parts.append(f"SELECT %s AS slug, (SELECT COUNT(*) FROM ({sql}) AS capped) AS n")
        params.extend([key, *view_params])
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        counts = dict(cursor.fetchall())
    return {key: counts[key] for key, _ in counted}


def personal_views(user: AbstractBaseUser) -> list[SavedView]:
    """The user's own views in their order, then the views teammates shared with the user's team."""
    if not user.is_authenticated:
        return []
    profile = _profile(user)
    scope = Q(owner_id=user.pk)
    if profile is not None and profile.team_id:
        scope |= Q(shared_with_team=True, team_id=profile.team_id)
    views = SavedView.objects.filter(scope).select_related("owner")
    return sorted(views, key=lambda v: (v.owner_id != user.pk, v.position, v.pk))


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
