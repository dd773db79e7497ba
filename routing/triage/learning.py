"""The learning loop: fit a TF-IDF + linear classifier on labelled data and agents' labels.

scikit-learn is imported inside functions only: it costs about two seconds, and the web
server never needs it (the trained backend loads it on first use, in a worker or command).
A model is activated only when it beats the built-in backend on held-out data that never
shares a near-duplicate cluster with the training data.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from routing.models import ClassificationOverride, TrainedModel
from routing.triage import evaluation
from routing.triage.backends.heuristic import HeuristicBackend
from tickets.models import Message, Ticket

logger = logging.getLogger(__name__)

ALGORITHM = "tfidf(word 1-2 + char_wb 2-5) + logistic regression"
# Agents' labels are few and precise: each counts as this many public examples.
AGENT_WEIGHT = 3.0


@dataclass
class TrainingSet:
    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    agent_examples: int = 0

    def add(self, text: str, label: str, weight: float = 1.0) -> None:
        if text.strip() and label:
            self.texts.append(text)
            self.labels.append(label)
            self.weights.append(weight)


def default_data_files() -> list[Path]:
    """The shared labelled data beside the checkout (``../shared/data``), when present."""
    candidate = Path(settings.BASE_DIR).parent / "shared" / "data" / "bitext" / "messages.csv"
    return [candidate] if candidate.exists() else []


def agent_labelled_tickets() -> list[tuple[str, str]]:
    """(customer text, type) for tickets whose type an agent corrected or confirmed.

    Corrected: the latest ``issue_type`` override. Confirmed: a ticket an agent resolved
    without changing its type.
    """
    corrected = {
        ticket_id: new
        for ticket_id, new in ClassificationOverride.objects.filter(field="issue_type")
        .order_by("ticket_id", "created_at")
        .values_list("ticket_id", "new_value")
    }
    confirmed = dict(
        Ticket.objects.filter(
            status__in=[Ticket.Status.RESOLVED, Ticket.Status.CLOSED],
            assignee__isnull=False,
            triage_status=Ticket.TriageStatus.DONE,
        )
        .exclude(issue_type="")
        .exclude(pk__in=list(corrected))
        .values_list("pk", "issue_type")
    )
    labels = {**confirmed, **corrected}
    first_messages: dict[int, str] = {}
    for ticket_id, body in (
        Message.objects.filter(ticket_id__in=list(labels), author_kind=Message.AuthorKind.CUSTOMER)
        .order_by("ticket_id", "created_at")
        .values_list("ticket_id", "body")
    ):
        first_messages.setdefault(ticket_id, body)
    return [(first_messages[t], str(label)) for t, label in labels.items() if t in first_messages]


def build_training_set(files: Sequence[Path | str]) -> TrainingSet:
    data = TrainingSet()
    for path in files:
        for example in evaluation.load_examples(path):
            data.add(example.text, example.label)
    for text, label in agent_labelled_tickets():
        data.add(text, label, AGENT_WEIGHT)
        data.agent_examples += 1
    return data


def fit(texts: Sequence[str], labels: Sequence[str], weights: Sequence[float] | None = None) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    pipeline = Pipeline(
        [
            (
                "features",
                FeatureUnion(
                    [
                        ("words", TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True)),
                        (
                            "chars",
                            TfidfVectorizer(
                                analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True
                            ),
                        ),
                    ]
                ),
            ),
            ("classifier", LogisticRegression(C=8.0, max_iter=3000, class_weight="balanced")),
        ]
    )
    pipeline.fit(list(texts), list(labels), classifier__sample_weight=list(weights) if weights else None)
    return pipeline


def _compare(pipeline: Any, examples: Sequence[evaluation.Example]) -> dict[str, float]:
    from routing.triage.backends.trained import TrainedBackend

    trained = evaluation.evaluate(TrainedBackend(pipeline=pipeline), examples)
    builtin = evaluation.evaluate(HeuristicBackend(), examples)
    return {"trained_macro_f1": round(trained.macro_f1, 4), "builtin_macro_f1": round(builtin.macro_f1, 4)}


def cross_validate(data: TrainingSet, *, folds: int = 5) -> list[dict[str, float]]:
    """Grouped k-fold: near-duplicates stay in one fold. One score dict per fold."""
    groups = evaluation.near_duplicate_groups(data.texts)
    results = []
    for held_out in evaluation.grouped_folds(groups, folds):
        held = set(held_out)
        train = [i for i in range(len(data.texts)) if i not in held]
        pipeline = fit(
            [data.texts[i] for i in train], [data.labels[i] for i in train], [data.weights[i] for i in train]
        )
        examples = [evaluation.Example(text=data.texts[i], label=data.labels[i]) for i in held_out]
        results.append(_compare(pipeline, examples))
    return results


def next_version() -> int:
    return (TrainedModel.objects.aggregate(v=Max("version"))["v"] or 0) + 1


def train(files: Sequence[Path | str], *, extra_holdout: Sequence[evaluation.Example] = ()) -> TrainedModel:
    """Fit, compare with the built-in backend on held-out data, save, and activate if better.

    The held-out set is one grouped fold of the training data (plus ``extra_holdout``, e.g.
    the project's fixture set). The stored model is then refitted on all the data.
    """
    import joblib

    data = build_training_set(files)
    if len(set(data.labels)) < 2:
        raise ValueError("Training needs labelled examples of at least two issue types.")
    groups = evaluation.near_duplicate_groups(data.texts)
    held_out = set(evaluation.grouped_folds(groups, 5)[0])
    train_idx = [i for i in range(len(data.texts)) if i not in held_out]
    pipeline = fit(
        [data.texts[i] for i in train_idx],
        [data.labels[i] for i in train_idx],
        [data.weights[i] for i in train_idx],
    )
    holdout = [evaluation.Example(text=data.texts[i], label=data.labels[i]) for i in sorted(held_out)]
    scores: dict[str, Any] = {"holdout": {"examples": len(holdout), **_compare(pipeline, holdout)}}
    if extra_holdout:
        scores["extra_holdout"] = {"examples": len(extra_holdout), **_compare(pipeline, extra_holdout)}
    better = all(
        s["trained_macro_f1"] > s["builtin_macro_f1"] for key, s in scores.items() if key.endswith("holdout")
    )
    final = fit(data.texts, data.labels, data.weights)
    version = next_version()
    directory = Path(settings.TRIAGE_MODEL_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"triage-v{version}.joblib"
    joblib.dump({"pipeline": final, "version": version, "algorithm": ALGORITHM}, path)
    with transaction.atomic():
        if better:
            TrainedModel.objects.filter(is_active=True).update(is_active=False)
        model = TrainedModel.objects.create(
            version=version,
            algorithm=ALGORITHM,
            path=str(path),
            labels=sorted(set(data.labels)),
            training_examples=len(data.texts),
            agent_examples=data.agent_examples,
            scores=scores,
            is_active=better,
        )
    return model
