"""The benchmark's generator writes consistent history that every read accepts (tiny scale)."""

import pytest
from django.db.models import F

from analytics.benchmark.generate import clear, generate
from analytics.benchmark.measure import measure
from analytics.models import StageDuration, TicketFacts
from tickets.models import Ticket, TicketEvent


@pytest.mark.django_db
def test_generated_history_is_consistent_and_measurable():
    generate(300, days=30, chunk=120)

    tickets = Ticket.objects.filter(tags__contains=["benchmark"])
    assert tickets.count() == 300
    assert not tickets.filter(status="resolved", resolved_at__isnull=True).exists()
    assert not tickets.filter(first_response_at__lt=F("first_message_at")).exists()
    assert TicketEvent.objects.filter(ticket__in=tickets, kind="created").count() == 300
    assert StageDuration.objects.exists()
    assert TicketFacts.objects.count() == 300
    lines = []
    measure(repeat=1, write=lines.append)
    assert any(line.startswith("metrics, 30 days") for line in lines)

    clear(lines.append)
    assert not Ticket.objects.filter(tags__contains=["benchmark"]).exists()
