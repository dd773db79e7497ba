"""The benchmark's generator writes consistent history that every read accepts (tiny scale)."""

import pytest
from django.db.models import F

from analytics.models import StageDuration, TicketFacts
from demo.benchmark.generate import clear, generate
from demo.benchmark.measure import measure
from demo.benchmark.pages import time_pages
from tickets import event_kinds
from tickets.models import Ticket, TicketEvent


@pytest.mark.django_db
def test_generated_history_is_consistent_and_measurable():
    generate(300, days=30, chunk=120)

    tickets = Ticket.objects.filter(tags__contains=["benchmark"])
    assert tickets.count() == 300
    assert not tickets.filter(status="resolved", resolved_at__isnull=True).exists()
    assert not tickets.filter(first_response_at__lt=F("first_message_at")).exists()
    assert TicketEvent.objects.filter(ticket__in=tickets, kind="created").count() == 300
    # The generator writes the payload names the actions write (what analytics reads).
    declared = event_kinds.declared()
    for kind, data in TicketEvent.objects.filter(ticket__in=tickets).values_list("kind", "data").iterator():
        assert set(data) <= declared[kind].fields, (kind, sorted(set(data) - declared[kind].fields))
    assert TicketEvent.objects.filter(
        ticket__in=tickets, kind="escalated", data__has_key="to_senior"
    ).exists()
    assert StageDuration.objects.exists()
    assert TicketFacts.objects.count() == 300
    # Ids follow time, as in a live installation (recent tickets sit together).
    times = list(tickets.order_by("id").values_list("first_message_at", flat=True))
    assert times == sorted(times)
    lines = []
    measure(repeat=1, write=lines.append)
    assert any(line.startswith("metrics, 30 days") for line in lines)
    # Every page of the goals table answers (with data behind it) for its user.
    timings = time_pages(repeat=1)
    assert {t.status for t in timings} == {200}
    assert all(t.queries > 0 and t.p95 > 0 for t in timings)

    clear(lines.append)
    assert not Ticket.objects.filter(tags__contains=["benchmark"]).exists()
