"""CPU per message of triage (the configured backend) plus the resolution flow (context,
compose, verify), on generated routine messages with their records. Everything runs in one
transaction that is rolled back, so the database is left as it was.

    python manage.py benchmark_flows [--messages 300]
"""

from __future__ import annotations

import statistics
import time

from django.core.management.base import BaseCommand
from django.db import transaction
from rich.progress import Progress

from resolution import flows, verifier
from resolution.context import load_context
from resolution.samples import GUARDED, make_samples
from routing.triage import brief
from routing.triage.backends import get_backend
from tickets.models import Message, Ticket


class Rollback(Exception):
    pass


def _ms(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return f"mean {statistics.fmean(values):.2f} ms, p50 {statistics.median(values):.2f} ms, p95 {p95:.2f} ms"


class Command(BaseCommand):
    help = "CPU milliseconds per message: triage + resolution flow (rolled back afterwards)."

    def add_arguments(self, parser):
        parser.add_argument("--messages", type=int, default=300)

    def handle(self, *args, messages: int, **options):
        backend = get_backend()
        try:
            with transaction.atomic():
                self._run(backend, messages)
                raise Rollback
        except Rollback:
            pass

    def _run(self, backend, count: int) -> None:
        samples = make_samples(count, seed=77, guarded_share=0)
        tickets = []
        for sample in samples:
            ticket = Ticket.objects.create(
                customer=sample.customer,
                channel="email",
                subject="Question",
                order=sample.order,
                issue_type=sample.kind if sample.kind not in GUARDED else "order_status",
                triage_confidence=0.9,
            )
            Message.objects.create(
                ticket=ticket, direction="inbound", author_kind="customer", channel="email", body=sample.body
            )
            tickets.append(ticket)
        backend.classify(brief.load_inputs(tickets[0]).ticket_text)  # warm-up: model load is not per message
        triage_ms, flow_ms, sent = [], [], 0
        with Progress(transient=True) as progress:
            task = progress.add_task("triage + flow", total=len(tickets))
            for ticket in tickets:
                inputs = brief.load_inputs(ticket)
                started = time.process_time()
                backend.classify(inputs.ticket_text)
                triage_ms.append((time.process_time() - started) * 1000)
                ticket = Ticket.objects.select_related("customer", "order").get(pk=ticket.pk)
                started = time.process_time()
                context = load_context(ticket)
                answer = flows.compose(context)
                problems = [] if answer.handoff else verifier.check(answer, context)
                flow_ms.append((time.process_time() - started) * 1000)
                sent += not answer.handoff and not problems
                progress.advance(task)
        total = [a + b for a, b in zip(triage_ms, flow_ms, strict=True)]
        self.stdout.write(f"messages: {len(tickets)} (backend {getattr(backend, 'name', backend)})")
        self.stdout.write(f"triage CPU per message: {_ms(triage_ms)}")
        self.stdout.write(
            f"flow CPU per message (context + compose + verify, DB client included): {_ms(flow_ms)}"
        )
        self.stdout.write(f"triage + flow CPU per message: {_ms(total)}")
        self.stdout.write(f"answers the verifier would send: {sent} of {len(tickets)}")
