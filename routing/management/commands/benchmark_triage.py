"""``manage.py benchmark_triage [FILE.csv]``: messages per second of a backend on one core."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from routing.triage.backends import load_backend
from routing.triage.evaluation import load_examples, ticket_text


class Command(BaseCommand):
    help = (
        "Classify messages in a loop in one process (one core) and print messages per second: per "
        "CPU second (the last line) and per wall-clock second."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", nargs="?", default="routing/tests/data/triage_examples.csv")
        parser.add_argument("--backend", default="heuristic")
        parser.add_argument("--messages", type=int, default=5000, help="how many classifications to time")

    def handle(self, *args, file: str, backend: str, messages: int, **options) -> None:
        try:
            examples = load_examples(file)
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if not examples:
            raise CommandError(f"{file} has no rows")
        engine = load_backend(backend)
        inputs = [ticket_text(e) for e in examples]
        engine.classify(inputs[0])  # warm-up: lazy imports and the VADER lexicon
        started, cpu_started = time.perf_counter(), time.process_time()
        for index in range(messages):
            engine.classify(inputs[index % len(inputs)])
        elapsed = time.perf_counter() - started
        # CPU seconds of this one process: on a shared machine, wall time also counts other
        # programs' turns on the core, CPU time is what one core needs.
        cpu = time.process_time() - cpu_started
        chars = sum(len(e.text) for e in examples) / len(examples)
        self.stdout.write(
            f"backend={engine.name} messages={messages} wall_seconds={elapsed:.3f} cpu_seconds={cpu:.3f} "
            f"avg_chars={chars:.0f} cpu_ms_per_message={1000 * cpu / messages:.3f}"
        )
        self.stdout.write(f"wall_messages_per_second={messages / elapsed:.0f}")
        self.stdout.write(f"messages_per_second={messages / cpu:.0f}")
