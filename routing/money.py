"""What a reply promises in money, read from its words: the money gate's eyes.

``committed_amount`` finds refund and compensation promises in a reply ("We have refunded
900 EUR to your card", "a full refund of ninety euros", "€ 1.250,00 store credit") and returns
what they add up to; ``routing.guards.check_reply`` sums it with what the ticket's earlier
replies promised and compares the total with the approval amount.

The reading leans towards holding: every amount in a sentence that speaks of a refund, a
credit or compensation counts (an order total quoted beside the refund counts too), negations
are not trusted ("we cannot refund 900 EUR" is held like a promise, since "not" is one word an
agent or a prompt-injected draft can slip in), and a full refund of an unknown sum counts as
unbounded. A person approving a held reply costs a minute; money sent wrongly is not undone.
"""

from __future__ import annotations

import re
from decimal import Decimal

from routing.triage.extraction import _AMOUNT, _NUMBER, _parse_number
from routing.triage.extraction import _WORD as CURRENCY_WORD

# A refund or compensation promise, in the languages the store's customers write in.
PROMISE = re.compile(
    r"\b(?:refund\w*|reimburs\w*|compensat\w*|credit\w*|pay(?:ing)? (?:you|back)|paid (?:you|back)"
    r"|money back|goodwill|voucher\w*|gift ?cards?|transfer\w*|chargeback|gutschrift|erstatt\w*"
    r"|rembours\w*|reembols\w*|rimbors\w*|terugbetal\w*)\b",
    re.I,
)
# "A full refund" (of the order, of the amount) with no figure: the whole order is promised.
FULL_REFUND = re.compile(
    r"\b(?:full|complete|entire|whole|100\s?%)\s+(?:refund|reimbursement|amount|price|order)"
    r"|\brefund(?:ed|ing)?\s+(?:you\s+)?(?:in full|everything|the (?:whole|entire|full) (?:order|amount))",
    re.I,
)
SENTENCE = re.compile(r"(?<=[.!?;])\s+|\n+")

_UNITS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90,
}  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_NUMBER_WORD = "|".join(sorted([*_UNITS, *_SCALES], key=len, reverse=True))
# "one hundred and fifty euros", "ninety-nine dollars", "a thousand pounds"
_WORD_AMOUNT = re.compile(
    rf"\b(?P<words>(?:(?:{_NUMBER_WORD})(?:[\s-]+(?:and[\s-]+)?)?)+)\s*(?P<cur>{CURRENCY_WORD})\b", re.I
)


def _words_to_number(words: str) -> Decimal | None:
    """English number words to a number ("one hundred and fifty" -> 150); None if not a number."""
    total, current, seen = 0, 0, False
    for token in re.split(r"[\s-]+", words.lower().strip()):
        if token in ("", "and"):
            continue
        if token in _UNITS:
            current += _UNITS[token]
            seen = True
        elif token == "hundred":
            current = max(current, 1) * 100
            seen = True
        elif token in _SCALES:
            total += max(current, 1) * _SCALES[token]
            current, seen = 0, True
        else:
            return None
    value = total + current
    return Decimal(value) if seen and value > 0 else None


# A figure right after the promise with no currency: "we refunded you 900", "a credit of 45.50".
# Durations, percentages and counts after the figure are not money.
_BARE_AFTER_PROMISE = re.compile(
    rf"(?:{PROMISE.pattern})\s+(?:(?:you|of|the|sum|amount|a|an|total|in|for|back|already)\s+){{0,3}}"
    rf"(?P<n>{_NUMBER})(?!\s*(?:%|percent|per ?cent|days?|business|hours?|weeks?|months?|years?|items?|x\b))",
    re.I,
)


def amounts_in(sentence: str) -> list[Decimal]:
    """Every amount written in ``sentence``: digits or words with a currency, or a bare figure
    right after a refund word. Each stretch of text counts once."""
    found: list[tuple[tuple[int, int], Decimal]] = []

    def add(span: tuple[int, int], value: Decimal | None) -> None:
        if value is not None and not any(a < span[1] and span[0] < b for (a, b), _ in found):
            found.append((span, value))

    for match in _AMOUNT.finditer(sentence):
        add(match.span(), _parse_number(match["n1"] or match["n2"] or match["n3"] or match["n4"]))
    for match in _WORD_AMOUNT.finditer(sentence):
        add(match.span(), _words_to_number(match["words"]))
    for match in _BARE_AFTER_PROMISE.finditer(sentence):
        add(match.span("n"), _parse_number(match["n"]))
    return [value for _span, value in found]


def committed_amount(text: str, *, whole_order: Decimal | None) -> tuple[Decimal, bool]:
    """What ``text`` promises: (the sum of amounts in its promise sentences, unbounded).

    ``whole_order`` is what a full refund without a figure means (the order total, or the amount
    at stake); ``unbounded`` is True when such a promise has no known sum.
    """
    total, unbounded = Decimal("0"), False
    for sentence in SENTENCE.split(text or ""):
        if not PROMISE.search(sentence):
            continue
        amounts = amounts_in(sentence)
        total += sum(amounts, Decimal("0"))
        if not amounts and FULL_REFUND.search(sentence):
            if whole_order is None:
                unbounded = True
            else:
                total += whole_order
    return total, unbounded


# Sentences telling the customer that a colleague must still approve: true while the reply is
# held, false once it is approved, so they are taken out of the approved text.
APPROVAL_NOTICE = re.compile(
    r"\b(?:needs? to (?:be )?approv\w*|must (?:be )?approv\w*|has to (?:be )?approv\w*"
    r"|(?:waiting|wait|awaiting) (?:for )?(?:an? |the )?approval|(?:ask|asked|request\w*) (?:for )?(?:an? |the )?approval"
    r"|pending approval|subject to approval|will review it and)\b",
    re.I,
)


def without_approval_notice(text: str) -> str:
    """``text`` without the sentences that say an approval is still needed (paragraphs kept)."""
    paragraphs = []
    for paragraph in text.split("\n\n"):
        sentences = re.split(r"(?<=[.!?])\s+", paragraph)
        kept = [s for s in sentences if not APPROVAL_NOTICE.search(s)]
        if kept:
            paragraphs.append(" ".join(kept))
    return "\n\n".join(paragraphs).strip()
