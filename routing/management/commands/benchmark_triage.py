"""``manage.py benchmark_triage [FILE.csv]``: CPU time per message of a backend on one core."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from routing.triage.backends import get_backend, load_backend
from routing.triage.evaluation import load_examples, ticket_text


class Command(BaseCommand):
    help = (
        "Classify messages in a loop in one process (one core), one at a time and then in batches "
        "through classify_many when the backend has it, and print CPU milliseconds per message "
        "and messages per CPU second (the last line, for one-at-a-time)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", nargs="?", default="routing/tests/data/triage_examples.csv")
        parser.add_argument("--backend", help="default: settings.TRIAGE_BACKEND (semantic)")
        parser.add_argument("--messages", type=int, default=1000, help="how many classifications to time")
        parser.add_argument("--batch", type=int, default=32, help="messages per classify_many call")

    def handle(self, *args, file: str, backend: str | None, messages: int, batch: int, **options) -> None:
        try:
            examples = load_examples(file)
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if not examples:
            raise CommandError(f"{file} has no rows")
        engine = load_backend(backend) if backend else get_backend()
        inputs = [ticket_text(examples[i % len(examples)]) for i in range(messages)]
        engine.classify(inputs[0])  # warm-up: lazy imports, the VADER lexicon, the model weights
        chars = sum(len(e.text) for e in examples) / len(examples)
        started, cpu_started = time.perf_counter(), time.process_time()
        for ticket in inputs:
            engine.classify(ticket)
        # CPU seconds of this one process: on a shared machine, wall time also counts other
        # programs' turns on the core, CPU time is what one core needs.
        single_cpu = time.process_time() - cpu_started
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"backend={engine.describe().backend} messages={messages} avg_chars={chars:.0f} "
            f"single: wall_seconds={elapsed:.3f} cpu_seconds={single_cpu:.3f} "
            f"cpu_ms_per_message={1000 * single_cpu / messages:.3f}"
        )
        many = getattr(engine, "classify_many", None)
        if many and batch > 1:
            cpu_started = time.process_time()
            for start in range(0, messages, batch):
                many(inputs[start : start + batch])
            batched_cpu = time.process_time() - cpu_started
            self.stdout.write(
                f"batched: batch={batch} cpu_seconds={batched_cpu:.3f} "
                f"cpu_ms_per_message={1000 * batched_cpu / messages:.3f}"
            )
        self.stdout.write(f"messages_per_second={messages / single_cpu:.0f}")
