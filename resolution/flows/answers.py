"""Policy and product questions: quote the sentence of the current policy (or the product record)
that answers the question; nothing relevant found means no AI reply."""

from __future__ import annotations

from resolution.context import Context
from resolution.facts import Answer, Fact
from resolution.flows.common import closing, greeting
from routing import policies as passages


def _quote(context: Context, flow: str) -> Answer:
    answer = Answer(flow=flow)
    found = passages.find_passages(context.question, context.policies)
    if not found:
        answer.handoff = "no policy passage answers the question"
        return answer
    lines = []
    for passage in found:
        answer.facts.append(Fact("passage", passage.text, passage.source, passage.policy))
        lines.append(f"Our {passage.policy.lower()} says: “{passage.text}”")
    answer.body = "\n\n".join([greeting(context), *lines, closing()])
    return answer


def compose_policy_answer(context: Context) -> Answer:
    return _quote(context, "policy_answer")


def compose_product_answer(context: Context) -> Answer:
    # Product records (description, attributes, stock) come with the store connection; until
    # then a product question is answered only where a policy sentence covers it (warranty...).
    return _quote(context, "product_answer")
