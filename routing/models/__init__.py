"""Routing models, one module per concept, re-exported here."""

from routing.models.config import IssueType, Thresholds
from routing.models.org import AgentProfile, Team, Tier
from routing.models.policies import Policy, PolicyVersion

__all__ = ["AgentProfile", "IssueType", "Policy", "PolicyVersion", "Team", "Thresholds", "Tier"]
