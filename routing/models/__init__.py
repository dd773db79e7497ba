"""Routing models, one module per concept, re-exported here."""

from routing.models.config import IssueType, Thresholds
from routing.models.org import AgentProfile, Team, Tier
from routing.models.policies import Policy, PolicyVersion
from routing.models.triage import ClassificationOverride, TrainedModel, TriagedTicket, TriageResult

__all__ = [
    "AgentProfile",
    "ClassificationOverride",
    "IssueType",
    "Policy",
    "PolicyVersion",
    "Team",
    "Thresholds",
    "Tier",
    "TrainedModel",
    "TriageResult",
    "TriagedTicket",
]
