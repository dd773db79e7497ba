"""Actions of the followups app, one module per concept, re-exported here."""

from followups.actions.chat import mark_seen, post_chat_message, start_chat
from followups.actions.csat import (
    CsatAlreadyAnswered,
    CsatLinkExpired,
    CsatLinkInvalid,
    csat_link,
    followup_for_token,
    record_csat,
)
from followups.actions.delivery import deliver_message, record_bounce
from followups.actions.followups import (
    cancel_followups,
    cancel_followups_after_reopen,
    pick_template,
    render_followup,
    schedule_followup,
    send_due_followups,
    send_followup_now,
)
from followups.actions.inbound import (
    EmailOutcome,
    SignatureRejected,
    UnknownSource,
    receive_customer_message,
    receive_email,
    receive_webhook,
)
from followups.actions.webhooks import (
    create_subscription,
    dispatch_event,
    replay_delivery,
    retry_due_deliveries,
    send_delivery,
)

__all__ = [
    "CsatAlreadyAnswered",
    "CsatLinkExpired",
    "CsatLinkInvalid",
    "EmailOutcome",
    "SignatureRejected",
    "UnknownSource",
    "cancel_followups",
    "cancel_followups_after_reopen",
    "create_subscription",
    "csat_link",
    "deliver_message",
    "dispatch_event",
    "followup_for_token",
    "mark_seen",
    "pick_template",
    "post_chat_message",
    "receive_customer_message",
    "receive_email",
    "receive_webhook",
    "record_bounce",
    "record_csat",
    "render_followup",
    "replay_delivery",
    "retry_due_deliveries",
    "schedule_followup",
    "send_delivery",
    "send_due_followups",
    "send_followup_now",
    "start_chat",
]
