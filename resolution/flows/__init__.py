"""One module per resolution flow; ``FLOWS`` maps an issue type to the flow that answers it."""

from __future__ import annotations

from collections.abc import Callable

from resolution.context import Context
from resolution.facts import Answer
from resolution.flows import answers, cancellation, order_status, refund_status, returns

FLOWS: dict[str, Callable[[Context], Answer]] = {
    "order_status": order_status.compose,
    "refund_request": refund_status.compose,
    "return_request": returns.compose,
    "cancellation": cancellation.compose,
    "policy_question": answers.compose_policy_answer,
    "product_question": answers.compose_product_answer,
}


def compose(context: Context) -> Answer:
    """The answer of the flow for the ticket's issue type (a hand-off when no flow covers it)."""
    flow = FLOWS.get(context.ticket.issue_type)
    if flow is None:
        return Answer(flow="none", handoff=f"No AI flow answers {context.ticket.issue_type or 'this'}.")
    return flow(context)
