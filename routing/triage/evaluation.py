"""Measuring triage: labelled CSV files, per-type scores, confusion matrix, grouped folds.

Pure Python (no scikit-learn), so ``evaluate_triage`` on the built-in backend starts fast.
Macro-F1 averages over the labels present in the gold data.
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from routing.triage import calibration
from routing.triage.backends.base import CustomerFacts, MessageText, TicketText, TriageBackend


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    signals: frozenset[str] = frozenset()
    group: str = ""
    note: str = ""


@dataclass
class Report:
    labels: list[str]
    precision: dict[str, float]
    recall: dict[str, float]
    f1: dict[str, float]
    support: dict[str, int]
    confusion: dict[str, Counter]
    macro_f1: float
    accuracy: float
    signal_scores: dict[str, dict[str, float]] = field(default_factory=dict)
    missed_signals: list[tuple[str, str]] = field(default_factory=list)


def load_examples(path: str | Path) -> list[Example]:
    """Read a CSV with ``text`` and ``label`` (optional ``signals``, ``source_intent``, ``note``)."""
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = {"text", "label"} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
        return [
            Example(
                text=row["text"] or "",
                label=row["label"].strip(),
                signals=frozenset(s.strip() for s in (row.get("signals") or "").split(",") if s.strip()),
                group=row.get("source_intent") or "",
                note=row.get("note") or "",
            )
            for row in reader
        ]


def ticket_text(example: Example) -> TicketText:
    vip = "vip" in example.signals
    return TicketText(
        subject="",
        thread=[MessageText(author="customer", body=example.text)],
        customer=CustomerFacts(vip_level="gold" if vip else ""),
    )


def score(gold: Sequence[str], predicted: Sequence[str]) -> Report:
    labels = sorted(set(gold))
    confusion: dict[str, Counter] = defaultdict(Counter)
    for g, p in zip(gold, predicted, strict=True):
        confusion[g][p] += 1
    predicted_count = Counter(predicted)
    precision, recall, f1, support = {}, {}, {}, {}
    for label in labels:
        tp = confusion[label][label]
        support[label] = sum(confusion[label].values())
        precision[label] = tp / predicted_count[label] if predicted_count[label] else 0.0
        recall[label] = tp / support[label] if support[label] else 0.0
        pr = precision[label] + recall[label]
        f1[label] = 2 * precision[label] * recall[label] / pr if pr else 0.0
    macro = sum(f1.values()) / len(labels) if labels else 0.0
    accuracy = sum(confusion[label][label] for label in labels) / len(gold) if gold else 0.0
    return Report(labels, precision, recall, f1, support, dict(confusion), macro, accuracy)


def classify_all(
    backend: TriageBackend, examples: Sequence[Example], *, batch: int = 64, progress=None
) -> list:
    """Every example's classification, through the backend's batch entry point when it has one."""
    many = getattr(backend, "classify_many", None)
    results = []
    for start in range(0, len(examples), batch):
        tickets = [ticket_text(e) for e in examples[start : start + batch]]
        results.extend(many(tickets) if many else [backend.classify(t) for t in tickets])
        if progress:
            progress(len(tickets))
    return results


def evaluate(
    backend: TriageBackend, examples: Sequence[Example], *, results: Sequence | None = None
) -> Report:
    """Classify every example with ``backend`` and score types and (when labelled) signals."""
    results = list(results) if results is not None else classify_all(backend, examples)
    report = score([e.label for e in examples], [r.issue_type for r in results])
    if any(e.signals for e in examples):
        names = sorted({s for e in examples for s in e.signals})
        for name in names:
            tp = fp = fn = 0
            for example, result in zip(examples, results, strict=True):
                expected, raised = name in example.signals, name in result.signals
                tp += expected and raised
                fp += raised and not expected
                fn += expected and not raised
                if expected and not raised:
                    report.missed_signals.append((name, example.text[:80]))
            report.signal_scores[name] = {
                "precision": tp / (tp + fp) if tp + fp else 0.0,
                "recall": tp / (tp + fn) if tp + fn else 0.0,
                "support": float(tp + fn),
            }
    return report


def format_report(report: Report) -> str:
    lines = [f"{'type':<18}{'precision':>10}{'recall':>8}{'f1':>8}{'support':>9}"]
    for label in report.labels:
        lines.append(
            f"{label:<18}{report.precision[label]:>10.3f}{report.recall[label]:>8.3f}"
            f"{report.f1[label]:>8.3f}{report.support[label]:>9}"
        )
    lines.append(f"accuracy={report.accuracy:.3f}")
    predicted = sorted({p for row in report.confusion.values() for p in row} | set(report.labels))
    short = {p: p[:6] for p in predicted}
    lines.append("")
    lines.append("confusion matrix (rows = true type, columns = predicted)")
    lines.append(f"{'':<18}" + "".join(f"{short[p]:>7}" for p in predicted))
    for label in report.labels:
        row = report.confusion.get(label, Counter())
        lines.append(f"{label:<18}" + "".join(f"{row.get(p, 0):>7}" for p in predicted))
    if report.signal_scores:
        lines.append("")
        lines.append(f"{'signal':<18}{'precision':>10}{'recall':>8}{'support':>9}")
        for name, s in report.signal_scores.items():
            lines.append(f"{name:<18}{s['precision']:>10.3f}{s['recall']:>8.3f}{int(s['support']):>9}")
        for name, text in report.missed_signals:
            lines.append(f"missed {name}: {text!r}")
    return "\n".join(lines)


def format_confidence(
    gold: Sequence[str], predicted: Sequence[str], confidences: Sequence[float], rules: Sequence[tuple]
) -> str:
    """The reliability table, the ECE, and each AI rule's precision and coverage above its floor.

    ``rules`` holds ``(name, issue types, floor)``. Coverage is the share of the messages of the
    rule's types that the AI would take and get right; "share" is the share of all messages
    above the floor for those types. ``floor@95`` is the lowest floor with precision >= 0.95
    from there up on this data.
    """
    correct = [g == p for g, p in zip(gold, predicted, strict=True)]
    lines = [
        "reliability (confidence bins against accuracy)",
        f"{'bin':<12}{'messages':>9}{'confidence':>11}{'accuracy':>9}",
    ]
    for b in calibration.reliability(confidences, correct):
        lines.append(f"{b.low:.1f}-{b.high:.1f}{'':<5}{b.count:>9}{b.confidence:>11.3f}{b.accuracy:>9.3f}")
    lines.append(f"ece={calibration.expected_calibration_error(confidences, correct):.4f}")
    lines.append("")
    lines.append(
        f"{'AI rule':<20}{'floor':>6}{'precision':>10}{'above':>7}{'coverage':>9}{'share':>7}{'floor@95':>9}"
    )
    for name, types, floor in rules:
        s = calibration.floor_score(gold, predicted, confidences, types, floor)
        precision = f"{s.precision:.3f}" if s.precision is not None else "-"
        suggested = calibration.floor_for(gold, predicted, confidences, types)
        lines.append(
            f"{name:<20}{floor:>6.2f}{precision:>10}{s.above:>7}{s.coverage:>9.3f}{s.share:>7.3f}{suggested:>9.2f}"
        )
    return "\n".join(lines)


_TOKEN = re.compile(r"[a-z]+")
_FILLER = frozenset(
    [
        "i",
        "me",
        "my",
        "you",
        "your",
        "we",
        "a",
        "an",
        "the",
        "to",
        "of",
        "for",
        "in",
        "on",
        "at",
        "with",
        "and",
        "or",
        "is",
        "are",
        "be",
        "it",
        "this",
        "that",
        "can",
        "could",
        "would",
        "will",
        "do",
        "does",
        "did",
        "have",
        "has",
        "had",
        "want",
        "need",
        "help",
        "assistance",
        "please",
        "how",
        "what",
        "where",
        "when",
        "which",
        "who",
        "some",
        "any",
        "damn",
        "bloody",
        "fucking",
        "fuck",
        "shit",
        "im",
        "u",
        "ur",
        "ya",
        "wanna",
        "gotta",
        "got",
        "get",
        "trying",
        "try",
        "tell",
        "know",
        "see",
    ]
)


# Templated rewordings swap these words freely ("cancel order" / "cancel purchase").
_SYNONYMS = {
    "purch": "order",
    "artic": "item",
    "produ": "item",
    "items": "item",
    "reimb": "refun",
    "rebat": "refun",
}


def near_duplicate_groups(texts: Sequence[str]) -> list[int]:
    """Cluster ids joining texts that differ by fillers, numbers, typos of one word or word order.

    Templated data (like the Bitext set) holds many rewordings of one sentence; splitting
    them across train and test flatters a model, so folds keep each cluster whole.
    """
    parent = list(range(len(texts)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[tuple[str, ...], int] = {}
    for index, text in enumerate(texts):
        stems = (t[:5] for t in _TOKEN.findall(text.lower()) if t not in _FILLER)
        tokens = sorted({_SYNONYMS.get(stem, stem) for stem in stems})
        keys = [tuple(tokens)]
        # Deletion neighbours only for longer texts: on short ones they chain unrelated requests.
        if len(tokens) >= 4:
            keys += [tuple(tokens[:i] + tokens[i + 1 :]) for i in range(len(tokens))]
        for key in keys:
            if key in owner:
                parent[find(index)] = find(owner[key])
            else:
                owner[key] = index
    return [find(i) for i in range(len(texts))]


def grouped_folds(groups: Sequence[int], k: int) -> list[list[int]]:
    """Split indices into ``k`` folds of similar size, never splitting a group."""
    members: dict[int, list[int]] = defaultdict(list)
    for index, group in enumerate(groups):
        members[group].append(index)
    folds: list[list[int]] = [[] for _ in range(k)]
    for group_members in sorted(members.values(), key=len, reverse=True):
        min(folds, key=len).extend(group_members)
    return folds
