"""The built-in backend on the labelled fixture set, and its parts (text, sentiment, facts, drafts)."""

from decimal import Decimal
from pathlib import Path

import pytest

from routing.triage import drafts, extraction, sentiment, text
from routing.triage.backends.base import ISSUE_TYPES as DEFAULT_TYPES
from routing.triage.backends.base import (
    SIGNALS,
    CustomerFacts,
    DraftContext,
    MessageText,
    OrderFacts,
    PolicyText,
    TicketText,
)
from routing.triage.backends.heuristic import HeuristicBackend
from routing.triage.evaluation import evaluate, load_examples, ticket_text

FIXTURE = Path(__file__).parent / "data" / "triage_examples.csv"
EXAMPLES = load_examples(FIXTURE)


def classify(body: str, **customer) -> object:
    return HeuristicBackend().classify(
        TicketText(subject="", thread=[MessageText("customer", body)], customer=CustomerFacts(**customer))
    )


def test_the_fixture_set_covers_every_type_every_signal_and_the_hard_cases():
    """At least 150 examples; every default type and signal; negation, quotes, HTML, long, empty, multi, non-English."""
    assert len(EXAMPLES) >= 150
    assert {e.label for e in EXAMPLES} == set(DEFAULT_TYPES)
    assert {s for e in EXAMPLES for s in e.signals} == set(SIGNALS)
    notes = {n for e in EXAMPLES for n in e.note.split(",") if n}
    assert {"negation", "quoted", "multi", "non-english", "html", "long", "empty"} <= notes


def test_the_builtin_backend_reaches_the_macro_f1_bar_on_the_fixture_set():
    report = evaluate(HeuristicBackend(), EXAMPLES)
    assert report.macro_f1 >= 0.85


def test_the_builtin_backend_catches_every_legal_and_safety_example():
    report = evaluate(HeuristicBackend(), EXAMPLES)
    assert report.signal_scores["legal"]["recall"] == 1.0
    assert report.signal_scores["safety"]["recall"] == 1.0


@pytest.mark.parametrize("example", [e for e in EXAMPLES if {"negation", "quoted"} & set(e.note.split(","))])
def test_negated_and_quoted_threats_raise_no_signal(example):
    raised = set(HeuristicBackend().classify(ticket_text(example)).signals)
    assert raised <= set(example.signals)


@pytest.mark.parametrize(
    ("body", "signal"),
    [
        ("I'm not going to sue, I just want my parcel.", "legal"),
        ("I won't post anything on Twitter, just sort it out.", "reputation"),
        ('Your page says "fire resistant", is that true?', "safety"),
        ("> On Monday you wrote: contact your lawyer if needed\nWhere is my order?", "legal"),
    ],
)
def test_negation_and_quotation_suppress_a_cue(body, signal):
    assert signal not in classify(body).signals


@pytest.mark.parametrize(
    ("body", "signal", "cue"),
    [
        ("I'm not happy, I will sue you.", "legal", "sue"),
        ("I don't want to have to involve my lawyer.", "legal", "lawyer"),
        ("The charger caught fire on my desk.", "safety", "caught fire"),
        ("Let me speak to a real person please", "asks_for_human", "real person"),
    ],
)
def test_a_signal_keeps_the_words_that_raised_it(body, signal, cue):
    assert any(cue in found for found in classify(body).signals[signal])


def test_vip_and_recent_complaints_come_from_the_customer_facts():
    result = classify("Where is my order?", vip_level="gold", recent_complaints=2)
    assert result.signals["vip"] == ["customer VIP level: gold"]
    assert result.signals["repeat_complaint"][0] == "2 complaint(s) in the repeat window"
    assert result.urgency in {"low", "medium", "high"}


def test_legal_or_safety_makes_the_ticket_critical():
    assert classify("The kettle burned my hand badly.").urgency == "critical"


def test_support_language_pushes_sentiment_down():
    """VADER alone reads "I want a refund NOW" as positive; shouting, repeats and threats read as anger."""
    plain, _, _ = sentiment.score_sentiment("I would like a refund", problem=True)
    shouting, _, _ = sentiment.score_sentiment("I want a refund NOW!!", problem=True)
    threat, label, _ = sentiment.score_sentiment(
        "This is the second time my order is lost, I want a refund NOW or I will post on Twitter",
        problem=True,
    )
    assert shouting < plain
    assert threat <= -0.6 and label == "frustrated"
    assert sentiment.score_sentiment("Thanks so much, it works great now!")[1] == "satisfied"
    assert sentiment.score_sentiment("")[1] == "neutral"


@pytest.mark.parametrize(
    ("body", "amount", "currency"),
    [
        ("I paid €1.299,00 for it", Decimal("1299.00"), "EUR"),
        ("refund $45.50 please", Decimal("45.50"), "USD"),
        ("it cost 1,200 dollars and shipping 30 euros", Decimal("1200"), "USD"),
        ("£19.99 and then £5", Decimal("19.99"), "GBP"),
    ],
)
def test_the_largest_amount_is_at_stake(body, amount, currency):
    assert extraction.amount_at_stake(body) == (amount, currency)


def test_order_numbers_are_extracted_in_their_usual_forms():
    found = extraction.extract_order_numbers("Order #48213, order number: AB-99812 and purchase 00004587345")
    assert found == ["48213", "AB-99812", "00004587345"]


@pytest.mark.parametrize(
    "body",
    ["", "   ", "こんにちは", "<script>alert(1)</script>", "x" * 200_000, "€€€ $$$ ###", "ÄÖÜ ß " * 500],
)
def test_odd_bodies_never_crash_and_give_a_valid_answer(body):
    result = classify(body)
    assert result.issue_type in DEFAULT_TYPES
    assert -1 <= result.sentiment_score <= 1


def test_html_is_read_as_text_and_scripts_are_dropped():
    prepared = text.prepare("<p>My <b>parcel</b> never arrived</p><script>sue()</script>")
    assert "parcel never arrived" in prepared.replace("\n", " ").replace("  ", " ")
    assert "sue" not in prepared


def test_reply_history_is_dropped_but_text_below_a_quote_is_kept():
    body = (
        "Thanks!\n\nOn Mon, 3 Nov 2025, Support <a@b.c> wrote:\n> talk to a lawyer\n\nStill no parcel though."
    )
    prepared = text.prepare(body)
    assert "lawyer" not in prepared
    assert "Still no parcel" in prepared


def _context(classification, *, amount_limit="100", name="Ann Lee"):
    return DraftContext(
        thread=[MessageText("customer", "help")],
        classification=classification,
        customer=CustomerFacts(name=name),
        order=OrderFacts(
            number="1001", fulfillment_status="in_transit", carrier="DHL", tracking_number="JJD1"
        ),
        policy=PolicyText(
            slug="refunds", title="Refund policy", version=3, body="Refunds take 5 days. More text."
        ),
        approval_amount=Decimal(amount_limit),
    )


def test_drafts_are_softer_for_frustrated_customers():
    calm = drafts.compose_draft(_context(classify("Where is my order 1001?")))
    angry = drafts.compose_draft(_context(classify("WHERE IS MY ORDER?? This is ridiculous, second time!!")))
    assert "sorry" in angry.lower() and "sorry" not in calm.lower()
    assert "DHL" in calm and "JJD1" in calm


def test_a_draft_never_promises_money_above_the_approval_threshold():
    result = classify("I want a refund of €450 for my broken sofa")
    draft = drafts.compose_draft(_context(result))
    assert "approve" in draft
    unsafe = "Hi Ann,\n\nWe will refund you €450 today. Thanks."
    safe, removed = drafts.enforce_guardrails(unsafe, _context(result))
    assert "€450" not in safe and removed == ["We will refund you €450 today."]
    small, removed = drafts.enforce_guardrails("We will refund you €20 today.", _context(result))
    assert removed == [] and "€20" in small


def test_legal_drafts_admit_nothing_and_hand_over_to_a_person():
    result = classify("My lawyer will contact you about the burned table")
    safe, removed = drafts.enforce_guardrails("This was our fault and we will pay €10.", _context(result))
    assert removed and "our fault" not in safe
    assert "senior" in drafts.compose_draft(_context(result))


def test_the_word_prefix_shortcut_changes_no_result(monkeypatch):
    """Cues skipped because their first letters are absent could never have matched."""
    from dataclasses import replace

    from routing.triage import cues

    backend = HeuristicBackend()
    fast = [backend.classify(ticket_text(e)) for e in EXAMPLES]
    for table in (cues.TYPE_CUES, cues.SIGNAL_CUES):
        for name in list(table):
            monkeypatch.setitem(table, name, [replace(c, prefixes=None) for c in table[name]])
    slow = [backend.classify(ticket_text(e)) for e in EXAMPLES]
    assert [(r.issue_type, dict(r.signals)) for r in fast] == [(r.issue_type, dict(r.signals)) for r in slow]
