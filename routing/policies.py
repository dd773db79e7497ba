"""Revising store policies and SOPs: each revision is a new ``PolicyVersion``.

Triage quotes a policy's current (highest-numbered) version in briefs and drafts, so a revision
changes what agents see on the next ticket. A revision may answer a pattern alert; the alert
belongs to analytics, which is reached through the dotted path below so that routing never
imports the app above it.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Max
from django.utils.module_loading import import_string

from helpdesk.errors import InvalidInput
from routing.models import Policy, PolicyVersion

# Called as ``answer(alert, revision=version, actor=author)`` inside the revision's transaction.
ALERT_ANSWERED = "analytics.pattern_alerts.answer_alert"


@transaction.atomic
def revise_policy(
    policy: Policy, *, body: str, author: AbstractBaseUser | None, reason: str, alert: Any = None
) -> PolicyVersion:
    """Record ``body`` as the next version of ``policy``, by ``author`` for ``reason``.

    With ``alert`` (an analytics ``PatternAlert``) the revision is linked to it and closes it, in
    the same transaction: a failure leaves neither. The policy row is locked so that concurrent
    revisions get consecutive numbers. Raises ``InvalidInput`` for an empty body, a missing
    reason or a text identical to the current version; whatever closing the alert raises
    (``IllegalTransition`` for an alert already closed).
    """
    body = body.strip()
    if not body:
        raise InvalidInput("The policy text is empty.", field="body")
    if not reason.strip():
        raise InvalidInput("Say why the policy changes.", field="reason")
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    current = policy.versions.order_by("-number").values_list("body", flat=True).first()
    if current is not None and current.strip() == body:
        raise InvalidInput("The text is the same as the current version.", field="body")
    number = (policy.versions.aggregate(last=Max("number"))["last"] or 0) + 1
    version = PolicyVersion.objects.create(
        policy=policy,
        number=number,
        body=body,
        author=author if author is not None and author.is_authenticated else None,
        reason=reason.strip(),
    )
    if alert is not None:
        import_string(ALERT_ANSWERED)(alert, revision=version, actor=author)
    return version


# --- Passages: the sentence of a policy that answers a question (retrieval at sentence level).
# The current version of each active policy is split into sentences; a sentence scores by the
# question's content words it shares (light stemming, a few synonyms customers use). Only
# sentences scoring at least ``MIN_SCORE`` count: nothing relevant means nothing quoted.

_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"[a-z0-9]+")
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "but",
        "if",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "from",
        "by",
        "with",
        "about",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "do",
        "does",
        "did",
        "doing",
        "have",
        "has",
        "had",
        "i",
        "me",
        "my",
        "we",
        "our",
        "you",
        "your",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "there",
        "what",
        "which",
        "who",
        "whom",
        "how",
        "when",
        "where",
        "why",
        "can",
        "could",
        "would",
        "should",
        "will",
        "shall",
        "may",
        "might",
        "must",
        "not",
        "no",
        "yes",
        "any",
        "some",
        "all",
        "so",
        "than",
        "then",
        "too",
        "very",
        "just",
        "also",
        "please",
        "hi",
        "hello",
        "thanks",
        "thank",
        "get",
        "got",
        "item",
        "items",
        "order",
        "orders",
        "bought",
        "buy",
        "store",
        "question",
        "ask",
        "want",
        "like",
        "know",
        "tell",
    ]
)
SYNONYMS = {
    "ship": "shipping", "shipped": "shipping", "ships": "shipping", "deliver": "delivery",
    "delivered": "delivery", "arrive": "delivery", "arrives": "delivery", "send": "shipping",
    "return": "return", "returns": "return", "returned": "return", "refunds": "refund",
    "refunded": "refund", "money": "refund", "guarantee": "warranty", "broken": "defect",
    "faulty": "defect", "defective": "defect", "defects": "defect", "sale": "sale",
    "discounted": "sale", "customs": "elsewhere", "switzerland": "elsewhere", "abroad": "elsewhere",
    "international": "elsewhere", "exchange": "exchanges", "swap": "exchanges", "days": "day",
    "weeks": "week", "fee": "cost", "fees": "cost", "costs": "cost", "pay": "cost", "paid": "cost",
}  # fmt: skip
MIN_SCORE = 2


@dataclass(frozen=True)
class Passage:
    text: str
    policy: str  # the policy's title
    version: int
    score: int

    @property
    def source(self) -> str:
        return f"{self.policy} v{self.version}"


def terms(text: str) -> set[str]:
    found = set()
    for word in _WORD.findall(text.lower()):
        if word in STOPWORDS or len(word) < 3:
            continue
        word = SYNONYMS.get(word, word)
        if word.endswith("s") and len(word) > 4 and word not in SYNONYMS.values():
            word = word[:-1]
        found.add(word)
    return found


# The current policy texts are read once per process and kept for ``POLICY_TTL`` seconds (an
# edit in this process drops them at once, see ``routing.apps``); every AI answer and draft
# reads them, and a per-message query plus re-splitting the texts cost more than the answer.
POLICY_TTL = 60.0
_cache: dict[str, Any] = {"at": 0.0, "versions": None, "sentences": {}}


def forget_policies(**kwargs: Any) -> None:
    _cache["versions"] = None


def current_policies(issue_type: str = "") -> list[PolicyVersion]:
    """The current version of every active policy, those covering ``issue_type`` first."""
    now = time.monotonic()
    if _cache["versions"] is None or now - _cache["at"] > POLICY_TTL:
        versions = list(
            PolicyVersion.objects.filter(policy__is_active=True)
            .select_related("policy")
            .order_by("policy_id", "-number")
            .distinct("policy_id")
        )
        _cache.update(
            at=now,
            versions=versions,
            sentences={
                v.pk: [(s.strip(), terms(s)) for s in _SENTENCE.split(v.body.strip())] for v in versions
            },
        )
    return sorted(_cache["versions"], key=lambda v: (issue_type not in v.policy.issue_types, v.policy_id))


def _sentences(version: PolicyVersion) -> list[tuple[str, set[str]]]:
    cached = _cache["sentences"].get(version.pk)
    if cached is None:
        cached = [(s.strip(), terms(s)) for s in _SENTENCE.split(version.body.strip())]
    return cached


def best_sentences(question: str, body: str, *, limit: int = 1) -> list[str]:
    """The sentences of one policy text that answer ``question`` best (at least ``MIN_SCORE``)."""
    wanted = terms(question)
    scored = [(len(wanted & terms(s)), i, s.strip()) for i, s in enumerate(_SENTENCE.split(body.strip()))]
    return [s for score, _, s in sorted(scored, key=lambda x: (-x[0], x[1])) if score >= MIN_SCORE][:limit]


def find_passages(question: str, versions: list[PolicyVersion], *, limit: int = 2) -> list[Passage]:
    """The best sentences (at most ``limit``, from different topics) that answer ``question``."""
    wanted = terms(question)
    scored: list[tuple[Passage, set[str]]] = []
    for version in versions:
        for sentence, found in _sentences(version):
            score = len(wanted & found)
            if score >= MIN_SCORE:
                scored.append((Passage(sentence, version.policy.title, version.number, score), found))
    scored.sort(key=lambda pair: -pair[0].score)
    chosen: list[tuple[Passage, set[str]]] = []
    for passage, found in scored:
        if any(found <= other for _, other in chosen):
            continue
        chosen.append((passage, found))
        if len(chosen) == limit:
            break
    return [passage for passage, _ in chosen]


def passage_about(versions: list[PolicyVersion], slug: str, *words: str) -> Passage | None:
    """The first sentence of policy ``slug`` that contains every one of ``words`` (a known rule)."""
    for version in versions:
        if version.policy.slug != slug:
            continue
        for sentence, _ in _sentences(version):
            lowered = sentence.lower()
            if all(word in lowered for word in words):
                return Passage(sentence, version.policy.title, version.number, len(words))
    return None
