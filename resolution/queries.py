"""Reads of what the AI did: the "Handled by AI" list and the review queue (paginated, indexed)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from resolution.models import AiResolution, AiReview


def handled_by_ai() -> QuerySet[AiResolution]:
    """AI replies that were sent, newest first, with their ticket, facts and any review."""
    return (
        AiResolution.objects.filter(outcome=AiResolution.Outcome.SENT)
        .select_related("ticket", "ticket__customer", "ticket__tier", "message", "review", "review__reviewer")
        .order_by("-created_at", "-id")
    )


def review_queue() -> QuerySet[AiResolution]:
    """Sampled AI replies that nobody has reviewed yet, oldest first."""
    reviewed = AiReview.objects.filter(resolution=OuterRef("pk"))
    return (
        AiResolution.objects.filter(outcome=AiResolution.Outcome.SENT, sampled=True)
        .exclude(Exists(reviewed))
        .select_related("ticket", "ticket__customer", "message")
        .order_by("created_at", "id")
    )


def refused() -> QuerySet[AiResolution]:
    """What the AI composed but did not send, and why (verifier or guardrail)."""
    return (
        AiResolution.objects.filter(outcome=AiResolution.Outcome.DRAFTED)
        .select_related("ticket", "ticket__customer")
        .order_by("-created_at", "-id")
    )
