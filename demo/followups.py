"""Demo data: follow-ups and CSAT answers for resolved demo tickets, made through the actions.

``seed_followups(ticket_ids, rng)`` is called by the integrator's ``seed_demo``. Everything is
backdated consistently: scheduled at resolution, sent when due, answered hours later; the
events the ticket actions stamp with "now" (close, reopen) are moved to the answer time.
"""

from __future__ import annotations

import random
from collections.abc import Collection
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from followups import actions
from followups.actions.followups import DEFAULT_BODY, DEFAULT_SUBJECT
from followups.models import FollowUp, FollowUpTemplate, WebhookSource, WidgetSite
from tickets import actions as ticket_actions
from tickets.models import Ticket, TicketEvent

ANSWER_RATE = 0.45
# A ticket a low score reopened longer ago than this has been recovered and resolved again.
RECOVERY_AFTER = timedelta(days=1)
RECOVERY_NOTE = "Recovery after a low CSAT: called the customer, apologised and put it right."
# Scores 1..5: complaints answer lower, which is what recovery CSAT is meant to show.
WEIGHTS_COMPLAINT = (0.16, 0.14, 0.2, 0.25, 0.25)
WEIGHTS_REGULAR = (0.03, 0.04, 0.11, 0.34, 0.48)
COMMENTS = {
    1: ["Still waiting, nobody reads my emails.", "The replacement is broken too.", ""],
    2: ["Took far too long.", "I had to explain everything twice.", ""],
    3: ["OK in the end.", "", "Fine, but slow."],
    4: ["Thanks, sorted.", "", "Good help."],
    5: ["Super fast, thank you!", "Sam was great.", "", "Perfect."],
}
TEMPLATES = [
    ("", "en", None, None),
    (
        "",
        "de",
        "Ist Ihr Anliegen {ticket_reference} gelöst?",
        "Hallo {customer_name},\n\nwir haben Ihr Anliegen „{subject}“ ({ticket_reference}) vor kurzem "
        "abgeschlossen. Ist alles in Ordnung? Wenn nicht, antworten Sie einfach auf diese Nachricht.\n\n"
        "Wie waren wir? {csat_link}\n\nVielen Dank,\n{agent_name}, {store_name}",
    ),
    (
        "delivery_problem",
        "en",
        "Did your parcel arrive? ({ticket_reference})",
        "Hi {customer_name},\n\nwe sorted out the delivery problem on {ticket_reference} a couple of days ago. "
        "Has the parcel arrived in good shape? If not, reply to this email and we will make it right.\n\n"
        "How did we do? {csat_link}\n\n{agent_name}, {store_name}",
    ),
]


def seed_templates() -> None:
    """The default English text, a German one and a delivery-specific one (idempotent)."""
    for issue_type, language, subject, body in TEMPLATES:
        FollowUpTemplate.objects.get_or_create(
            issue_type=issue_type,
            language=language,
            defaults={
                "subject": subject or DEFAULT_SUBJECT,
                "body": body or DEFAULT_BODY,
            },
        )


def seed_channels() -> WidgetSite:
    """A widget site for the demo's own origin and a review source (idempotent)."""
    origins = sorted({settings.SITE_URL, "http://127.0.0.1:8000", "http://localhost:8000"})
    site, _ = WidgetSite.objects.get_or_create(
        name="Demo shop", defaults={"allowed_origins": origins, "greeting": "Hi! Questions about an order?"}
    )
    WebhookSource.objects.get_or_create(slug="reviews", defaults={"name": "Review site", "channel": "review"})
    return site


def seed_followups(ticket_ids: Collection[int], rng: random.Random) -> int:
    """Give resolved demo tickets their follow-ups and a share of them CSAT answers; returns how many
    were sent.

    A follow-up the live pipeline already scheduled while the history was written (and that the
    seed's back-dating moved with its ticket) is used as it is; otherwise one is scheduled at the
    resolution. Those already due are sent at their due time without any email leaving.
    """
    seed_templates()
    seed_channels()
    now = timezone.now()
    tickets = Ticket.objects.filter(
        pk__in=list(ticket_ids), status=Ticket.Status.RESOLVED, resolved_at__isnull=False
    ).exclude(followups__status__in=[FollowUp.Status.SENT, FollowUp.Status.UNDELIVERABLE])
    seeded = 0
    for ticket in tickets.order_by("resolved_at"):
        with transaction.atomic():
            followup = actions.schedule_followup(ticket, now=ticket.resolved_at)
            if followup is None or followup.due_at > now:
                continue
            actions.send_followup_now(followup, now=followup.due_at, deliver=False)
            followup.refresh_from_db()
            seeded += 1
            if followup.status != FollowUp.Status.SENT or rng.random() > ANSWER_RATE:
                continue
            answered_at = min(followup.due_at + timedelta(hours=rng.uniform(0.3, 30)), now)
            weights = WEIGHTS_COMPLAINT if followup.is_complaint else WEIGHTS_REGULAR
            score = rng.choices(range(1, 6), weights=weights)[0]
            actions.record_csat(followup, score=score, comment=rng.choice(COMMENTS[score]), now=answered_at)
            _backdate_consequences(ticket, since=now, at=answered_at)
            _recover(ticket, answered_at=answered_at, rng=rng, now=now)
    # Tickets the seed closed after resolving ("no reply after the follow-up"): their follow-up
    # went out unanswered; without this the sweep would mail it for real once the demo starts.
    leftovers = FollowUp.objects.filter(
        ticket_id__in=list(ticket_ids), ticket__status=Ticket.Status.CLOSED, status=FollowUp.Status.SCHEDULED
    ).filter(due_at__lte=now)
    for followup in leftovers.order_by("due_at"):
        actions.send_followup_now(followup, now=followup.due_at, deliver=False)
        seeded += 1
    return seeded


def seed_step(context) -> None:
    """``demo.seed.POST_SEED_STEPS`` entry: ``"demo.followups.seed_step"``."""
    seed_followups(context.ticket_ids, context.rng)


def _recover(ticket: Ticket, *, answered_at, rng: random.Random, now) -> None:
    """A low score reopened the ticket for recovery; when that was more than RECOVERY_AFTER ago,
    the team has long put it right: the assignee resolves it again a few hours after the answer."""
    ticket.refresh_from_db()
    if not ticket.is_open or answered_at > now - RECOVERY_AFTER:
        return
    since = timezone.now()
    ticket_actions.resolve_ticket(
        ticket,
        actor=ticket.assignee,
        resolution_method=ticket.resolution_method or "information",
        root_cause=ticket.root_cause,
        note=RECOVERY_NOTE,
    )
    recovered_at = answered_at + timedelta(hours=rng.uniform(2, 20))
    _backdate_consequences(ticket, since=since, at=recovered_at)
    Ticket.objects.filter(pk=ticket.pk, resolved_at__gte=since).update(resolved_at=recovered_at)
    ticket.refresh_from_db()
    # The check-in of the recovery, so the live sweep does not send one later.
    followup = actions.schedule_followup(ticket, now=recovered_at)
    if followup is not None and followup.status == FollowUp.Status.SCHEDULED and followup.due_at <= now:
        actions.send_followup_now(followup, now=followup.due_at, deliver=False)


def _backdate_consequences(ticket: Ticket, *, since, at) -> None:
    """Close and reopen stamp "now"; in seeded history they happened when the answer came."""
    TicketEvent.objects.filter(ticket=ticket, at__gte=since).update(at=at)
    Ticket.objects.filter(pk=ticket.pk, closed_at__gte=since).update(closed_at=at)
