"""``manage.py train_triage``: fit the classifier on shared data and agents' labels."""

from __future__ import annotations

from pathlib import Path
from statistics import mean

from django.core.management.base import BaseCommand, CommandError

from routing.triage import evaluation, learning

DEFAULT_HOLDOUT = Path(__file__).resolve().parents[2] / "tests" / "data" / "triage_examples.csv"


class Command(BaseCommand):
    help = (
        "Train the triage classifier (TF-IDF + logistic regression) on labelled CSV files and on "
        "tickets whose type agents confirmed or corrected; store it with its scores and activate "
        "it only if it beats the built-in backend on held-out data."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--data", action="append", default=None, help="labelled CSV (text,label); repeatable"
        )
        parser.add_argument(
            "--holdout",
            default=str(DEFAULT_HOLDOUT),
            help="an extra held-out CSV the model must also win on (default: the labelled fixture set, "
            "which covers every issue type)",
        )
        parser.add_argument(
            "--no-default-holdout", action="store_true", help="only the grouped held-out fold"
        )
        parser.add_argument("--cv", type=int, default=0, help="also report a grouped K-fold cross-validation")

    def handle(self, *args, data=None, holdout=None, cv=0, no_default_holdout=False, **options) -> None:
        if no_default_holdout and holdout == str(DEFAULT_HOLDOUT):
            holdout = None
        files = data or learning.default_data_files()
        if not files and not learning.agent_labelled_tickets():
            raise CommandError(
                "No training data: pass --data FILE.csv (no ../shared/data and no agent labels)."
            )
        if cv:
            training = learning.build_training_set(files)
            folds = learning.cross_validate(training, folds=cv)
            for number, fold in enumerate(folds, start=1):
                self.stdout.write(
                    f"fold {number}: trained={fold['trained_macro_f1']:.4f} builtin={fold['builtin_macro_f1']:.4f}"
                )
            self.stdout.write(
                f"grouped {cv}-fold cv: trained_macro_f1={mean(f['trained_macro_f1'] for f in folds):.4f} "
                f"builtin_macro_f1={mean(f['builtin_macro_f1'] for f in folds):.4f}"
            )
        extra = evaluation.load_examples(holdout) if holdout else ()
        try:
            model = learning.train(files, extra_holdout=extra)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"model v{model.version}: {model.training_examples} examples ({model.agent_examples} from agents), "
            f"saved to {model.path}"
        )
        for name, scores in model.scores.items():
            self.stdout.write(f"{name}: {scores}")
        self.stdout.write(
            "active: yes (beats the built-in backend)"
            if model.is_active
            else "active: no (the built-in backend is as good or better)"
        )
