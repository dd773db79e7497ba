"""``manage.py train_semantic``: refit the semantic backend's classifier head."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
from django.core.management.base import BaseCommand, CommandError

from routing.triage import evaluation, external, learning
from routing.triage.backends import semantic
from routing.triage.calibration import Calibration, expected_calibration_error
from routing.triage.embedding import SentenceEncoder, missing_files

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "data" / "triage_examples.csv"
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
            head = self.calibrate(head, encoder, [p["dev"] for p in public.values()])
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

    def calibrate(self, head: semantic.Head, encoder: SentenceEncoder, dev_files: list) -> semantic.Head:
        """Fit the cue and model calibrations on the dev splits, as the backend will decide."""
        examples = [e for path in dev_files for e in evaluation.load_examples(path)]
        backend = semantic.SemanticBackend(encoder=encoder, head=head)
        results = backend.classify_many([evaluation.ticket_text(e) for e in examples])
        raw: dict[str, list[float]] = {"cue": [], "model": []}
        hits: dict[str, list[bool]] = {"cue": [], "model": []}
        for example, result in zip(examples, results, strict=True):
            reading = result.explanation.get("confidence")
            if reading:
                raw[reading["source"]].append(float(reading["raw"]))
                hits[reading["source"]].append(result.issue_type == example.label)
        cue, model = Calibration.fit(raw["cue"], hits["cue"]), Calibration.fit(raw["model"], hits["model"])
        for name, calibration in (("cue", cue), ("model", model)):
            before = expected_calibration_error(raw[name], hits[name])
            after = expected_calibration_error([calibration(r) for r in raw[name]], hits[name])
            self.stdout.write(
                f"calibration {name}: dev_messages={len(raw[name])} ece_before={before:.4f} ece_after={after:.4f}"
            )
        return replace(head, cue_calibration=cue, model_calibration=model)
