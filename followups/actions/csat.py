"""The CSAT answer: the signed link, the single-use answer, and what a score does to the ticket."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from rest_framework import status

from followups import tokens
from followups.models import CsatResponse, FollowUp
from helpdesk.errors import IllegalTransition, InvalidInput
from tickets import actions as ticket_actions
from tickets import events
from tickets.models import Ticket, TicketEvent


class CsatLinkInvalid(InvalidInput):
    """This survey link is not valid."""

    code = "csat_link_invalid"
    status = status.HTTP_404_NOT_FOUND


class CsatLinkExpired(IllegalTransition):
    """This survey link has expired."""

    code = "csat_link_expired"
    status = status.HTTP_410_GONE


class CsatAlreadyAnswered(IllegalTransition):
    """This survey was already answered. Thank you!"""

    code = "csat_already_answered"


def csat_link(followup: FollowUp) -> str:
    token = tokens.make_token(followup_id=followup.pk, nonce=followup.csat_nonce)
    return settings.SITE_URL + reverse("followups:csat", args=[token])


def followup_for_token(token: str) -> FollowUp:
    """The sent follow-up a CSAT link names; raises ``CsatLinkInvalid`` or ``CsatLinkExpired``."""
    try:
        claim = tokens.read_token(token)
    except tokens.TokenExpired:
        raise CsatLinkExpired() from None
    except tokens.TokenInvalid:
        raise CsatLinkInvalid() from None
    followup = (
        FollowUp.objects.select_related("ticket")
        .annotate(answered=Exists(CsatResponse.objects.filter(followup=OuterRef("pk"))))
        .filter(pk=claim.followup_id, csat_nonce=claim.nonce, status=FollowUp.Status.SENT)
        .first()
    )
    if followup is None:
        raise CsatLinkInvalid()
    return followup


@transaction.atomic
def record_csat(
    followup: FollowUp, *, score: int, comment: str = "", now: datetime | None = None
) -> CsatResponse:
    """Store the customer's answer; a low score reopens for recovery, another closes the ticket.

    Single use: raises ``CsatAlreadyAnswered`` the second time (the follow-up row lock makes
    two simultaneous submits serial). Raises ``InvalidInput`` for a score outside 1-5.
    """
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise InvalidInput("Choose a score from 1 to 5.", field="score")
    if len(comment) > 2000:
        raise InvalidInput("The comment is longer than 2000 characters.", field="comment")
    followup = FollowUp.objects.select_for_update().get(pk=followup.pk)
    if followup.status != FollowUp.Status.SENT:
        raise CsatLinkInvalid()
    if CsatResponse.objects.filter(followup=followup).exists():
        raise CsatAlreadyAnswered()
    ticket = Ticket.objects.select_for_update(of=("self",)).get(pk=followup.ticket_id)
    now = now or timezone.now()
    response = CsatResponse.objects.create(
        ticket=ticket,
        followup=followup,
        score=score,
        comment=comment.strip(),
        is_complaint=followup.is_complaint,
        after_recovery=ticket.needs_recovery,
        created_at=now,
    )
    events.record(
        ticket,
        TicketEvent.Kind.CSAT_RECEIVED,
        actor_kind="customer",
        at=now,
        data={
            "score": score,
            "csat_id": response.pk,
            "followup_id": followup.pk,
            "is_complaint": response.is_complaint,
            "after_recovery": response.after_recovery,
            "has_comment": bool(response.comment),
        },
    )
    if response.is_low:
        ticket_actions.reopen_ticket(
            ticket, actor=None, reason="low_csat", actor_kind="customer", recovery=True
        )
    elif ticket.status == Ticket.Status.RESOLVED:
        ticket_actions.close_ticket(ticket, actor=None, actor_kind="customer", reason="good_csat")
    return response
