"""``manage.py evaluate_triage FILE.csv [--backend NAME]``: per-type scores and macro-F1."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from routing.triage.backends import get_backend, load_backend
from routing.triage.evaluation import evaluate, format_report, load_examples


class Command(BaseCommand):
    help = (
        "Evaluate a triage backend on a labelled CSV (columns text,label). Prints per-type "
        "precision/recall/F1, the confusion matrix, signal scores when the file has a signals "
        "column, and as its last line macro_f1=<value>."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")
        parser.add_argument(
            "--model-version", type=int, help="with --backend trained: a model other than the active one"
        )
        parser.add_argument(
            "--backend",
            help="heuristic, trained, llm, fake or a dotted path (default: settings.TRIAGE_BACKEND)",
        )

    def handle(
        self, *args, file: str, backend: str | None = None, model_version: int | None = None, **options
    ) -> None:
        try:
            examples = load_examples(file)
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        extra = {"version": model_version} if model_version else {}
        engine = load_backend(backend, **extra) if backend else get_backend()
        report = evaluate(engine, examples)
        self.stdout.write(
            f"backend={engine.describe().backend} model={engine.describe().model} examples={len(examples)}"
        )
        self.stdout.write(format_report(report))
        self.stdout.write(f"macro_f1={report.macro_f1:.4f}")
