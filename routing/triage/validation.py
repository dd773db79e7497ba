"""Every backend's output is validated the same way before it touches a ticket."""

from __future__ import annotations

import math
from dataclasses import replace
from decimal import Decimal, InvalidOperation

from routing.triage.backends.base import SENTIMENTS, SIGNALS, URGENCIES, Classification


class InvalidTriageOutput(ValueError):
    """A backend returned something that cannot be stored (the caller falls back or fails)."""


def _unit(value: object, name: str) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise InvalidTriageOutput(f"{name} is not a number: {value!r}") from exc
    if math.isnan(number):
        raise InvalidTriageOutput(f"{name} is NaN")
    return number


def validate_classification(result: Classification, *, issue_types: set[str]) -> Classification:
    """Return a clean copy of ``result`` or raise ``InvalidTriageOutput`` naming the field.

    Unknown issue types and labels are errors (a backend that invents them is broken);
    numbers are clamped to their ranges; signals keep only known names with string cues.
    """
    if result.issue_type not in issue_types:
        raise InvalidTriageOutput(f"issue_type {result.issue_type!r} is not an active issue type")
    if result.sentiment not in SENTIMENTS:
        raise InvalidTriageOutput(f"sentiment {result.sentiment!r} is not one of {SENTIMENTS}")
    if result.urgency not in URGENCIES:
        raise InvalidTriageOutput(f"urgency {result.urgency!r} is not one of {URGENCIES}")
    if not isinstance(result.signals, dict):
        raise InvalidTriageOutput("signals is not an object")
    signals = {}
    for name, cues in result.signals.items():
        if name not in SIGNALS:
            continue
        if isinstance(cues, str):
            cues = [cues]
        if not isinstance(cues, list | tuple):
            raise InvalidTriageOutput(f"signal {name} cues are not a list")
        signals[name] = [str(c)[:200] for c in cues][:10] or [name]
    amount = result.amount
    if amount is not None:
        try:
            amount = Decimal(str(amount)).quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError) as exc:
            raise InvalidTriageOutput(f"amount {result.amount!r} is not a number") from exc
        if amount < 0 or amount >= Decimal("10000000000"):
            amount = None
    clamp = lambda v, lo, hi: max(lo, min(hi, v))  # noqa: E731
    return replace(
        result,
        confidence=clamp(_unit(result.confidence, "confidence"), 0.0, 1.0),
        sentiment_score=clamp(_unit(result.sentiment_score, "sentiment_score"), -1.0, 1.0),
        sentiment_confidence=clamp(_unit(result.sentiment_confidence, "sentiment_confidence"), 0.0, 1.0),
        urgency_confidence=clamp(_unit(result.urgency_confidence, "urgency_confidence"), 0.0, 1.0),
        signals=signals,
        signal_confidence={
            k: clamp(_unit(v, k), 0.0, 1.0) for k, v in result.signal_confidence.items() if k in signals
        },
        amount=amount,
        currency=(result.currency or "")[:3].upper(),
        product=(result.product or "")[:120],
        order_numbers=[str(n)[:50] for n in result.order_numbers][:5],
    )
