"""The AI answers routine questions from the records, through the real pipeline, or hands over."""

from datetime import timedelta

import pytest
from django.utils import timezone

from resolution.models import AiResolution
from tickets import intake
from tickets.models import Message, Ticket
from tickets.tests.factories import CustomerFactory, OrderFactory

pytestmark = pytest.mark.usefixtures("workflow")
FAKE = "routing.triage.backends.fake.FakeBackend"


@pytest.fixture
def triage_as(settings):
    """Triage returns a known classification: these tests are about the flows, not the classifier."""

    def use(issue_type, **options):
        settings.TRIAGE_BACKEND = {"BACKEND": FAKE, "OPTIONS": {"issue_type": issue_type, **options}}

    return use


def receive(body, customer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = intake.receive(
            intake.InboundMessage(
                channel="email", sender=intake.Sender(email=customer.email), subject="Question", body=body
            )
        )
    return Ticket.objects.get(pk=result.ticket.pk)


def ai_message(ticket):
    return Message.objects.filter(ticket=ticket, author_kind="ai", is_auto=False).first()


def test_order_in_transit_is_answered_with_carrier_tracking_and_link(
    django_capture_on_commit_callbacks, triage_as
):
    triage_as("order_status")
    customer = CustomerFactory(name="Dana Ruiz")
    order = OrderFactory(
        customer=customer,
        number="1042",
        fulfillment_status="in_transit",
        carrier="DHL",
        tracking_number="JD0146000012345",
        tracking_url="https://track.example/JD0146000012345",
        shipped_at=timezone.now() - timedelta(days=1),
    )
    ticket = receive(
        f"Where is my order #{order.number}? Could you tell me where it is?",
        customer,
        django_capture_on_commit_callbacks,
    )
    message = ai_message(ticket)
    assert message is not None, AiResolution.objects.filter(ticket=ticket).values_list("refusal", flat=True)
    assert "JD0146000012345" in message.body and "DHL" in message.body and "#1042" in message.body
    attempt = AiResolution.objects.get(ticket=ticket)
    assert attempt.outcome == "sent" and {f["kind"] for f in attempt.facts} >= {"tracking_number", "carrier"}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"fulfillment_status": "unfulfilled", "tracking_number": "", "carrier": ""},
            "expected to leave our warehouse on",
        ),
        ({"fulfillment_status": "out_for_delivery"}, "out for delivery today"),
        ({"fulfillment_status": "delayed"}, "What happens next"),
        (
            {"fulfillment_status": "delivered", "delivered_at": timezone.now() - timedelta(days=2)},
            "was delivered on",
        ),
    ],
)
def test_each_fulfilment_state_gets_its_own_answer(
    fields, expected, django_capture_on_commit_callbacks, triage_as
):
    triage_as("order_status")
    customer = CustomerFactory(name="Sam Lee")
    OrderFactory(customer=customer, number="2001", **fields)
    ticket = receive("Hi, where is order #2001?", customer, django_capture_on_commit_callbacks)
    message = ai_message(ticket)
    assert message is not None and expected in message.body and "#2001" in message.body


def test_delivered_but_not_received_goes_to_a_person_with_a_draft(
    django_capture_on_commit_callbacks, triage_as
):
    triage_as("order_status")
    customer = CustomerFactory()
    OrderFactory(
        customer=customer, number="3001", fulfillment_status="delivered", delivered_at=timezone.now()
    )
    ticket = receive(
        "Order #3001 says delivered but I never received it.", customer, django_capture_on_commit_callbacks
    )
    assert ai_message(ticket) is None
    attempt = AiResolution.objects.get(ticket=ticket)
    assert attempt.outcome == "drafted" and "did not arrive" in attempt.refusal
    assert not ticket.handled_by_ai and ticket.tier.slug == "general"


def test_no_order_found_asks_once_then_hands_over(django_capture_on_commit_callbacks, triage_as):
    triage_as("order_status")
    customer = CustomerFactory()
    ticket = receive("Where is my parcel?", customer, django_capture_on_commit_callbacks)
    asked = ai_message(ticket)
    assert asked is not None and "order number" in asked.body
    with django_capture_on_commit_callbacks(execute=True):
        intake.receive(
            intake.InboundMessage(
                channel="email",
                sender=intake.Sender(email=customer.email),
                subject="Re: Question",
                body="I don't know it, sorry.",
                references=[asked.external_id] if asked.external_id else (),
            )
        )
    ticket.refresh_from_db()
    assert Message.objects.filter(ticket=ticket, author_kind="ai", is_auto=False).count() == 1
    assert not ticket.handled_by_ai


def test_a_policy_question_is_answered_with_the_sentence_that_answers_it(
    django_capture_on_commit_callbacks, triage_as
):
    triage_as("policy_question", confidence=0.97)  # above the policy floor (docs/triage.md)
    customer = CustomerFactory()
    ticket = receive(
        "What's your return policy for items bought on sale?", customer, django_capture_on_commit_callbacks
    )
    message = ai_message(ticket)
    assert message is not None and "Sale items can be returned for store credit only." in message.body
    assert "Orders placed before 2 pm" not in message.body  # a sentence, not the whole policy


def test_a_question_no_policy_answers_gets_no_ai_reply(django_capture_on_commit_callbacks, triage_as):
    triage_as("product_question", confidence=0.97)  # above the floor: the flow, not routing, says no
    customer = CustomerFactory()
    ticket = receive(
        "Is the espresso machine available in red?", customer, django_capture_on_commit_callbacks
    )
    assert ai_message(ticket) is None
    assert AiResolution.objects.get(ticket=ticket).refusal == "no policy passage answers the question"


def test_a_product_question_quotes_the_sentence_of_the_product_record(
    django_capture_on_commit_callbacks, triage_as
):
    from store.models import Product
    from store.tests.factories import StoreConnectionFactory

    triage_as("product_question", confidence=0.97)
    connection = StoreConnectionFactory()
    for store_id, title, description in (
        (
            "p1",
            "Glass electric kettle",
            "A 1.7 l borosilicate glass kettle. The glass jug is dishwasher safe; the base is not. Boils in four minutes.",
        ),
        ("p2", "Stoneware mug, set of 4", "Four 350 ml mugs. Dishwasher and microwave safe."),
    ):
        Product.objects.create(connection=connection, store_id=store_id, title=title, description=description)
    customer = CustomerFactory(name="Lea Nowak")
    ticket = receive(
        "Is the glass electric kettle dishwasher safe?", customer, django_capture_on_commit_callbacks
    )
    message = ai_message(ticket)
    assert message is not None, AiResolution.objects.get(ticket=ticket).refusal
    assert "“The glass jug is dishwasher safe; the base is not.”" in message.body
    assert "Glass electric kettle" in message.body and "Boils" not in message.body
    assert "Stoneware" not in message.body  # the product asked about, not another one
    facts = AiResolution.objects.get(ticket=ticket).facts
    assert {f["kind"] for f in facts} == {"product", "passage"} and facts[0]["source"] == "product p1"


@pytest.mark.parametrize("signals", [{"legal": ["lawyer"]}, {"safety": ["fire"]}])
def test_guarded_tickets_never_get_an_ai_message(signals, django_capture_on_commit_callbacks, triage_as):
    triage_as("order_status", signals=signals)
    customer = CustomerFactory()
    OrderFactory(customer=customer, number="4001")
    ticket = receive(
        "Where is order #4001? My lawyer is asking.", customer, django_capture_on_commit_callbacks
    )
    assert ai_message(ticket) is None


def test_a_customer_writing_again_after_an_ai_answer_goes_to_a_person(
    django_capture_on_commit_callbacks, triage_as
):
    triage_as("order_status")
    customer = CustomerFactory()
    OrderFactory(customer=customer, number="5001")
    ticket = receive("Where is order #5001?", customer, django_capture_on_commit_callbacks)
    answered = ai_message(ticket)
    assert answered is not None
    with django_capture_on_commit_callbacks(execute=True):
        intake.receive(
            intake.InboundMessage(
                channel="email",
                sender=intake.Sender(email=customer.email),
                subject="Re: Question",
                body="That didn't help.",
                references=[answered.external_id] if answered.external_id else (),
            )
        )
    ticket.refresh_from_db()
    assert not ticket.handled_by_ai
    escalation = ticket.escalations.order_by("-id").first()
    assert any(a["data"].get("flow") == "order_status" for a in escalation.package["attempted_resolutions"])
