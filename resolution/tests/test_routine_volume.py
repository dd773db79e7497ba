"""500 varied routine messages with their store records through the real pipeline (default
triage backend, default workflow): every AI-sent message carries its facts and no placeholder,
and guarded cases (legal, safety, VIP, above the approval amount, angry) never get one."""

import pytest

from resolution.facts import format_amount
from resolution.models import AiResolution
from resolution.samples import GUARDED, make_samples
from resolution.verifier import PLACEHOLDER
from routing import pipeline
from store.models import Refund
from tickets import intake
from tickets.models import Message, Ticket

pytestmark = pytest.mark.usefixtures("workflow")

COUNT = 500


def test_500_routine_messages(django_capture_on_commit_callbacks):
    samples = make_samples(COUNT)
    tickets = {}
    # Intake stores each message; the batched pipeline then triages and routes them 32 at a
    # time (as the workers do), and the AI tier's jobs run when each batch commits.
    with django_capture_on_commit_callbacks(execute=False):
        for sample in samples:
            result = intake.receive(
                intake.InboundMessage(
                    channel="email",
                    sender=intake.Sender(email=sample.customer.email, name=sample.customer.name),
                    subject="Question",
                    body=sample.body,
                )
            )
            tickets[result.ticket.pk] = sample
    with django_capture_on_commit_callbacks(execute=True):
        assert pipeline.drain_now() == COUNT
    sent = {
        m.ticket_id: m for m in Message.objects.filter(ticket_id__in=tickets, author_kind="ai", is_auto=False)
    }
    attempts = {a.message_id: a for a in AiResolution.objects.filter(message__in=sent.values())}
    for ticket_id, message in sent.items():
        sample = tickets[ticket_id]
        assert not sample.guarded, f"{sample.kind} got an AI message: {message.body}"
        attempt = attempts[message.pk]
        # The one AI message without a record fact: a question misread as order status, with no
        # order named, gets the single request for the order number.
        asks = attempt.flow == "order_status" and not attempt.facts
        assert attempt.facts or (asks and "order number" in message.body), message.body
        assert all(fact["value"] in message.body for fact in attempt.facts)
        assert not PLACEHOLDER.search(message.body)
        refunds = {format_amount(r.amount, r.currency) for r in Refund.objects.filter(order=sample.order)}
        for fact in attempt.facts:
            if fact["kind"] == "order_number":
                assert fact["value"] == f"#{sample.order.number}"
            if fact["kind"] == "tracking_number":
                assert fact["value"] == sample.order.tracking_number
            if fact["kind"] == "amount" and fact["label"] == "refund amount":
                # The amount quoted is the refund the store recorded on this order.
                assert fact["value"] in refunds, (fact, refunds)
    routine = [pk for pk, s in tickets.items() if not s.guarded]
    share = sum(1 for pk in routine if pk in sent) / len(routine)
    print(f"AI-sent: {len(sent)} of {len(routine)} routine messages ({share:.0%})")
    # The flows answer most order-status messages the classifier recognises; a regression that
    # stops the AI from sending anything fails here.
    status = [pk for pk, s in tickets.items() if s.kind == "order_status"]
    assert sum(1 for pk in status if pk in sent) >= 0.3 * len(status)
    refunds_answered = [pk for pk, s in tickets.items() if s.kind == "refund_request" and pk in sent]
    assert refunds_answered, "no refund-status question was answered from its records"
    # Every guarded kind is in the mix (legal, safety, VIP, above the approval amount, angry).
    assert {s.kind for s in tickets.values() if s.guarded} == set(GUARDED)
    for pk, sample in tickets.items():
        if sample.guarded:
            assert not Ticket.objects.get(pk=pk).messages.filter(author_kind="ai", is_auto=False).exists()
