"""``manage.py evaluate_triage [FILE.csv ...] [--external] [--backend NAME]``: how good triage is.

With no file (or with ``--external``) it scores the public test splits that
``prepare_external_triage`` derived: the headline figures of docs/triage.md.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from rich.console import Console
from rich.progress import Progress

from routing.triage import external
from routing.triage.backends import get_backend, load_backend
from routing.triage.evaluation import (
    classify_all,
    evaluate,
    format_confidence,
    format_report,
    load_examples,
    score,
)
from routing.workflow import ACTION_RULES


class Command(BaseCommand):
    help = (
        "Evaluate a triage backend on labelled CSVs (columns text,label), by default on the public "
        "test splits (see prepare_external_triage). Prints per-type precision/recall/F1 and the "
        "confusion matrix per file, signal scores when a file has a signals column, then over all "
        "files: accuracy, a reliability table, the ECE and, for each AI action rule, the precision "
        "above its default floor and its coverage; the last line is macro_f1=<value>."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("files", nargs="*", metavar="FILE")
        parser.add_argument("--external", action="store_true", help="also the public test splits")
        parser.add_argument(
            "--model-version", type=int, help="with --backend trained: a model other than the active one"
        )
        parser.add_argument(
            "--backend",
            help="semantic, heuristic, trained, llm, fake or a dotted path (default: settings.TRIAGE_BACKEND)",
        )

    def handle(
        self, *args, files=(), external_sets=False, backend=None, model_version=None, **options
    ) -> None:
        paths = list(files)
        if options.get("external") or not paths:
            public = external.available()
            if not public:
                raise CommandError(
                    f"No public test splits in {external.external_dir()}: run prepare_external_triage "
                    "(docs/triage.md) or give a FILE."
                )
            paths += [str(p["test"]) for p in public.values()]
        try:
            sets = [(path, load_examples(path)) for path in paths]
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        extra = {"version": model_version} if model_version else {}
        engine = load_backend(backend, **extra) if backend else get_backend()
        info = engine.describe()
        gold, predicted, confidences = [], [], []
        total = sum(len(examples) for _, examples in sets)
        with Progress(console=Console(stderr=True), transient=True) as progress:
            task = progress.add_task("classifying", total=total)
            for path, examples in sets:
                results = classify_all(engine, examples, progress=lambda n: progress.advance(task, n))
                report = evaluate(engine, examples, results=results)
                self.stdout.write(
                    f"file={path} backend={info.backend} model={info.model} examples={len(examples)}"
                )
                self.stdout.write(format_report(report))
                self.stdout.write("")
                gold += [e.label for e in examples]
                predicted += [r.issue_type for r in results]
                confidences += [r.confidence for r in results]
        overall = score(gold, predicted)
        self.stdout.write(
            f"all files: examples={len(gold)} accuracy={overall.accuracy:.4f} macro_f1={overall.macro_f1:.4f}"
        )
        rules = [(slug, types, floor) for slug, _, _, types, _, floor, _ in ACTION_RULES]
        self.stdout.write(format_confidence(gold, predicted, confidences, rules))
        self.stdout.write(f"macro_f1={overall.macro_f1:.4f}")
