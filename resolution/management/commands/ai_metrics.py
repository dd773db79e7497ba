"""What the AI did, as the dashboard and /api/v1/metrics/ count it, plus where each flow stopped.

    python manage.py ai_metrics [--days 90]

Tickets by first message in the last ``--days`` days (the metrics' period); the same query as the
API (``analytics.queries.ai.ai_metrics``).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db.models import Count, Q

from analytics.queries.ai import ai_metrics
from analytics.queries.filters import MetricFilters
from resolution.models import AiResolution


class Command(BaseCommand):
    help = "Print ai_resolution_rate and the other AI metrics, and each flow's sent and handed-over answers."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=90)

    def handle(self, *args, days: int, **options):
        filters = MetricFilters.last_days(days)
        metrics = ai_metrics(filters)
        rate = metrics["ai_resolution_rate"]
        value = "-" if rate["value"] is None else f"{rate['value']:.1%}"
        self.stdout.write(
            f"ai_resolution_rate: {value} ({rate['numerator']} of {rate['denominator']} tickets "
            f"from {filters.start} to {filters.end} resolved with an AI answer and no message from a person)"
        )
        for key in ("ai_reopen_rate", "ai_review_accuracy"):
            figure = metrics[key]
            shown = "-" if figure["value"] is None else f"{figure['value']:.1%}"
            self.stdout.write(f"{key}: {shown} ({figure['numerator']} of {figure['denominator']})")
        for key in ("ai_csat", "human_csat"):
            figure = metrics[key]
            self.stdout.write(f"{key}: {figure['average']} ({figure['responses']} responses)")
        rows = (
            AiResolution.objects.filter(ticket__first_message_at__gte=filters.start_at)
            .values("flow")
            .annotate(
                sent=Count("pk", filter=Q(outcome=AiResolution.Outcome.SENT)),
                drafted=Count("pk", filter=Q(outcome=AiResolution.Outcome.DRAFTED)),
            )
            .order_by("-sent", "flow")
        )
        for row in rows:
            self.stdout.write(f"  {row['flow']}: {row['sent']} sent, {row['drafted']} handed to people")
