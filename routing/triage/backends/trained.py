"""The trained backend: the built-in analysis with the issue type from a fitted classifier.

Signals, sentiment, amounts and drafts stay with the built-in backend (they need cues and
negation, not a bag of words). The classifier decides the type only when it is confident and
the built-in backend did not find, with confidence, a type the classifier never saw (the
shared data has no delivery, return or defect examples). scikit-learn loads on first use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Any

from routing.triage.backends.base import (
    BackendInfo,
    Classification,
    Draft,
    DraftContext,
    MessageText,
    Summary,
    TicketText,
)
from routing.triage.backends.heuristic import HeuristicBackend

MIN_PROBABILITY = 0.5
# A built-in decision this sure, on a type the model cannot predict, stands.
KEEP_UNSEEN_TYPE_AT = 0.6


@lru_cache(maxsize=4)
def _load(path: str) -> dict[str, Any]:
    import joblib

    return joblib.load(path)


def active_model() -> tuple[str, int] | None:
    from routing.models import TrainedModel

    row = TrainedModel.objects.filter(is_active=True).values_list("path", "version").first()
    return (row[0], row[1]) if row else None


class TrainedBackend(HeuristicBackend):
    name = "trained"
    is_fast = True

    def __init__(
        self, *, pipeline: Any = None, model_path: str = "", version: int | None = None, **options: object
    ) -> None:
        super().__init__(**options)
        self.fallback_reason = ""
        self.version = version
        if pipeline is None:
            if not model_path:
                if version is not None:
                    from routing.models import TrainedModel

                    model_path = (
                        TrainedModel.objects.filter(version=version).values_list("path", flat=True).first()
                        or ""
                    )
                else:
                    found = active_model()
                    model_path, self.version = found if found else ("", None)
            if model_path:
                try:
                    pipeline = _load(model_path)["pipeline"]
                except (OSError, KeyError, ValueError) as exc:
                    self.fallback_reason = f"model file unusable ({exc}); built-in classification used"
            else:
                self.fallback_reason = "no trained model is active; built-in classification used"
        self.pipeline = pipeline
        self.labels = set(pipeline.classes_) if pipeline is not None else set()

    def describe(self) -> BackendInfo:
        model = (
            f"triage-v{self.version}" if self.version else ("in-memory" if self.pipeline is not None else "")
        )
        return BackendInfo(backend=self.name, model=model, fallback_reason=self.fallback_reason)

    def classify(self, ticket: TicketText) -> Classification:
        result = super().classify(ticket)
        text = ticket.customer_text.strip()
        if self.pipeline is None or not text:
            return result
        probabilities = self.pipeline.predict_proba([text])[0]
        best = int(probabilities.argmax())
        label, probability = str(self.pipeline.classes_[best]), float(probabilities[best])
        keep_builtin = result.issue_type not in self.labels and result.confidence >= KEEP_UNSEEN_TYPE_AT
        if probability < MIN_PROBABILITY or keep_builtin or label not in ticket.issue_types:
            return result
        explanation = {**result.explanation, "model": {"label": label, "probability": round(probability, 3)}}
        return replace(result, issue_type=label, confidence=round(probability, 3), explanation=explanation)

    def summarize(self, thread: Sequence[MessageText]) -> Summary:
        return super().summarize(thread)

    def draft_reply(self, context: DraftContext) -> Draft:
        return super().draft_reply(context)
