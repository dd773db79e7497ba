"""The demo store's plan: who the customers are, what they ordered, what they write and what happens.

Everything here is decided by the caller's ``random.Random`` before anything touches the
database, so the same seed always plans the same store. ``demo.seed`` writes the plan.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from demo.content import (
    CARRIERS,
    CHANNEL_WEIGHTS,
    CUSTOMER_TAGS,
    FIRST_NAMES,
    HTML_EMAIL,
    LAST_NAMES,
    PRODUCTS,
    SCENARIOS,
    Scenario,
)
from tickets import intake

FRONTLINE = ("alex", "sam", "kim")
SPECIALIST_SCENARIOS = {
    "refund_request",
    "defect",
    "billing_dispute",
    "damaged",
    "lost_parcel",
    "spanish_refund",
    "review_one_star",
}
SENIOR_SCENARIOS = {"legal_threat", "twitter_threat", "repeat_complaint", "vip_complaint", "safety"}
# Most baskets stay under the approval amount (100 EUR by default); the big-ticket items are rarer,
# so specialists get the expensive cases, not the whole queue.
PRODUCT_WEIGHTS = [5 if Decimal(price) < 100 else 1 for _, _, price in PRODUCTS]
FOLLOW_UP = "Any news on this? I haven't heard back."
# Open work is recent: this share of tickets arrived in the last RECENT_HOURS and may still be
# open; the rest is history (resolved or closed) spread over HISTORY_DAYS, denser lately, apart
# from a few stragglers still open from the last STRAGGLER_DAYS.
RECENT_SHARE = 0.28
RECENT_HOURS = 72
HISTORY_DAYS = 60
STRAGGLER_DAYS = 9
STRAGGLER_SHARE = 0.015
# How agents answer: from the AI draft as it is, lightly edited or rewritten, after throwing the
# draft away, or in their own words without opening it.
DRAFT_MODES = {"as_is": 0.36, "edited": 0.3, "rewritten": 0.1, "discarded": 0.1, "own": 0.14}
# An agent corrects this share of classifications (``routing.triage.override_classification``).
OVERRIDE_SHARE = 0.065
# Frontline hands this share of its tickets up by hand; a senior sends this share of risk cases down.
ESCALATE_SHARE = 0.05
DEESCALATE_SHARE = 0.25
# Approvals on recent tickets the manager has not decided yet ("Awaiting my approval" has work).
PENDING_APPROVAL_SHARE = 0.5
DENY_SHARE = 0.12
# How long before the ticket an order that came back was placed, beyond the usual 3-12 days
# (delivered after 4 days, returned, refunded about a week later: see ``demo.store``).
RETURN_DAYS = 14
REOPEN = "Sorry, this isn't solved: {problem}"
ESCALATION_NOTE = "Risk case ({key}). Priority raised; keep the customer updated daily until it is closed."


@dataclass
class OrderPlan:
    external_id: str
    number: str
    sku: str
    product: str
    total: Decimal
    carrier: str
    tracking: str
    placed_at: datetime
    fulfillment: str = "delivered"
    quantity: int = 1

    def fields(self) -> dict:
        shipped = self.fulfillment not in ("unfulfilled", "processing")
        delivered = self.fulfillment in ("delivered", "returned")
        status = {"returned": "refunded", "processing": "paid"}.get(self.fulfillment, "paid")
        return {
            "external_id": self.external_id,
            "number": self.number,
            "status": status,
            "fulfillment_status": self.fulfillment,
            "carrier": self.carrier if shipped else "",
            "tracking_number": self.tracking if shipped else "",
            "tracking_url": CARRIERS[self.carrier].format(tracking=self.tracking) if shipped else "",
            "total": self.total,
            "currency": "EUR",
            "placed_at": self.placed_at,
            "shipped_at": self.placed_at + timedelta(days=1) if shipped else None,
            "delivered_at": self.placed_at + timedelta(days=4) if delivered else None,
            "line_items": [
                {
                    "sku": self.sku,
                    "name": self.product,
                    "quantity": self.quantity,
                    "price": str((self.total / self.quantity).quantize(Decimal("0.01"))),
                }
            ],
        }


@dataclass
class CustomerPlan:
    index: int
    first: str
    last: str
    email: str
    phone: str
    handle: str
    lifetime_value: Decimal
    order_count: int
    tags: list[str]
    created_at: datetime
    orders: list[OrderPlan] = field(default_factory=list)
    locale: str = "en"

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def is_vip(self) -> bool:
        return "vip" in self.tags

    @property
    def identities(self) -> list[tuple[str, str]]:
        return [
            ("email", self.email),
            ("sms", self.phone),
            ("social", f"@{self.handle}"),
            ("chat", f"chat-{self.handle}"),
            ("review", f"review:{self.handle}"),
        ]


@dataclass
class TicketPlan:
    n: int
    customer: CustomerPlan
    scenario: Scenario
    channel: str
    order: OrderPlan
    age_hours: float
    agent: str
    variant: int
    html: bool
    days: int
    refund: Decimal | None
    assign: bool
    reply: bool
    follow_up: bool
    resolve: bool
    reopen: bool
    close: bool
    escalated: bool
    # Hours between steps: assign, reply, follow-up, second reply, resolve, reopen, close.
    gaps: tuple[float, ...]
    store: str = ""
    # How each agent reply treats the AI draft (one of DRAFT_MODES per reply).
    draft_modes: tuple[str, ...] = ("own", "own", "own")
    override: bool = False
    escalate: bool = False
    deescalate: bool = False
    # Approvals the manager leaves pending (recent tickets only) and the ones denied.
    leave_pending: bool = False
    deny: bool = False
    # Hours the manager takes to decide an approval.
    approval_gap: float = 1.0

    @property
    def recent(self) -> bool:
        return self.age_hours <= RECENT_HOURS

    @property
    def note(self) -> str:
        return ESCALATION_NOTE.format(key=self.scenario.key)

    @property
    def reply_text(self) -> str:
        return self.scenario.replies[self.variant % len(self.scenario.replies)]

    def render(self, text: str) -> str:
        amount = self.refund if self.refund is not None else self.order.total
        return text.format(
            first=self.customer.first,
            order=self.order.number,
            product=self.order.product,
            sku=self.order.sku,
            carrier=self.order.carrier,
            tracking=self.order.tracking,
            amount=amount,
            days=self.days,
            store=self.store,
        )

    def external_id(self, k: int) -> str:
        if self.channel == "email":
            return f"<demo-{self.n:04d}.{k}@mail.example.org>"
        return f"demo-{self.channel}-{self.n:04d}-{k}"

    def sender(self) -> intake.Sender:
        c = self.customer
        return {
            "email": intake.Sender(email=c.email, name=c.name),
            "api": intake.Sender(email=c.email, name=c.name),
            "chat": intake.Sender(email=c.email, handle=f"chat-{c.handle}", name=c.name),
            "social": intake.Sender(handle=f"@{c.handle}", name=c.name),
            "sms": intake.Sender(phone=c.phone, name=c.name),
            "review": intake.Sender(handle=f"review:{c.handle}", name=c.first),
        }[self.channel]

    def inbound(self, k: int) -> intake.InboundMessage:
        """The customer's k-th message: 0 opens the ticket, 1 chases it, 2 reopens it."""
        scenario = self.scenario
        subject = self.render(scenario.subjects[self.variant % len(scenario.subjects)])
        if k == 0:
            body = self.render(scenario.bodies[self.variant % len(scenario.bodies)])
        elif k == 1:
            body = self.render(scenario.follow_ups[0]) if scenario.follow_ups else FOLLOW_UP
        else:
            body = REOPEN.format(problem=self.render(scenario.bodies[0]))
        html = ""
        if self.html and k == 0:
            html = HTML_EMAIL.format(greeting="Hello,", body=body.replace("\n", "<br>"))
            body = ""
        threaded = self.channel != "email"
        return intake.InboundMessage(
            channel=self.channel,
            sender=self.sender(),
            subject=subject if k == 0 else f"Re: {subject}",
            body=body,
            body_html=html,
            external_id=self.external_id(k),
            thread_key=f"demo-{self.n:04d}" if threaded else "",
            references=[self.external_id(0)] if k and not threaded else (),
            order_number=self.order.number if k == 0 else "",
            metadata={"demo": True, "locale": scenario.locale},
        )


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def plan_customers(rng: random.Random, count: int, *, store: str) -> list[CustomerPlan]:
    """``count`` customers; about one in sixteen a VIP by lifetime value; one to five orders each."""
    now = timezone.now()
    plans = []
    for i in range(count):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        vip = rng.random() < 0.06
        created_at = now - timedelta(days=rng.uniform(90, 900))
        tags = sorted(set(rng.sample(CUSTOMER_TAGS, rng.randint(0, 2))) | ({"vip"} if vip else set()))
        plan = CustomerPlan(
            index=i,
            first=first,
            last=last,
            email=f"{_ascii(first)}.{_ascii(last)}.{i}@example.org",
            phone=f"+49170{i:07d}",
            handle=f"{_ascii(first)}{_ascii(last)}{i}",
            lifetime_value=Decimal("0"),
            order_count=0,
            tags=tags,
            created_at=created_at,
        )
        for k in range(rng.randint(1, 5)):
            sku, product, price = rng.choices(PRODUCTS, PRODUCT_WEIGHTS)[0]
            quantity = rng.choice([1, 1, 1, 2]) if Decimal(price) < 50 else 1
            plan.orders.append(
                OrderPlan(
                    external_id=f"demo-order-{i:04d}-{k}",
                    number=f"{100000 + i * 10 + k}",
                    sku=sku,
                    product=product,
                    total=Decimal(price) * quantity,
                    carrier=rng.choice(list(CARRIERS)),
                    tracking=f"{rng.randrange(10**11, 10**12)}",
                    placed_at=now - timedelta(days=rng.uniform(20, 180)),
                    fulfillment=rng.choice(["delivered"] * 6 + ["in_transit", "shipped"]),
                    quantity=quantity,
                )
            )
        history = Decimal(rng.randint(2500, 12000) if vip else rng.randint(0, 900))
        plan.lifetime_value = sum((o.total for o in plan.orders), Decimal("0")) + history
        plan.order_count = len(plan.orders) + (rng.randint(15, 60) if vip else rng.randint(0, 6))
        plans.append(plan)
    return plans


def _another_order(customer: CustomerPlan, *, like: OrderPlan, ticket: int, placed_at: datetime) -> OrderPlan:
    """A newer order of the same item for ``customer`` (no random draw: the rest of the plan stays
    as it was). Order numbers have room for ten orders a customer; past that the latest is reused."""
    k = len(customer.orders)
    if k >= 10:
        return like
    order = OrderPlan(
        external_id=f"demo-order-{customer.index:04d}-{k}",
        number=f"{100000 + customer.index * 10 + k}",
        sku=like.sku,
        product=like.product,
        total=like.total,
        carrier=like.carrier,
        tracking=f"{like.tracking[:-4]}{ticket:04d}",
        placed_at=placed_at,
        fulfillment=like.fulfillment,
        quantity=like.quantity,
    )
    customer.orders.append(order)
    customer.lifetime_value += order.total
    customer.order_count += 1
    return order


def _pick_customer(rng: random.Random, scenario: Scenario, customers, regulars, seen) -> CustomerPlan:
    if scenario.vip_only:
        return rng.choice([c for c in customers if c.is_vip] or customers)
    if scenario.key == "repeat_complaint" and seen:
        return rng.choice(sorted(seen, key=lambda c: c.index))
    if rng.random() < 0.1:
        return rng.choice(regulars)
    return rng.choice(customers)


def plan_tickets(
    rng: random.Random, customers: list[CustomerPlan], count: int, *, agents: list[str], store: str
) -> list[TicketPlan]:
    """``count`` tickets with the history each will get: history (resolved or closed) over the last
    60 days, denser lately; open work mostly from the last three days plus a few stragglers."""
    scenarios = list(SCENARIOS)
    weights = [s.weight for s in scenarios]
    channels = [c for c in CHANNEL_WEIGHTS if c != "review"]
    channel_weights = [CHANNEL_WEIGHTS[c] for c in channels]
    regulars = rng.sample(customers, min(25, len(customers)))
    seen: set[int] = set()
    seen_customers: list[CustomerPlan] = []
    # The fulfilment state each order's story gave it: a later story needing another state is
    # about another order (one order is not in transit for one ticket and returned for the next,
    # which would make the AI's answer from the records contradict the customer's words).
    claimed: dict[str, str] = {}
    now = timezone.now()
    plans = []
    for n in range(1, count + 1):
        scenario = rng.choices(scenarios, weights)[0]
        customer = _pick_customer(rng, scenario, customers, regulars, seen_customers)
        if customer.index not in seen:
            seen.add(customer.index)
            seen_customers.append(customer)
        if scenario.locale != "en":
            customer.locale = scenario.locale
        channel = scenario.channels[0] if scenario.channels else rng.choices(channels, channel_weights)[0]
        order = max(customer.orders, key=lambda o: o.placed_at)
        recent = rng.random() < RECENT_SHARE
        straggler = not recent and rng.random() < STRAGGLER_SHARE
        if recent:
            age_hours = rng.uniform(0, RECENT_HOURS)
        elif straggler:
            age_hours = rng.uniform(RECENT_HOURS, STRAGGLER_DAYS * 24)
        else:
            age_hours = RECENT_HOURS + (HISTORY_DAYS * 24 - RECENT_HOURS) * rng.random() ** 1.3
        if scenario.fulfillment:
            if claimed.get(order.external_id, scenario.fulfillment) != scenario.fulfillment:
                placed = now - timedelta(hours=age_hours, days=3)
                order = _another_order(customer, like=order, ticket=n, placed_at=placed)
            claimed[order.external_id] = order.fulfillment = scenario.fulfillment
            # Returned goods were delivered, sent back and refunded before the customer asks.
            before = timedelta(
                days=rng.uniform(3, 12) + (RETURN_DAYS if order.fulfillment == "returned" else 0)
            )
            order.placed_at = min(order.placed_at, now - timedelta(hours=age_hours) - before)
        if scenario.key in SENIOR_SCENARIOS:
            agent = "morgan"
        elif scenario.key in SPECIALIST_SCENARIOS:
            agent = "riley"
        else:
            agent = rng.choice(FRONTLINE)
        assert agent in agents
        refund = None
        if scenario.refund_share:
            refund = (order.total * Decimal(str(scenario.refund_share))).quantize(Decimal("0.01"))
        escalated = scenario.key in SENIOR_SCENARIOS
        history = not recent and not straggler
        # Recent work: nearly everything gets picked up and answered (the youngest tickets wait
        # because those steps still lie in the future); the older a ticket, the likelier it is
        # already resolved. Stragglers were answered and wait on the customer.
        assign = not recent or rng.random() < 0.97
        reply = assign and (not recent or rng.random() < 0.95)
        resolve = reply and (
            history or (recent and rng.random() < min(0.92, 0.05 + 1.1 * age_hours / RECENT_HOURS))
        )
        reopen = resolve and rng.random() < 0.09
        gaps = [
            rng.uniform(0.05, 1.0 if escalated else 3.0),
            rng.uniform(0.2, 2.0 if escalated else 26.0),
            rng.uniform(2, 30),
            rng.uniform(0.3, 8),
            rng.uniform(0.5, 60),
            rng.uniform(24, 120),
            rng.uniform(48, 144),
        ]
        follow_up = reply and rng.random() < 0.3
        approval_gap = rng.uniform(0.1, 3.0)
        if resolve:
            # A planned resolution happens: everything up to it fits in the ticket's age.
            needed = sum(gaps[:2]) + (sum(gaps[2:4]) if follow_up else 0) + gaps[4] + 3 * approval_gap
            fit = age_hours * 0.9 - 0.5  # leaves room before the seed's horizon
            if needed > fit:
                scale = max(fit, 0.01) / needed
                gaps[:5] = [gap * scale for gap in gaps[:5]]
                approval_gap *= scale
            reopen = reopen and needed + gaps[5] + gaps[3] + gaps[4] < fit
            resolve = fit > 0
        plans.append(
            TicketPlan(
                n=n,
                customer=customer,
                scenario=scenario,
                channel=channel,
                order=order,
                age_hours=age_hours,
                agent=agent,
                variant=rng.randrange(12),
                html=channel == "email" and rng.random() < 0.25,
                days=rng.randint(3, 14),
                refund=refund,
                assign=assign,
                reply=reply,
                follow_up=follow_up,
                resolve=resolve,
                reopen=reopen,
                close=resolve and not reopen and rng.random() < 0.5,
                escalated=escalated,
                gaps=tuple(gaps),
                store=store,
                draft_modes=tuple(rng.choices(list(DRAFT_MODES), list(DRAFT_MODES.values()), k=3)),
                override=rng.random() < OVERRIDE_SHARE,
                escalate=agent in FRONTLINE and rng.random() < ESCALATE_SHARE,
                deescalate=escalated and rng.random() < DEESCALATE_SHARE,
                leave_pending=recent and rng.random() < PENDING_APPROVAL_SHARE,
                deny=rng.random() < DENY_SHARE,
                approval_gap=approval_gap,
            )
        )
    return plans
