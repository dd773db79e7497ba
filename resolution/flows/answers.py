"""Policy and product questions: quote the sentence of the current policy, or of the product's
own description (``store.Product``), that answers the question; nothing relevant found means no
AI reply."""

from __future__ import annotations

import re

from resolution import records
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
    """The sentence of the product's own description (a ``store.Product`` record) that answers
    the question; a product not on record, or a description that does not answer it, falls back
    to the policies (warranty, returns...)."""
    answer = Answer(flow="product_answer")
    lines = []
    for product in records.products_named(context.question):
        # The product's name is in both texts: only the rest of the question may pick the sentence.
        asked = re.sub(re.escape(product.title), " ", context.question, flags=re.IGNORECASE)
        found = passages.best_sentences(asked, product.description, limit=1)
        if not found:
            continue
        answer.facts += [
            Fact("product", product.title, product.source, "product"),
            Fact("passage", found[0], product.source, "product description"),
        ]
        lines.append(f"About the {product.title}, from its product description: “{found[0]}”")
    if not lines:
        return _quote(context, "product_answer")
    answer.body = "\n\n".join([greeting(context), *lines, closing()])
    return answer
