"""A backend with fixed outputs, for tests that need a known classification (like locmem email)."""

from __future__ import annotations

from collections.abc import Sequence

from routing.triage.backends.base import (
    BackendInfo,
    Classification,
    Draft,
    DraftContext,
    MessageText,
    Summary,
    TicketText,
)


class FakeBackend:
    """Returns ``OPTIONS`` as the classification; ``fail=True`` raises, to test the failure path."""

    name = "fake"
    is_fast = True

    def __init__(
        self,
        *,
        issue_type: str = "order_status",
        signals=None,
        sentiment: str = "neutral",
        sentiment_score: float = 0.0,
        urgency: str = "low",
        confidence: float = 0.9,
        fail: bool = False,
        slow: bool = False,
        draft: str = "Fake draft.",
    ) -> None:
        self.result = Classification(
            issue_type=issue_type,
            confidence=confidence,
            sentiment=sentiment,
            sentiment_score=sentiment_score,
            urgency=urgency,
            signals=dict(signals or {}),
        )
        self.fail = fail
        self.is_fast = not slow
        self.draft = draft

    def describe(self) -> BackendInfo:
        return BackendInfo(backend=self.name, model="fixed")

    def classify(self, ticket: TicketText) -> Classification:
        if self.fail:
            raise RuntimeError("FakeBackend configured to fail")
        return self.result

    def summarize(self, thread: Sequence[MessageText]) -> Summary:
        return Summary("Fake summary.")

    def draft_reply(self, context: DraftContext) -> Draft:
        return Draft(self.draft)
