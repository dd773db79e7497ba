"""Follow-up and channel models, one module per concept, re-exported here."""

from followups.models.channels import (
    ChatSession,
    WebhookDelivery,
    WebhookSource,
    WebhookSubscription,
    WidgetSite,
)
from followups.models.followups import CsatResponse, FollowUp, FollowUpTemplate

__all__ = [
    "ChatSession",
    "CsatResponse",
    "FollowUp",
    "FollowUpTemplate",
    "WebhookDelivery",
    "WebhookSource",
    "WebhookSubscription",
    "WidgetSite",
]
