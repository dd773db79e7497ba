"""One demo ticket's story after intake, played through the actions the inbox uses.

``demo.seed`` receives each demo ticket and hands it to ``Story``: assign, correct the
classification, reply from the AI draft, hand over between tiers, let the manager decide
approvals, chase, resolve, reopen or close, each step at its planned moment of the ticket's
``Timeline``. Routing's actions (approvals, escalation, classification overrides) are imported
where used, as the inbox views do (``tickets`` does not depend on ``routing`` at import time).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.module_loading import import_string

from demo.plan import TicketPlan
from helpdesk.errors import HelpdeskError
from tickets import actions, drafts, intake
from tickets.models import Message, RootCause, Ticket

if TYPE_CHECKING:
    from demo.seed import Timeline

STORE = "Northwind Goods"

MANAGER = "taylor"
# Who picks a ticket up after it moved tiers by hand.
TIER_AGENTS = {"general": "alex", "specialist": "riley", "senior": "morgan"}
# The issue type an agent corrects a misread classification to.
CORRECTIONS = {
    "order_status": "delivery_problem",
    "delivery_problem": "order_status",
    "return_request": "refund_request",
    "refund_request": "return_request",
    "product_defect": "return_request",
    "billing": "refund_request",
    "complaint": "delivery_problem",
    "product_question": "policy_question",
    "policy_question": "product_question",
    "cancellation": "order_change",
    "order_change": "cancellation",
    "account": "billing",
    "other": "product_question",
}
# What agents add to an AI draft before sending it ("lightly edited").
DRAFT_EDITS = (
    "I've also added a note to your account, so whoever you speak to next knows the whole story.",
    "If anything else comes up, just reply here and it comes straight back to me.",
    "Sorry again for the trouble, and thanks for your patience.",
    "PS: I've checked the rest of your recent orders too; everything else looks fine.",
)
ESCALATE_REASON = "Needs someone who can look into the payment records; beyond what frontline can check."
DEESCALATE_REASON = "The risk is gone (customer calmed down, no legal step): a routine case for specialists."
APPROVE_NOTE = "Fine: within what we do for customers like this."
DENY_NOTE = "Not for this order: offer store credit instead."
# What a customer whose AI answer did not help writes back (the AI then hands over to people).
AI_NOT_HELPED = "That didn't help, sorry. Can a person look at this, please?"
# Planned follow-ups with a variant below this write back after an AI answer (about one in ten
# AI-answered tickets: a good answer from the records usually ends the conversation).
AI_WRITE_BACK_VARIANTS = 4
# How long a customer stays quiet after an AI answer before it counts as enough (hours), and the
# action that then resolves the ticket (the resolution app's, reached by path: tickets depends
# on no app above it).
AI_QUIET_HOURS = 24
AI_ANSWERED_RESOLVE = "resolution.actions.resolve_answered_ticket"


def _agent_text(text: str, plan: TicketPlan, agent) -> str:
    return plan.render(text) + f"\n\nBest,\n{agent.first_name} at {STORE}"


def _optional(action: Callable[[], object]) -> bool:
    """Run an action the story can do without; False when the live rules refused it."""
    try:
        with transaction.atomic():
            action()
    except HelpdeskError:
        return False
    return True


class Story:
    """One ticket's planned history, played step by step through the actions."""

    def __init__(
        self,
        plan: TicketPlan,
        ticket: Ticket,
        timeline: Timeline,
        *,
        users: dict,
        causes: dict[str, RootCause],
        outcomes: dict[str, int],
    ):
        self.plan, self.ticket, self.timeline = plan, ticket, timeline
        self.users, self.causes, self.outcomes = users, causes, outcomes
        self.agent = users[plan.agent]
        self.clock = 0.0

    def step(self, gap: float) -> bool:
        if not self.timeline.step(self.clock + gap):
            return False
        self.clock += gap
        return True

    def play(self) -> None:
        plan, outcomes = self.plan, self.outcomes
        try:
            if not self.decide_approvals():
                outcomes["awaiting approval"] += 1
                return
            if self.answered_by_ai() and not self.after_ai_answer():
                return
            self.agent = self.agent_for_tier(self.ticket)
            if plan.assign and self.step(plan.gaps[0]):
                self.assign()
            if plan.reply and self.step(plan.gaps[1]):
                reply = self.reply(0, commits_amount=plan.refund)
                outcomes["replied"] += 1
                if reply.delivery_status == Message.Delivery.HELD and not self.decide_approvals():
                    outcomes["held for approval"] += 1
                    return
                self.hand_over()
            if plan.follow_up and self.step(plan.gaps[2]):
                intake.receive(plan.inbound(1))
                if self.step(plan.gaps[3]):
                    self.reply(1)
            if plan.resolve and self.decide_approvals() and self.step(plan.gaps[4]):
                self.resolve()
                outcomes["resolved"] += 1
                if plan.reopen and self.step(plan.gaps[5]):
                    intake.receive(plan.inbound(2))
                    outcomes["reopened"] += 1
                    if self.step(plan.gaps[3]):
                        self.reply(2)
                        if self.decide_approvals() and self.step(plan.gaps[4]):
                            self.resolve()
                elif plan.close and self.step(plan.gaps[6]):
                    actions.close_ticket(
                        self.ticket, actor=None, actor_kind="system", reason="no reply after follow-up"
                    )
                    outcomes["closed"] += 1
        except HelpdeskError:
            # The live pipeline (routing, approvals) took the ticket somewhere this plan did not
            # expect; its history stops there, which is still a consistent history.
            outcomes["taken over by the pipeline"] += 1

    def answered_by_ai(self) -> bool:
        self.ticket.refresh_from_db()
        return (
            self.ticket.handled_by_ai
            and self.ticket.messages.filter(
                direction=Message.Direction.OUTBOUND, author_kind=Message.AuthorKind.AI, is_auto=False
            ).exists()
        )

    def after_ai_answer(self) -> bool:
        """The AI answered from the records. Most customers are done, and the ticket resolves once
        they stay quiet; a few write back that it did not help, which hands the ticket to people
        (True: the rest of the story plays with them)."""
        plan = self.plan
        if plan.follow_up and plan.variant < AI_WRITE_BACK_VARIANTS:
            if not self.step(plan.gaps[2]):
                return False
            intake.receive(replace(plan.inbound(1), body=AI_NOT_HELPED))
            self.outcomes["AI answer did not help"] += 1
            self.ticket.refresh_from_db()
            return not self.ticket.handled_by_ai
        self.outcomes["answered by AI"] += 1
        if self.step(AI_QUIET_HOURS) and import_string(AI_ANSWERED_RESOLVE)(self.ticket):
            self.outcomes["resolved by AI"] += 1
        return False

    def assign(self) -> None:
        plan, ticket = self.plan, self.ticket
        ticket.refresh_from_db()
        self.agent = self.agent_for_tier(ticket)
        if ticket.assignee_id is None:
            actor = self.users[MANAGER] if plan.escalated else self.agent
            actions.assign_ticket(ticket, agent=self.agent, actor=actor)
        if plan.escalated:
            actions.change_priority(ticket, priority=Ticket.Priority.URGENT, actor=self.agent, reason="risk")
            actions.add_internal_note(ticket, body=plan.render(plan.note), author=self.agent)
        if plan.override:
            self.correct_classification()

    def agent_for_tier(self, ticket: Ticket):
        """The planned agent, unless routing put the ticket in a tier above theirs: then that
        tier's agent works it (a specialist-tier ticket is never a frontline agent's)."""
        planned = getattr(getattr(self.agent, "agent_profile", None), "tier", None)
        if ticket.tier is None or planned is None or planned.rank >= ticket.tier.rank:
            return self.agent
        return self.users.get(TIER_AGENTS.get(ticket.tier.slug, ""), self.users[MANAGER])

    def correct_classification(self) -> None:
        """The agent reads the ticket and corrects the AI's issue type (a human override)."""
        from routing.triage import override_classification

        self.ticket.refresh_from_db(fields=["issue_type"])
        corrected = CORRECTIONS.get(self.ticket.issue_type, "other")
        reason = f"Reads as {corrected.replace('_', ' ')}, not {self.ticket.issue_type.replace('_', ' ')}."
        if _optional(
            lambda: override_classification(
                self.ticket, actor=self.agent, issue_type=corrected, reason=reason
            )
        ):
            self.outcomes["classification corrected"] += 1

    def reply(self, k: int, *, commits_amount=None) -> Message:
        """The agent's k-th reply: from the AI draft (as it is, edited or rewritten) or not."""
        plan, ticket, agent = self.plan, self.ticket, self.agent
        ticket.refresh_from_db(fields=["ai_draft"])
        mode = plan.draft_modes[k] if ticket.ai_draft.strip() else "own"
        own = _agent_text(plan.reply_text, plan, agent)
        body = {
            "as_is": ticket.ai_draft,
            "edited": f"{ticket.ai_draft.rstrip()}\n\n{DRAFT_EDITS[plan.variant % len(DRAFT_EDITS)]}",
        }.get(mode, own)
        if mode == "discarded":
            drafts.discard_draft(ticket, actor=agent)
        similarity = drafts.draft_similarity(
            ticket, body, from_draft=mode in ("as_is", "edited", "rewritten")
        )
        return actions.reply_to_ticket(
            ticket, body=body, author=agent, commits_amount=commits_amount, draft_similarity=similarity
        )

    def hand_over(self) -> None:
        """After the first reply: frontline escalates some cases by hand, seniors send some down."""
        from routing.escalation import deescalate_ticket, escalate_ticket

        plan, ticket = self.plan, self.ticket
        if not (plan.escalate or plan.deescalate) or not self.step(plan.approval_gap):
            return
        if plan.escalate:
            moved = _optional(lambda: escalate_ticket(ticket, actor=self.agent, reason=ESCALATE_REASON))
        else:
            moved = _optional(lambda: deescalate_ticket(ticket, actor=self.agent, reason=DEESCALATE_REASON))
        if not moved:
            return
        self.outcomes["escalated by hand" if plan.escalate else "de-escalated"] += 1
        ticket.refresh_from_db()
        receiver = self.users.get(TIER_AGENTS.get(ticket.tier.slug if ticket.tier_id else "", ""))
        if receiver is not None and _optional(
            lambda: actions.assign_ticket(ticket, agent=receiver, actor=receiver)
        ):
            self.agent = receiver

    def decide_approvals(self) -> bool:
        """The manager decides the ticket's pending approvals (approves most, denies a few).

        False when approvals stay pending: the plan leaves them to the live manager, or the
        decision would lie in the future.
        """
        from routing import approvals
        from routing.models import Approval

        pending = list(
            Approval.objects.filter(ticket=self.ticket, status=Approval.Status.PENDING).order_by("pk")
        )
        if not pending:
            return True
        if self.plan.leave_pending or not self.step(self.plan.approval_gap):
            return False
        manager = self.users[MANAGER]
        for approval in pending:
            if self.plan.deny:
                approvals.deny(approval, actor=manager, note=DENY_NOTE)
                self.outcomes["approvals denied"] += 1
            else:
                approvals.approve(approval, actor=manager, note=APPROVE_NOTE)
                self.outcomes["approvals given"] += 1
        return True

    def resolve(self) -> None:
        plan = self.plan
        actions.resolve_ticket(
            self.ticket,
            actor=self.agent,
            resolution_method=plan.scenario.resolution_method,
            root_cause=self.causes[plan.scenario.root_cause],
            note=plan.render(plan.scenario.replies[0])[:500],
        )
