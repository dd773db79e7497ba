"""Confidence that means what it says: calibration maps, reliability tables and honest floors.

A triage confidence of 0.9 should be right nine times in ten on text nobody here wrote. The
semantic backend's raw scores come from two places (a strong phrase cue, or the classifier
head's probability) and neither is a probability of being right on unseen text, so each gets a
monotone map fitted on a held-out split (isotonic regression, scikit-learn at fit time only; at
run time the map is two arrays and ``np.interp``).

``reliability`` and ``expected_calibration_error`` say how well confidences match accuracy;
``floor_for`` picks the lowest confidence floor whose precision is at least a target on labelled
data, which is how the AI action rules' default floors are set (docs/triage.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# A calibrated confidence never claims certainty: unseen text can always surprise.
CEILING = 0.99
FLOOR = 0.01


@dataclass(frozen=True)
class Calibration:
    """A monotone piecewise-linear map from a raw score to the chance of being right."""

    x: np.ndarray
    y: np.ndarray

    def __call__(self, raw: float) -> float:
        return float(np.clip(np.interp(raw, self.x, self.y), FLOOR, CEILING))

    @classmethod
    def identity(cls) -> Calibration:
        return cls(np.array([0.0, 1.0], np.float32), np.array([0.0, 1.0], np.float32))

    @classmethod
    def fit(cls, raw: Sequence[float], correct: Sequence[bool]) -> Calibration:
        """Isotonic regression of correctness on the raw score (identity with too little data)."""
        if len(raw) < 20 or len(set(correct)) < 2:
            return cls.identity()
        from sklearn.isotonic import IsotonicRegression

        model = IsotonicRegression(y_min=0.0, y_max=1.0, increasing=True, out_of_bounds="clip")
        model.fit(np.asarray(raw, np.float64), np.asarray(correct, np.float64))
        return cls(model.X_thresholds_.astype(np.float32), model.y_thresholds_.astype(np.float32))


@dataclass(frozen=True)
class Bin:
    low: float
    high: float
    count: int
    confidence: float
    accuracy: float


def reliability(confidences: Sequence[float], correct: Sequence[bool], bins: int = 10) -> list[Bin]:
    """Equal-width confidence bins with their mean confidence and accuracy (empty bins left out)."""
    conf = np.asarray(confidences, np.float64)
    hit = np.asarray(correct, np.float64)
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.digitize(conf, edges[1:-1], right=True), 0, bins - 1)
    table = []
    for b in range(bins):
        members = index == b
        if members.any():
            table.append(
                Bin(
                    float(edges[b]),
                    float(edges[b + 1]),
                    int(members.sum()),
                    float(conf[members].mean()),
                    float(hit[members].mean()),
                )
            )
    return table


def expected_calibration_error(
    confidences: Sequence[float], correct: Sequence[bool], bins: int = 10
) -> float:
    """Mean |accuracy - confidence| over the bins, weighted by how many messages fall in each."""
    total = len(confidences)
    if not total:
        return 0.0
    return (
        sum(b.count * abs(b.accuracy - b.confidence) for b in reliability(confidences, correct, bins)) / total
    )


@dataclass(frozen=True)
class FloorScore:
    floor: float
    precision: float | None  # None: nothing predicted at or above the floor
    above: int  # messages predicted as one of the types at or above the floor
    correct: int
    relevant: int  # messages whose true type is one of the types
    total: int

    @property
    def coverage(self) -> float:
        """The share of the messages of these types that the AI would take, right ones only."""
        return self.correct / self.relevant if self.relevant else 0.0

    @property
    def share(self) -> float:
        """The share of all messages at or above the floor for these types."""
        return self.above / self.total if self.total else 0.0


def floor_score(
    gold: Sequence[str],
    predicted: Sequence[str],
    confidences: Sequence[float],
    types: Sequence[str],
    floor: float,
) -> FloorScore:
    wanted = set(types)
    above = correct = 0
    for g, p, c in zip(gold, predicted, confidences, strict=True):
        if p in wanted and c >= floor:
            above += 1
            correct += g == p
    relevant = sum(g in wanted for g in gold)
    return FloorScore(floor, correct / above if above else None, above, correct, relevant, len(gold))


def floor_for(
    gold: Sequence[str],
    predicted: Sequence[str],
    confidences: Sequence[float],
    types: Sequence[str],
    *,
    target: float = 0.95,
    step: float = 0.01,
) -> float:
    """The lowest floor from which precision stays at or above ``target`` for every higher floor.

    "Stays" matters: a floor where precision dips and recovers would let an admin who raises it a
    little get a worse AI. With nothing predicted above a floor there is nothing to be wrong about.
    """
    floors = np.round(np.arange(0.5, 1.0 + step / 2, step), 4)
    chosen = 1.0
    for floor in floors[::-1]:
        precision = floor_score(gold, predicted, confidences, types, float(floor)).precision
        if precision is not None and precision < target:
            break
        chosen = float(floor)
    return chosen
