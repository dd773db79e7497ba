"""``manage.py train_semantic``: refit the semantic backend's classifier head."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from routing.triage import evaluation, external, learning
from routing.triage.backends import semantic
from routing.triage.backends.heuristic import HeuristicBackend
from routing.triage.calibration import Calibration, expected_calibration_error
from routing.triage.embedding import SentenceEncoder, missing_files

DATA = Path(__file__).resolve().parents[2] / "tests" / "data"
FIXTURES = DATA / "triage_examples.csv"
# Written for measuring and never used to write cues or fit the model (docs/triage.md).
HOLDOUTS = [DATA / "holdout_a.csv", DATA / "holdout_b.csv", DATA / "holdout_c.csv"]
# The fixture set is small, hand-written and covers the types the public data lacks
# (delivery problems, returns, defects): each example counts this many times.
FIXTURE_WEIGHT = 3.0


class Command(BaseCommand):
    help = (
        "Embed the labelled CSVs, the fixture set and the tickets agents confirmed or corrected "
        "with all-MiniLM-L6-v2 and fit the semantic backend's logistic-regression head; with the "
        "public sets of prepare_external_triage present, also train on their train splits and "
        "calibrate the confidence on their dev splits. Writes TRIAGE_MODEL_DIR/minilm/head.npz "
        "(or --output). Takes about a minute per 5,000 texts."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--data", action="append", default=None, help="labelled CSV (text,label); repeatable"
        )
        parser.add_argument(
            "--output", default="", help="where to write the head (default: beside the model)"
        )
        parser.add_argument(
            "--no-agents", action="store_true", help="leave out agents' labels (for the shipped head)"
        )
        parser.add_argument(
            "--no-external", action="store_true", help="leave out the public sets (train and calibration)"
        )

    def handle(self, *args, data=None, output="", no_agents=False, no_external=False, **options) -> None:
        directory = semantic.model_dir()
        absent = missing_files(directory)
        if absent:
            raise CommandError(
                f"Model files missing in {directory} ({', '.join(absent)}): run scripts/fetch_models.sh"
            )
        texts: list[str] = []
        labels: list[str] = []
        weights: list[float] = []

        def add(rows, weight: float) -> None:
            for text, label in rows:
                if text.strip() and label:
                    texts.append(text)
                    labels.append(label)
                    weights.append(weight)

        for path in data or learning.default_data_files():
            add(((e.text, e.label) for e in evaluation.load_examples(path)), 1.0)
        add(((e.text, e.label) for e in evaluation.load_examples(FIXTURES)), FIXTURE_WEIGHT)
        public = {} if no_external else external.available()
        for paths in public.values():
            # The test split is never read here: it is the evaluation.
            add(((e.text, e.label) for e in evaluation.load_examples(paths["train"])), 1.0)
        agents = [] if no_agents else learning.agent_labelled_tickets()
        add(agents, learning.AGENT_WEIGHT)
        if len(set(labels)) < 2:
            raise CommandError("Training needs labelled examples of at least two issue types.")
        encoder = SentenceEncoder(directory)
        # The model reads what the backend reads at run time: subject and message, head and tail.
        vectors = encoder.encode(
            [semantic.semantic_text(evaluation.ticket_text(evaluation.Example(t, ""))) for t in texts]
        )
        head = semantic.fit_head(vectors, labels, weights)
        if public:
            head = self.calibrate(head, encoder, public)
        target = Path(output) if output else directory / "head.npz"
        head.save(target)
        accuracy = float(
            np.mean(
                [
                    head.classes[i] == y
                    for i, y in zip(head.probabilities(vectors).argmax(1), labels, strict=True)
                ]
            )
        )
        self.stdout.write(
            f"examples={len(texts)} agent_examples={len(agents)} types={len(head.classes)} "
            f"training_accuracy={accuracy:.4f} head={target}"
        )

    def calibrate(self, head: semantic.Head, encoder: SentenceEncoder, public: dict) -> semantic.Head:
        """Per cue type, how often a strong cue is right; the head's probability, isotonic.

        The cues were never fitted to the public sets, so their train and dev splits (and the
        project's held-out sets) are held-out data for the cues. The head was fitted on the
        public train splits, so its calibration uses the dev splits only.
        """
        cue_files = [p[s] for p in public.values() for s in ("train", "dev")] + HOLDOUTS
        cue_examples = [e for path in cue_files for e in evaluation.load_examples(path)]
        builtin = HeuristicBackend()
        tally: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for example in cue_examples:
            result = builtin.classify(evaluation.ticket_text(example))
            if result.confidence >= semantic.CUE_CONFIDENCE and result.language == "en":
                for key in (result.issue_type, "*"):
                    tally[key][0] += 1
                    tally[key][1] += result.issue_type == example.label
        # Laplace smoothing: a type seen right 3 times of 3 is not certain.
        cue_accuracy = {t: (right + 1) / (seen + 2) for t, (seen, right) in tally.items()}
        dev = [e for p in public.values() for e in evaluation.load_examples(p["dev"])]
        backend = semantic.SemanticBackend(encoder=encoder, head=head)
        raw, hits = [], []
        for example, result in zip(
            dev, backend.classify_many([evaluation.ticket_text(e) for e in dev]), strict=True
        ):
            reading = result.explanation.get("confidence")
            if reading and reading["source"] == "model":
                raw.append(float(reading["raw"]))
                hits.append(result.issue_type == example.label)
        model = Calibration.fit(raw, hits)
        before = expected_calibration_error(raw, hits)
        after = expected_calibration_error([model(r) for r in raw], hits)
        self.stdout.write(
            f"calibration model: dev_messages={len(raw)} ece_before={before:.4f} ece_after={after:.4f}"
        )
        self.stdout.write(
            "cue accuracy: "
            + " ".join(f"{t}={v:.3f}({tally[t][0]})" for t, v in sorted(cue_accuracy.items()))
        )
        return replace(head, cue_accuracy=cue_accuracy, model_calibration=model)
