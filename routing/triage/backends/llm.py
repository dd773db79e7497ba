"""The LLM backend: any OpenAI-compatible chat-completions endpoint (the only HTTP client here).

The model is asked for JSON, which is validated like every backend's output. On timeout,
HTTP error, unparsable or invalid output the built-in backend answers instead and the reason
is stored with the result. Legal and safety signals found by the built-in cues are always
kept (an LLM may miss one; a person must never). Emails, phone and card numbers are redacted
before anything leaves the server.
"""

from __future__ import annotations

import json
import re
import socket
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings

from routing.triage.backends.base import (
    SENTIMENTS,
    SIGNALS,
    URGENCIES,
    BackendInfo,
    Classification,
    Draft,
    DraftContext,
    MessageText,
    Summary,
    TicketText,
)
from routing.triage.backends.heuristic import HeuristicBackend
from routing.triage.validation import InvalidTriageOutput

PROMPT_VERSION = "triage-llm-2026.11"
MAX_PROMPT_CHARS = 8000
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+")
_CARD = re.compile(r"\b(?:\d[ -]?){13,19}\b")
_PHONE = re.compile(r"(?<!\w)\+?\d[\d ()./-]{7,}\d")

SYSTEM_PROMPT = """You triage customer-support messages for an online store.
Answer with one JSON object only, no prose, with these keys:
"issue_type": one of {types};
"confidence": number 0..1;
"sentiment": one of frustrated, neutral, satisfied; "sentiment_score": number -1..1;
"urgency": one of low, medium, high, critical;
"signals": object mapping any of legal, safety, reputation, policy_exception, repeat_complaint,
asks_for_human to a list of the customer's exact words that raised it (omit signals not present;
a negated or quoted phrase such as "I'm not going to sue" does not raise a signal);
"amount": the money at stake as a number or null; "currency": ISO code or "";
"product": short product name or ""; "summary": two sentences for the agent."""

DRAFT_PROMPT = """Write a reply to the customer in the store's voice: warm, plain, short.
Use only the facts given. Never promise a refund, compensation or any amount above {limit};
for amounts above it say a colleague must approve. Never admit liability. If the customer is
frustrated, apologise first. Answer with JSON: {{"draft": "..."}}."""


def redact(text: str) -> str:
    text = _EMAIL.sub("[email]", text)
    text = _CARD.sub("[card number]", text)
    return _PHONE.sub("[phone]", text)


class LLMBackend:
    name = "llm"
    is_fast = False

    def __init__(
        self,
        *,
        url: str = "",
        api_key: str = "",
        model: str = "",
        timeout: float | None = None,
        **options: object,
    ) -> None:
        self.url = url or settings.LLM_API_URL
        self.api_key = api_key or settings.LLM_API_KEY
        self.model = model or settings.LLM_MODEL
        self.timeout = timeout if timeout is not None else settings.LLM_TIMEOUT_SECONDS
        self.builtin = HeuristicBackend()
        self.fallback_reasons: list[str] = []
        self.raw: dict[str, Any] = {}
        self._summary = ""

    def describe(self) -> BackendInfo:
        """Which backend's classification was stored: the LLM's, or the built-in one and why."""
        if "classify" in self.raw.get("failed", []):
            return BackendInfo(
                backend=self.builtin.name,
                model=self.builtin.describe().model,
                prompt_version=PROMPT_VERSION,
                fallback_reason="; ".join(self.fallback_reasons),
                raw={**self.raw, "configured": f"{self.name}:{self.model}"},
            )
        return BackendInfo(
            backend=self.name,
            model=self.model,
            prompt_version=PROMPT_VERSION,
            fallback_reason="; ".join(self.fallback_reasons),
            raw=self.raw,
        )

    # --- HTTP -------------------------------------------------------------------------------
    def _endpoint(self) -> str:
        url = self.url.rstrip("/")
        return url if url.endswith("/chat/completions") else f"{url}/chat/completions"

    def _chat(self, system: str, user: str) -> dict[str, Any]:
        """POST one chat completion and return the JSON object in the answer; raises on any failure."""
        if not self.url:
            raise InvalidTriageOutput("LLM_API_URL is not set")
        body = json.dumps(
            {
                "model": self.model,
                "temperature": 0,
                "response_format": {"type": "json_object"},
                "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
            }
        ).encode()
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(self._endpoint(), data=body, headers=headers, method="POST")
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            payload = json.loads(response.read().decode("utf-8"))
        content = payload["choices"][0]["message"]["content"]
        self.raw.setdefault("responses", []).append(str(content)[:4000])
        content = re.sub(r"^\s*```(?:json)?|```\s*$", "", str(content).strip())
        data = json.loads(content)
        if not isinstance(data, dict):
            raise InvalidTriageOutput("the model's answer is not a JSON object")
        return data

    def _fail(self, step: str, exc: BaseException) -> None:
        kind = (
            "timeout"
            if isinstance(exc, TimeoutError | socket.timeout) or "timed out" in str(exc)
            else type(exc).__name__
        )
        self.fallback_reasons.append(f"{step}: {kind}: {exc}"[:300])
        self.raw.setdefault("failed", []).append(step)

    # --- protocol -----------------------------------------------------------------------------
    def classify(self, ticket: TicketText) -> Classification:
        builtin = self.builtin.classify(ticket)
        text = redact(ticket.customer_text)[-MAX_PROMPT_CHARS:]
        system = SYSTEM_PROMPT.format(types=", ".join(ticket.issue_types))
        try:
            data = self._chat(system, f"Customer messages:\n{text}")
            result = self._to_classification(data, ticket, builtin)
        except (
            urllib.error.URLError,
            TimeoutError,
            OSError,
            ValueError,
            KeyError,
            IndexError,
            TypeError,
        ) as exc:
            self._fail("classify", exc)
            return builtin
        self._summary = str(data.get("summary") or "")[:1500]
        return result

    def _to_classification(
        self, data: dict[str, Any], ticket: TicketText, builtin: Classification
    ) -> Classification:
        issue_type = data.get("issue_type")
        if issue_type not in ticket.issue_types:
            raise InvalidTriageOutput(f"issue_type {issue_type!r} is not an active type")
        if data.get("sentiment") not in SENTIMENTS or data.get("urgency") not in URGENCIES:
            raise InvalidTriageOutput("sentiment or urgency is not a known label")
        raw_signals = data.get("signals") or {}
        if not isinstance(raw_signals, dict):
            raise InvalidTriageOutput("signals is not an object")
        signals = {
            name: [str(c)[:200] for c in (cues if isinstance(cues, list) else [cues])] or [name]
            for name, cues in raw_signals.items()
            if name in SIGNALS and name != "vip" and cues
        }
        for name in ("legal", "safety", "vip", "repeat_complaint"):
            if name in builtin.signals and name not in signals:
                signals[name] = list(builtin.signals[name])
        amount = data.get("amount")
        try:
            amount = Decimal(str(amount)) if amount not in (None, "") else builtin.amount
        except InvalidOperation as exc:
            raise InvalidTriageOutput(f"amount {amount!r} is not a number") from exc
        urgency = data["urgency"]
        if {"legal", "safety"} & set(signals):
            urgency = "critical"
        return replace(
            builtin,
            issue_type=issue_type,
            confidence=float(data.get("confidence", 0.7)),
            sentiment=data["sentiment"],
            sentiment_score=float(data.get("sentiment_score", builtin.sentiment_score)),
            urgency=urgency,
            signals=signals,
            signal_confidence={name: 0.8 for name in signals},
            amount=amount,
            currency=str(data.get("currency") or builtin.currency)[:3],
            product=str(data.get("product") or builtin.product)[:120],
            explanation={"llm": True, "builtin_type": builtin.issue_type},
        )

    def summarize(self, thread: Sequence[MessageText]) -> Summary:
        return Summary(self._summary) if self._summary else self.builtin.summarize(thread)

    def draft_reply(self, context: DraftContext) -> Draft:
        facts = {
            "customer_name": context.customer.name.split(" ")[0] if context.customer.name else "",
            "issue_type": context.classification.issue_type,
            "sentiment": context.classification.sentiment,
            "signals": sorted(context.classification.signals),
            "order": (
                {
                    "number": context.order.number,
                    "status": context.order.fulfillment_status,
                    "carrier": context.order.carrier,
                    "tracking": context.order.tracking_number,
                }
                if context.order
                else None
            ),
            "policy": {"title": context.policy.title, "text": context.policy.body}
            if context.policy
            else None,
            "messages": [
                {"from": m.author, "text": redact(m.body)[:2000]} for m in list(context.thread)[-6:]
            ],
        }
        try:
            data = self._chat(DRAFT_PROMPT.format(limit=context.approval_amount), json.dumps(facts))
            draft = str(data["draft"]).strip()
            if not draft:
                raise InvalidTriageOutput("empty draft")
        except (urllib.error.URLError, TimeoutError, OSError, ValueError, KeyError, TypeError) as exc:
            self._fail("draft", exc)
            return self.builtin.draft_reply(context)
        return Draft(draft)
