"""The declared payload of every event kind: the one place that says which fields an event carries.

``tickets.events.record`` (and ``build``/``record_many``) refuse a kind that is not declared and a
payload that lacks one of the kind's required fields, so a reader (analytics, the timeline, the
webhooks) can rely on the names written here. ``optional`` fields are written by some writers of
the kind only; readers must treat them as possibly absent.

Apps above ``tickets`` declare their own kinds with ``declare`` at import time of the module that
writes them (``store.actions`` declares ``order_action_requested``...), so ``tickets`` names none of
them.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tickets.models import TicketEvent


class UnknownEventKind(ValueError):
    """An event of a kind nobody declared: declare it with ``tickets.event_kinds.declare``."""


class EventPayloadError(ValueError):
    """An event payload without one of its kind's required fields."""


@dataclass(frozen=True)
class EventKind:
    """One kind of ticket event and the fields its payload carries."""

    kind: str
    required: frozenset[str]
    optional: frozenset[str] = frozenset()

    @property
    def fields(self) -> frozenset[str]:
        return self.required | self.optional

    def check(self, data: Mapping[str, Any]) -> None:
        """Raise ``EventPayloadError`` naming the missing fields when ``data`` lacks a required one."""
        missing = sorted(self.required - set(data))
        if missing:
            raise EventPayloadError(
                f"A {self.kind!r} event needs the field(s) {', '.join(missing)}; "
                f"got {', '.join(sorted(data)) or 'none'}."
            )


_KINDS: dict[str, EventKind] = {}


def declare(kind: str, *, required: Iterable[str] = (), optional: Iterable[str] = ()) -> EventKind:
    """Declare ``kind`` with its payload fields (idempotent when declared again the same way)."""
    spec = EventKind(str(kind), frozenset(required), frozenset(optional))
    existing = _KINDS.get(spec.kind)
    if existing is not None and existing != spec:
        raise ValueError(f"Event kind {spec.kind!r} is already declared with other fields: {existing}.")
    _KINDS[spec.kind] = spec
    return spec


def spec(kind: str) -> EventKind:
    """The declaration of ``kind``; ``UnknownEventKind`` when there is none."""
    try:
        return _KINDS[str(kind)]
    except KeyError:
        raise UnknownEventKind(
            f"Event kind {str(kind)!r} is not declared; declare it with tickets.event_kinds.declare()."
        ) from None


def validate(kind: str, data: Mapping[str, Any]) -> None:
    """Raise when ``kind`` is unknown or ``data`` lacks one of its required fields."""
    spec(kind).check(data)


def declared() -> dict[str, EventKind]:
    """Every declared kind (a copy), for tests and documentation."""
    return dict(_KINDS)


K = TicketEvent.Kind

# Intake and messages.
declare(K.CREATED, required=["channel"], optional=["message_id", "proactive", "rule"])
declare(K.MESSAGE_RECEIVED, required=["message_id", "channel", "reopened"])
declare(K.REPLY_SENT, required=["message_id", "author_kind", "is_auto", "draft_similarity"])
declare(K.REPLY_HELD, required=["message_id", "amount"])
declare(K.NOTE_ADDED, required=["message_id"])
declare(K.DRAFT_DISCARDED, required=["digest", "draft_similarity"])
declare(
    K.DELIVERY_FAILED,
    required=["message_id", "error", "will_retry"],
    optional=["attempt", "retry_at", "bounce"],
)
# Triage and routing.
declare(
    K.TRIAGED,
    required=[
        "backend",
        "model",
        "issue_type",
        "confidence",
        "sentiment",
        "urgency",
        "signals",
        "message_id",
    ],
    optional=["fallback_reason"],
)
declare(K.TRIAGE_FAILED, required=["backend", "reason"])
declare(K.CLASSIFICATION_OVERRIDDEN, required=["field", "old", "new", "reason"])
declare(
    K.ROUTED,
    required=["trigger"],
    optional=["decision_id", "destination", "tier", "team_id", "rule", "why", "notes", "released_from"],
)
declare(K.ASSIGNED, required=["agent_id", "previous_agent_id"])
declare(K.UNASSIGNED, required=["previous_agent_id"])
_MOVE = ["escalation_id", "from_tier", "to_tier", "to_senior", "to_ai", "trigger", "reason"]
declare(K.ESCALATED, required=_MOVE)
declare(K.DEESCALATED, required=_MOVE)
declare(K.APPROVAL_REQUESTED, required=["approval_id", "role", "amount", "reason"])
declare(K.APPROVAL_DECIDED, required=["approval_id", "decision", "amount", "note"], optional=["outcome"])
declare(
    K.AI_ACTION,
    required=["action"],
    optional=[
        "action_rule",
        "message_id",
        "flow",
        "facts",
        "confidence",
        "resolution_id",
        "reason",
        "verdict",
    ],
)
declare(K.AI_ACTION_REVERTED, required=["reason"])
# Ticket state.
declare(K.STATUS_CHANGED, required=["from", "to"])
declare(K.STAGE_CHANGED, required=["from", "to"])
declare(K.PRIORITY_CHANGED, required=["from", "to", "reason"])
declare(K.TAGS_CHANGED, required=["from", "to", "reason"])
declare(K.SLA_WARNING, required=["target", "policy"])
declare(K.SLA_BREACHED, required=["target", "policy"])
declare(K.RESOLVED, required=["root_cause", "root_cause_id", "resolution_method", "reopen_count"])
declare(K.REOPENED, required=["from", "reason", "recovery"])
declare(K.CLOSED, required=["reason"])
declare(K.MERGED, required=["from_customer_id", "into_customer_id"])
# Follow-ups and CSAT.
declare(K.FOLLOWUP_SCHEDULED, required=["followup_id", "due_at", "delay_hours"])
declare(K.FOLLOWUP_SENT, required=["followup_id", "message_id", "channel", "delivered"])
declare(K.FOLLOWUP_CANCELLED, required=["followup_id", "reason"])
declare(
    K.CSAT_RECEIVED,
    required=["score", "csat_id", "followup_id", "is_complaint", "after_recovery", "has_comment"],
)
# The composer: macros that act, the tag editor, a reply sent over a newer one.
declare(K.MACRO_APPLIED, required=["macro_id", "macro_name", "changes"])
declare(K.MACRO_FOLLOWUP_DUE, required=["macro_event_id", "macro_name"])
declare(K.TAGS_EDITED, required=["added", "removed", "tags", "source"])
declare(K.REPLY_COLLISION_OVERRIDDEN, required=["message_id", "newer_message_ids"])
# Snooze, merge and split (``tickets.snooze``, ``tickets.merging``).
declare(K.SNOOZED, required=["until", "until_reply"])
declare(K.UNSNOOZED, required=["reason", "snoozed_at", "snoozed_minutes"])
declare(K.TICKET_MERGED, required=["merge_id", "source_id", "target_id", "messages", "events", "role"])
declare(K.TICKET_MERGE_UNDONE, required=["merge_id", "source_id", "target_id"])
declare(K.TICKET_SPLIT, required=["split_id", "source_id", "new_ticket_id", "message_ids", "role"])
declare(K.TICKET_SPLIT_UNDONE, required=["split_id", "deleted_ticket", "message_ids"])
