"""Routing models, one module per concept, re-exported here."""

from routing.models.config import IssueType, Thresholds
from routing.models.decisions import Approval, Escalation, RoutingDecision, TeamPressure
from routing.models.org import AgentProfile, Team, Tier
from routing.models.policies import Policy, PolicyVersion
from routing.models.rules import ActionRule, RoutingRule, VipLevel, VipRule
from routing.models.sla import BusinessCalendar, BusinessInterval, Holiday, SlaClock, SlaPolicy
from routing.models.triage import ClassificationOverride, TrainedModel, TriagedTicket, TriageResult

__all__ = [
    "ActionRule",
    "AgentProfile",
    "Approval",
    "BusinessCalendar",
    "BusinessInterval",
    "ClassificationOverride",
    "Escalation",
    "Holiday",
    "IssueType",
    "Policy",
    "PolicyVersion",
    "RoutingDecision",
    "RoutingRule",
    "SlaClock",
    "SlaPolicy",
    "Team",
    "TeamPressure",
    "Thresholds",
    "Tier",
    "TrainedModel",
    "TriageResult",
    "TriagedTicket",
    "VipLevel",
    "VipRule",
]
