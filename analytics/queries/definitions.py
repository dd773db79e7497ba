"""What each metric means: the definitions shown next to every number, and which tickets make
up each number's drill-down (SQL predicates over the per-ticket rows of ``metrics``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# A draft sent with at least this similarity to the AI's text counts as accepted as-is.
DRAFT_ACCEPTED_SIMILARITY = 0.8


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    kind: str  # "duration", "rate", "score" or "count"
    definition: str


METRICS: tuple[Metric, ...] = (
    Metric(
        "first_response_time",
        "First response time",
        "duration",
        "First inbound message → first public reply by a person or by AI. Auto-acknowledgements and "
        "internal notes do not count; tickets without a reply are left out (and counted as "
        "“no reply yet”). Median and p90, calendar and business hours.",
    ),
    Metric(
        "resolution_time",
        "Resolution time",
        "duration",
        "First inbound message → final resolution (a reopened ticket counts from its first message "
        "to its last resolution). Median and p90, calendar and business hours.",
    ),
    Metric(
        "escalation_rate",
        "Escalation rate",
        "rate",
        "Tickets escalated to a senior or manager tier at least once (a later de-escalation does not "
        "undo it) / tickets created.",
    ),
    Metric(
        "ai_draft_acceptance_rate",
        "AI draft acceptance rate",
        "rate",
        f"AI drafts sent without significant revision (similarity ≥ {DRAFT_ACCEPTED_SIMILARITY} "
        "between the draft and the sent text) / AI drafts that were used or discarded.",
    ),
    Metric(
        "human_override_rate",
        "Human override rate",
        "rate",
        "Tickets whose AI classification an agent changed / tickets the AI classified.",
    ),
    Metric(
        "repeat_complaint_rate",
        "Repeat complaint rate",
        "rate",
        "Customers who contacted support again about the same issue type within the repeat window "
        "(Thresholds, 30 days by default) / customers who contacted support.",
    ),
    Metric(
        "recovery_csat",
        "Recovery CSAT",
        "score",
        "Average CSAT (1–5) of follow-up surveys on complaint tickets (negative sentiment or a "
        "complaint issue type); the share is responses of 4 or 5.",
    ),
    Metric(
        "root_cause_coverage",
        "Root cause coverage",
        "rate",
        "Resolved tickets with a root cause logged / resolved tickets.",
    ),
    Metric("volume", "Volume", "count", "Tickets whose first message falls in the period."),
    Metric("resolution_rate", "Resolution rate", "rate", "Tickets resolved (now) / tickets created."),
    Metric(
        "first_contact_resolution",
        "First-contact resolution",
        "rate",
        "Resolved tickets answered with exactly one public reply and never reopened / resolved tickets.",
    ),
    Metric("csat", "CSAT", "score", "Average CSAT (1–5) of all follow-up surveys; share = 4 or 5."),
    Metric(
        "sla_attainment",
        "SLA attainment",
        "rate",
        "Tickets with an SLA target that met it (answered and resolved by their due times, never "
        "flagged as breached) / tickets with an SLA target.",
    ),
)
METRICS_BY_KEY = {metric.key: metric for metric in METRICS}

# Per metric, which per-ticket rows make up its denominator ("all") and numerator ("hit").
DRILLDOWN: Mapping[str, Mapping[str, str]] = {
    "volume": {"all": "true"},
    "first_response_time": {"all": "frt_s IS NOT NULL", "missing": "frt_s IS NULL"},
    "resolution_time": {"all": "res_s IS NOT NULL"},
    "escalation_rate": {"all": "true", "hit": "escalated"},
    "ai_draft_acceptance_rate": {
        "all": "drafts_used + drafts_discarded > 0",
        "hit": "drafts_accepted > 0",
    },
    "human_override_rate": {"all": "triaged", "hit": "triaged AND overridden"},
    "repeat_complaint_rate": {"all": "true", "hit": "is_repeat"},
    "recovery_csat": {"all": "complaint AND csat_n > 0", "hit": "complaint AND csat_good > 0"},
    "root_cause_coverage": {"all": "resolved", "hit": "resolved AND root_cause_id IS NOT NULL"},
    "resolution_rate": {"all": "true", "hit": "resolved"},
    "first_contact_resolution": {"all": "resolved", "hit": "resolved AND fcr"},
    "csat": {"all": "csat_n > 0", "hit": "csat_good > 0"},
    "sla_attainment": {"all": "has_sla", "hit": "has_sla AND NOT sla_missed"},
}
