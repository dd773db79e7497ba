"""Routing models, one module per concept, re-exported here."""

from routing.models.org import AgentProfile, Team, Tier

__all__ = ["AgentProfile", "Team", "Tier"]
