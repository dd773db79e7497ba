"""The facts the rules see about a ticket, and the evaluation of one rule against them.

Evaluation is pure over ``Facts`` (the dry run evaluates unsaved rules the same way); each matched
condition returns a line naming the value that satisfied it, which becomes the explanation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from routing import config
from routing.models import RoutingRule, TeamPressure, Thresholds
from routing.models.rules import URGENCY_ORDER
from tickets.models import Ticket


@dataclass(frozen=True)
class Facts:
    issue_type: str = ""
    sentiment_score: float | None = None
    urgency: str = ""
    amount_at_stake: Decimal | None = None
    channel: str = ""
    vip_level: str = ""
    signals: tuple[str, ...] = ()
    repeat_complaint: bool = False
    confidence: float | None = None
    # Thresholds read at routing time, so editing them changes the next decision.
    approval_amount: Decimal = Decimal("100")
    high_emotion_sentiment: float = -0.6
    sla_warning_share: Decimal = Decimal("0.75")
    teams_under_pressure: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_vip(self) -> bool:
        return bool(self.vip_level)

    @property
    def high_emotion(self) -> bool:
        return self.sentiment_score is not None and self.sentiment_score <= self.high_emotion_sentiment

    @property
    def money_above_threshold(self) -> bool:
        return self.amount_at_stake is not None and self.amount_at_stake > self.approval_amount

    def as_json(self) -> dict:
        data = asdict(self)
        data["teams_under_pressure"] = sorted(self.teams_under_pressure)
        data["signals"] = list(self.signals)
        for key in ("amount_at_stake", "approval_amount", "sla_warning_share"):
            data[key] = str(data[key]) if data[key] is not None else None
        return data


def active_signals(ticket: Ticket) -> tuple[str, ...]:
    """Signals with at least one cue (triage stores ``{"legal": ["lawyer"], ...}``)."""
    signals = ticket.signals or {}
    if isinstance(signals, list):
        return tuple(sorted(signals))
    return tuple(sorted(key for key, cues in signals.items() if cues))


def is_repeat_complaint(ticket: Ticket, *, window_days: int) -> bool:
    """A complaint-type ticket from a customer with another complaint within the window."""
    complaint_types = config.current().complaint_types
    if ticket.issue_type not in complaint_types:
        return False
    since = ticket.created_at - timedelta(days=window_days)
    return (
        Ticket.objects.filter(
            customer_id=ticket.customer_id, issue_type__in=complaint_types, created_at__gte=since
        )
        .exclude(pk=ticket.pk)
        .exists()
        if complaint_types
        else False
    )


def repeat_complaints(tickets: Sequence[Ticket], *, window_days: int) -> set[int]:
    """``is_repeat_complaint`` for many tickets in one query: the ids of those that are."""
    complaint_types = config.current().complaint_types
    candidates = [t for t in tickets if t.issue_type in complaint_types]
    if not candidates:
        return set()
    window = timedelta(days=window_days)
    earliest = min(t.created_at for t in candidates) - window
    seen: dict[int, list[tuple[int, datetime]]] = {}
    for customer_id, pk, created_at in Ticket.objects.filter(
        customer_id__in={t.customer_id for t in candidates},
        issue_type__in=complaint_types,
        created_at__gte=earliest,
    ).values_list("customer_id", "pk", "created_at"):
        seen.setdefault(customer_id, []).append((pk, created_at))
    return {
        t.pk
        for t in candidates
        if any(pk != t.pk and at >= t.created_at - window for pk, at in seen.get(t.customer_id, ()))
    }


def teams_under_pressure() -> frozenset[int]:
    return frozenset(TeamPressure.objects.filter(under_pressure=True).values_list("team_id", flat=True))


def facts_for(
    ticket: Ticket,
    *,
    thresholds: Thresholds | None = None,
    repeat: bool | None = None,
    under_pressure: frozenset[int] | None = None,
) -> Facts:
    """The facts of ``ticket``; ``repeat`` and ``under_pressure`` are passed by callers that read
    them for a whole batch (``repeat_complaints``, ``teams_under_pressure``)."""
    thresholds = thresholds or config.current().thresholds
    signals = active_signals(ticket)
    if "repeat_complaint" in signals:
        repeat = True
    elif repeat is None:
        repeat = is_repeat_complaint(ticket, window_days=thresholds.repeat_complaint_days)
    if repeat and "repeat_complaint" not in signals:
        signals = tuple(sorted({*signals, "repeat_complaint"}))
    vip_level = ticket.customer.vip_level if ticket.customer_id else ""
    if vip_level and "vip" not in signals:
        signals = tuple(sorted({*signals, "vip"}))
    return Facts(
        issue_type=ticket.issue_type,
        sentiment_score=ticket.sentiment_score,
        urgency=ticket.urgency,
        amount_at_stake=ticket.amount_at_stake,
        channel=ticket.channel,
        vip_level=vip_level,
        signals=signals,
        repeat_complaint=repeat,
        confidence=ticket.triage_confidence,
        approval_amount=thresholds.approval_amount,
        high_emotion_sentiment=thresholds.high_emotion_sentiment,
        sla_warning_share=thresholds.sla_warning_share,
        teams_under_pressure=under_pressure if under_pressure is not None else teams_under_pressure(),
    )


def _tri(expected: str, actual: bool) -> bool:
    return (expected == "yes") == actual


def evaluate(rule: RoutingRule, facts: Facts) -> list[dict] | None:
    """The matched conditions of ``rule`` (each ``{"field", "text"}``), or None if one fails."""
    matched: list[dict] = []

    def hit(name: str, text: str) -> None:
        matched.append({"field": name, "text": text})

    if rule.issue_types:
        if facts.issue_type not in rule.issue_types:
            return None
        hit("issue_types", f"issue type is {facts.issue_type} (one of {', '.join(rule.issue_types)})")
    if rule.sentiment_at_most is not None:
        if facts.sentiment_score is None or facts.sentiment_score > rule.sentiment_at_most:
            return None
        hit("sentiment_at_most", f"sentiment {facts.sentiment_score:.2f} ≤ {rule.sentiment_at_most:.2f}")
    if rule.high_emotion:
        if not _tri(rule.high_emotion, facts.high_emotion):
            return None
        hit("high_emotion", f"high emotion: {'yes' if facts.high_emotion else 'no'} "
            f"(sentiment {facts.sentiment_score}, threshold {facts.high_emotion_sentiment})")  # fmt: skip
    if rule.urgency_at_least:
        if facts.urgency not in URGENCY_ORDER or URGENCY_ORDER.index(facts.urgency) < URGENCY_ORDER.index(
            rule.urgency_at_least
        ):
            return None
        hit("urgency_at_least", f"urgency {facts.urgency} ≥ {rule.urgency_at_least}")
    if rule.amount_at_least is not None:
        if facts.amount_at_stake is None or facts.amount_at_stake < rule.amount_at_least:
            return None
        hit("amount_at_least", f"amount at stake {facts.amount_at_stake} ≥ {rule.amount_at_least}")
    if rule.amount_above_approval_threshold:
        if not _tri(rule.amount_above_approval_threshold, facts.money_above_threshold):
            return None
        relation = ">" if facts.money_above_threshold else "not >"
        hit("amount_above_approval_threshold",
            f"amount at stake {facts.amount_at_stake} {relation} approval threshold {facts.approval_amount}")  # fmt: skip
    if rule.channels:
        if facts.channel not in rule.channels:
            return None
        hit("channels", f"channel is {facts.channel}")
    if rule.is_vip:
        if not _tri(rule.is_vip, facts.is_vip):
            return None
        hit("is_vip", f"VIP level {facts.vip_level}" if facts.is_vip else "not a VIP")
    if rule.vip_levels:
        if facts.vip_level not in rule.vip_levels:
            return None
        hit("vip_levels", f"VIP level is {facts.vip_level}")
    if rule.signals_any:
        present = [s for s in rule.signals_any if s in facts.signals]
        if not present:
            return None
        hit("signals_any", f"signal present: {', '.join(present)}")
    if rule.no_signals:
        if facts.signals:
            return None
        hit("no_signals", "no signals")
    if rule.repeat_complaint:
        if not _tri(rule.repeat_complaint, facts.repeat_complaint):
            return None
        hit(
            "repeat_complaint",
            "repeat complaint within the window" if facts.repeat_complaint else "first complaint",
        )
    if rule.confidence_at_least is not None:
        if facts.confidence is None or facts.confidence < rule.confidence_at_least:
            return None
        hit(
            "confidence_at_least",
            f"triage confidence {facts.confidence:.2f} ≥ {rule.confidence_at_least:.2f}",
        )
    if rule.queue_under_pressure:
        team_id = rule.pressure_team_id or rule.team_id or (rule.tier.team_id if rule.tier_id else None)
        under = team_id in facts.teams_under_pressure
        if not _tri(rule.queue_under_pressure, under):
            return None
        hit("queue_under_pressure", f"queue of team {team_id} {'is' if under else 'is not'} under pressure")
    return matched
