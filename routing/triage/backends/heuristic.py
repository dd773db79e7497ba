"""The built-in backend: offline, deterministic, explainable and fast (no model, no network).

Issue type: weighted phrase cues per type (``routing.triage.cues``); the best total wins and
the margin over the runner-up sets the confidence. Signals: cues that are neither negated
nor inside quotation marks, plus the customer facts (VIP, recent complaints). Sentiment:
VADER adjusted for support language. Every decision keeps the words that caused it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from functools import lru_cache

from routing.triage import cues as cue_tables
from routing.triage import drafts, extraction, sentiment, text
from routing.triage.backends.base import (
    BackendInfo,
    Classification,
    Draft,
    DraftContext,
    MessageText,
    Summary,
    TicketText,
)

VERSION = "heuristic-2026.11"
# When totals tie, the more specific and riskier problem wins over the generic request.
PRECEDENCE = (
    "product_defect",
    "delivery_problem",
    "billing",
    "refund_request",
    "return_request",
    "cancellation",
    "order_change",
    "order_status",
    "account",
    "policy_question",
    "product_question",
    "complaint",
    "other",
)
_RANK = {slug: i for i, slug in enumerate(PRECEDENCE)}
_NOT_A_PRODUCT = re.compile(
    r"\b(?:code|coupon|voucher|link|website|site|app|page|checkout|card|payment|password|log ?in|account|"
    r"tracking|website|site|form)\b[^.]{0,25}\b(?:(?:doesn't|does not|won't|isn't|is not|didn't|not) work|"
    r"is broken|is down|keeps crashing)"
)
_BANK_ACCOUNT = re.compile(
    r"\b(?:taken|debited|withdrawn|charged|deducted|gone|missing) (?:from|out of|on) my (?:bank |card )?account\b|"
    r"\bbank account\b"
)
_OVERDUE = re.compile(
    r"\b(?:\d+|two|three|four|five|six|several|many) weeks\b|\blate\b|!!|\bages\b|\bforever\b"
)
_PRODUCT_QUESTION = re.compile(
    r"^(?:hi|hello|hey)?[!,.]?\s*(?:is|are|does|do|can|will|would|which|what|how)\b(?! you\b)"
    r"(?![^?]*\b(?:order|speak|talk|someone|account|refund|deliver\w*|parcel)\b)[^?]{10,}\?"
)
_QUESTION = re.compile(
    r"\?|\b(?:how|what|which|when|where|why|can i|could i|do you|does|is it|is there|are there|am i|"
    r"will i|would i|in (?:which|what) (?:cases|situations)|check|see|know|information|info)\b"
)
TYPE_CHARS = 1500
# Below this total no type is evident: "other".
MIN_TYPE_SCORE = 1.5
# Latest message first: re-triage on a follow-up weighs the new words more, history less.
HISTORY_WEIGHT = 0.5


@lru_cache(maxsize=16)
def _word_starts(lowered: str) -> frozenset[str]:
    return frozenset(cue_tables.word_starts(lowered))


def _cue_hits(
    lowered: str, table: Sequence[cue_tables.Cue], quotes, *, signal: bool
) -> list[tuple[str, float]]:
    hits = []
    starts = _word_starts(lowered)
    for cue in table:
        if cue.prefixes is not None and cue.prefixes.isdisjoint(starts):
            continue
        for match in cue.pattern.finditer(lowered):
            start = match.start()
            if cue.honours_negation and text.is_negated(lowered, start):
                continue
            if signal and text.in_spans(start, quotes):
                continue
            hits.append((match.group(0).strip(), cue.weight))
            break
    return hits


def score_types(lowered: str, quotes=()) -> dict[str, tuple[float, list[str]]]:
    """Each type's total cue weight and the phrases that earned it."""
    scores = {}
    for slug, table in cue_tables.TYPE_CUES.items():
        hits = _cue_hits(lowered, table, quotes, signal=False)
        if hits:
            scores[slug] = (sum(w for _, w in hits), [phrase for phrase, _ in hits])
    return scores


def _adjust(scores: dict[str, tuple[float, list[str]]], lowered: str) -> None:
    """Cross-type rules: the request that names its cause goes to the cause."""

    def bump(slug: str, delta: float) -> None:
        if slug in scores:
            total, phrases = scores[slug]
            scores[slug] = (max(0.0, total + delta), phrases)

    # "Where is my refund" / "refund for the broken kettle": the refund words also fire
    # order-status and defect cues; a chase for money is a refund request.
    if "refund_request" in scores and any(
        w in lowered for w in ("my refund", "the refund", "refund yet", "refund status", "reimbursement")
    ):
        bump("order_status", -2)
    # A policy question is a question: a statement of a problem outranks it.
    if "policy_question" in scores and not _QUESTION.search(lowered):
        bump("policy_question", -1.5)
    # "cancel my subscription to the newsletter" is an account matter.
    if "newsletter" in lowered:
        bump("cancellation", -3)
    # "the code / the website / my card doesn't work" is not a faulty product.
    if "product_defect" in scores and _NOT_A_PRODUCT.search(lowered):
        bump("product_defect", -3)
    # "money taken from my account" is the bank account of a billing problem.
    if "account" in scores and _BANK_ACCOUNT.search(lowered):
        bump("account", -3)
    # "Where is my stuff? It's been 3 weeks!!" is no longer a status question.
    if "delivery_problem" in scores and "order_status" in scores and _OVERDUE.search(lowered):
        bump("delivery_problem", 2)
        bump("order_status", -3)
    # A charge that needs reversing for a cancelled order is still a billing problem.
    if "billing" in scores and "cancellation" in scores and "charged" in lowered:
        bump("billing", 1)


_WORDS = re.compile(r"[a-z]+")
_BACKOFF_WORDS = {word: slug for slug, words in cue_tables.BACKOFF.items() for word in words.split()}


def _backoff(lowered: str) -> str | None:
    """The type most single words lean to, unless two types tie."""
    votes: dict[str, int] = {}
    for word in _WORDS.findall(lowered):
        slug = _BACKOFF_WORDS.get(word)
        if slug:
            votes[slug] = votes.get(slug, 0) + 1
    if not votes:
        return None
    ranked = sorted(votes.items(), key=lambda item: (-item[1], _RANK.get(item[0], 99)))
    best, count = ranked[0]
    if len(ranked) > 1 and ranked[1][1] == count:
        return None
    return best


def classify_text(
    lowered: str, quotes=()
) -> tuple[str, float, dict[str, tuple[float, list[str]]], list[str]]:
    scores = score_types(lowered, quotes)
    _adjust(scores, lowered)
    ranked = sorted(scores.items(), key=lambda item: (-item[1][0], _RANK.get(item[0], 99)))
    if not ranked or ranked[0][1][0] < MIN_TYPE_SCORE:
        fallback = _backoff(lowered)
        if fallback:
            return fallback, 0.4, scores, []
        if _PRODUCT_QUESTION.search(lowered):
            # An unrecognised question to a shop is most often about a product.
            return "product_question", 0.4, scores, []
        top_score = ranked[0][1][0] if ranked else 0.0
        return "other", round(0.35 + 0.1 * (MIN_TYPE_SCORE - top_score) / MIN_TYPE_SCORE, 3), scores, []
    best, (best_score, _) = ranked[0]
    runner_up = ranked[1][1][0] if len(ranked) > 1 else 0.0
    margin = (best_score - runner_up) / best_score
    confidence = 0.5 + 0.3 * margin + 0.2 * min(1.0, best_score / 6)
    secondary = [slug for slug, (score, _) in ranked[1:3] if score >= 2.5 and slug != "other"]
    return best, round(min(confidence, 0.97), 3), scores, secondary


def detect_signals(lowered: str, quotes) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for signal, table in cue_tables.SIGNAL_CUES.items():
        hits = _cue_hits(lowered, table, quotes, signal=True)
        if hits:
            found[signal] = sorted({phrase for phrase, _ in hits})[:5]
    return found


def _urgency(
    signals: Mapping[str, Sequence[str]], score: float, lowered: str, issue_type: str
) -> tuple[str, float]:
    if "legal" in signals or "safety" in signals:
        return "critical", 0.9
    urgent_words = cue_tables.URGENT.search(lowered)
    high = (
        "reputation" in signals
        or "repeat_complaint" in signals
        or score <= -0.6
        or (urgent_words and score < 0)
        or ("vip" in signals and score < 0)
    )
    if high:
        return "high", 0.75
    if (
        urgent_words
        or score <= sentiment.FRUSTRATED_AT
        or issue_type
        in {
            "delivery_problem",
            "product_defect",
            "billing",
            "cancellation",
            "order_change",
        }
    ):
        return "medium", 0.65
    return "low", 0.6


def _only_review_words(cues: Sequence[str] | None) -> bool:
    return bool(cues) and all("review" in cue or "feedback" in cue for cue in cues)


class HeuristicBackend:
    """Phrase cues, VADER and patterns; the default and the fallback of every other backend."""

    name = "heuristic"
    is_fast = True

    def __init__(self, **options: object) -> None:
        self.options = options

    def describe(self) -> BackendInfo:
        return BackendInfo(backend=self.name, model=VERSION)

    def classify(self, ticket: TicketText) -> Classification:
        customer_messages = [m for m in ticket.thread if m.author == "customer"]
        latest = text.prepare(customer_messages[-1].body) if customer_messages else ""
        earlier = " ".join(text.prepare(m.body) for m in customer_messages[:-1])
        subject = text.prepare(ticket.subject)
        current = f"{subject}. {latest}" if subject and subject.lower() not in latest.lower() else latest
        # The request sits in the opening or the close of a message; the type is read there.
        lowered = text.head_and_tail(current, TYPE_CHARS).lower()
        quotes = text.quoted_spans(lowered)
        issue_type, confidence, scores, secondary = classify_text(lowered, quotes)
        if earlier and issue_type == "other":
            # A short follow-up ("any news?") keeps the thread's type.
            issue_type, confidence, scores, secondary = classify_text(earlier.lower())
            confidence = round(confidence * HISTORY_WEIGHT + 0.2, 3)
        allowed = set(ticket.issue_types)
        if issue_type not in allowed:
            issue_type, confidence = "other", 0.3

        everything = f"{earlier} {current}".strip()
        all_lowered = everything.lower()
        signals = detect_signals(all_lowered, text.quoted_spans(all_lowered))
        if ticket.customer.vip_level:
            signals["vip"] = [f"customer VIP level: {ticket.customer.vip_level}"]
        if ticket.customer.recent_complaints:
            signals.setdefault("repeat_complaint", []).insert(
                0, f"{ticket.customer.recent_complaints} complaint(s) in the repeat window"
            )
        score, label, sentiment_confidence = sentiment.score_sentiment(
            current, problem=issue_type not in {"other", "product_question", "policy_question"}
        )
        if _only_review_words(signals.get("reputation")) and score >= 0:
            # "Where can I leave a review?" is feedback, not a threat to go public.
            del signals["reputation"]
        urgency, urgency_confidence = _urgency(signals, score, all_lowered, issue_type)
        amount, currency = extraction.amount_at_stake(everything)
        product = extraction.extract_product(everything)
        if not product and ticket.order and ticket.order.items:
            product = ticket.order.items[0][:120]
        return Classification(
            issue_type=issue_type,
            confidence=confidence,
            sentiment=label,
            sentiment_score=score,
            sentiment_confidence=sentiment_confidence,
            urgency=urgency,
            urgency_confidence=urgency_confidence,
            signals=signals,
            signal_confidence={name: (0.95 if name in {"vip"} else 0.8) for name in signals},
            amount=amount,
            currency=currency,
            order_numbers=extraction.extract_order_numbers(everything),
            product=product,
            language=extraction.detect_language(all_lowered),
            secondary_types=secondary,
            explanation={slug: {"score": s, "cues": c} for slug, (s, c) in scores.items()},
        )

    def summarize(self, thread: Sequence[MessageText]) -> Summary:
        return Summary(drafts.summarize_thread(thread))

    def draft_reply(self, context: DraftContext) -> Draft:
        return Draft(drafts.compose_draft(context))
