"""The LLM backend against a real OpenAI-compatible HTTP server on loopback (port 0)."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from routing.models import TriageResult
from routing.triage import triage_ticket
from routing.triage.backends.base import CustomerFacts, MessageText, TicketText
from routing.triage.backends.llm import LLMBackend, redact
from tickets.tests.factories import TicketFactory

GOOD = {
    "issue_type": "delivery_problem",
    "confidence": 0.91,
    "sentiment": "frustrated",
    "sentiment_score": -0.7,
    "urgency": "high",
    "signals": {"reputation": ["post it on Twitter"]},
    "amount": 59.9,
    "currency": "EUR",
    "product": "kettle",
    "summary": "The parcel is lost. The customer threatens to post publicly.",
}


class FakeLLM(BaseHTTPRequestHandler):
    """Answers chat completions with whatever the test put in ``server.reply`` ("sleep" waits)."""

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        request = json.loads(self.rfile.read(length))
        self.server.requests.append(
            {"path": self.path, "auth": self.headers.get("Authorization"), "body": request}
        )
        reply = self.server.replies.pop(0) if self.server.replies else self.server.reply
        if reply == "sleep":
            time.sleep(1.5)
            reply = GOOD
        if reply == 500:
            self.send_response(500)
            self.end_headers()
            return
        content = reply if isinstance(reply, str) else json.dumps(reply)
        body = json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def llm_server(settings):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeLLM)
    server.reply, server.replies, server.requests = GOOD, [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.LLM_API_URL = f"http://127.0.0.1:{server.server_address[1]}/v1"
    settings.LLM_API_KEY = "sk-test"
    settings.LLM_MODEL = "test-model"
    settings.LLM_TIMEOUT_SECONDS = 0.5
    settings.TRIAGE_BACKEND = {"BACKEND": "llm"}
    yield server
    server.shutdown()
    server.server_close()


def ticket_text(body):
    return TicketText(subject="", thread=[MessageText("customer", body)], customer=CustomerFacts())


def test_a_valid_answer_is_used_and_the_request_is_openai_shaped(llm_server):
    backend = LLMBackend()
    result = backend.classify(ticket_text("Lost parcel, I'll post it on Twitter. Mail me at ann@example.org"))
    assert result.issue_type == "delivery_problem" and result.signals == {
        "reputation": ["post it on Twitter"]
    }
    assert backend.describe().backend == "llm" and backend.describe().fallback_reason == ""
    request = llm_server.requests[0]
    assert request["path"] == "/v1/chat/completions" and request["auth"] == "Bearer sk-test"
    assert request["body"]["model"] == "test-model"
    assert "ann@example.org" not in json.dumps(request["body"])  # redacted before it leaves


def test_invalid_json_falls_back_to_the_builtin_backend_and_says_why(llm_server):
    llm_server.reply = "Sure! The type is delivery."
    backend = LLMBackend()
    result = backend.classify(ticket_text("Please cancel order 51234"))
    assert result.issue_type == "cancellation"  # the built-in answer
    info = backend.describe()
    assert info.backend == "heuristic" and "classify: JSONDecodeError" in info.fallback_reason


def test_an_unknown_type_is_invalid_output_and_falls_back(llm_server):
    llm_server.reply = {**GOOD, "issue_type": "shipping_drama"}
    backend = LLMBackend()
    assert backend.classify(ticket_text("Please cancel order 51234")).issue_type == "cancellation"
    assert "not an active type" in backend.describe().fallback_reason


def test_a_timeout_falls_back_and_records_the_timeout(llm_server):
    llm_server.reply = "sleep"
    backend = LLMBackend()
    started = time.monotonic()
    result = backend.classify(ticket_text("Where is my order 48213?"))
    assert time.monotonic() - started < 1.4
    assert result.issue_type == "order_status"
    assert "timeout" in backend.describe().fallback_reason


def test_an_http_error_falls_back(llm_server):
    llm_server.reply = 500
    backend = LLMBackend()
    assert backend.classify(ticket_text("I was charged twice")).issue_type == "billing"
    assert "HTTPError" in backend.describe().fallback_reason


def test_the_llm_never_drops_a_legal_or_safety_signal_the_cues_found(llm_server):
    llm_server.reply = {**GOOD, "signals": {}}
    result = LLMBackend().classify(ticket_text("The charger caught fire. My lawyer will call you."))
    assert {"legal", "safety"} <= set(result.signals) and result.urgency == "critical"


@pytest.mark.django_db
def test_triage_stores_the_fallback_reason_with_the_result(llm_server):
    llm_server.replies = ["not json at all", {"draft": "Hello, we are on it."}]
    ticket = triage_ticket(TicketFactory(subject="", with_message="Please cancel order 51234"))
    result = TriageResult.objects.get(ticket=ticket)
    assert ticket.issue_type == "cancellation"
    assert result.backend == "heuristic" and "JSONDecodeError" in result.fallback_reason
    assert result.raw_output["configured"] == "llm:test-model"
    assert ticket.ai_draft.startswith("Hello, we are on it.")


@pytest.mark.django_db
def test_an_llm_draft_passes_the_money_guardrail(llm_server):
    llm_server.replies = [GOOD, {"draft": "Sorry! We will refund you €900 right away. Best wishes."}]
    ticket = triage_ticket(TicketFactory(subject="", with_message="My parcel is lost, it cost €900"))
    assert "€900" not in ticket.ai_draft and "approve" in ticket.ai_draft
    assert TriageResult.objects.get(ticket=ticket).raw_output["guardrail_removed"]


def test_redaction_hides_emails_phones_and_card_numbers():
    text = redact("ann@example.org, +44 20 7946 0958, card 4111 1111 1111 1111, order 48213")
    assert text == "[email], [phone], card [card number], order 48213"
