"""Inbound channels: raw email from a mail pipe or provider, signed social/review webhooks."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from followups import actions
from tickets.channels.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER
from tickets.queries import ROLE_ADMIN, ROLE_INTEGRATION, has_role


class RawBodyParser(BaseParser):
    """Hands the body over untouched (RFC 822 mail must not be decoded; HMACs cover the exact bytes)."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None) -> bytes:
        return stream.read() if stream is not None else b""


class IsIntegrationOrAdmin(permissions.BasePermission):
    message = "Only an integration API key or an admin may post inbound mail."

    def has_permission(self, request, view) -> bool:
        return has_role(request.user, ROLE_INTEGRATION, ROLE_ADMIN)


IntakeOutcome = inline_serializer(
    "InboundOutcome",
    {
        "accepted": serializers.BooleanField(),
        "reason": serializers.CharField(),
        "ticket_id": serializers.IntegerField(allow_null=True),
        "message_id": serializers.IntegerField(allow_null=True),
        "duplicate": serializers.BooleanField(),
    },
)


def _outcome(result, *, accepted: bool = True, reason: str = "") -> dict:
    return {
        "accepted": accepted,
        "reason": reason,
        "ticket_id": result.ticket.pk if result else None,
        "message_id": result.message.pk if result else None,
        "duplicate": bool(result) and not result.created,
    }


class InboundEmailView(APIView):
    """One raw RFC 822 message (what postfix, fetchmail or a mail provider's webhook delivers)."""

    parser_classes = [RawBodyParser]
    permission_classes = [permissions.IsAuthenticated, IsIntegrationOrAdmin]

    @extend_schema(
        request={"message/rfc822": {"type": "string", "format": "binary"}},
        responses={201: IntakeOutcome, 200: IntakeOutcome, 202: IntakeOutcome},
        summary="Receive a raw email (auto-replies and bounces are accepted and dropped: 202)",
    )
    def post(self, request: Request) -> Response:
        outcome = actions.receive_email(request.data)
        if not outcome.accepted:
            return Response(
                _outcome(None, accepted=False, reason=outcome.reason), status=status.HTTP_202_ACCEPTED
            )
        created = outcome.result.created
        return Response(
            _outcome(outcome.result), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class InboundWebhookView(APIView):
    """A signed event from a social or review platform (see docs/channels.md for the payload)."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    parser_classes = [RawBodyParser]
    throttle_classes: list = []

    @extend_schema(
        request={"application/json": {"type": "object"}},
        parameters=[
            OpenApiParameter(TIMESTAMP_HEADER, str, OpenApiParameter.HEADER, required=True),
            OpenApiParameter(SIGNATURE_HEADER, str, OpenApiParameter.HEADER, required=True),
        ],
        responses={201: IntakeOutcome, 200: IntakeOutcome},
        summary="Receive a signed social/review event (a replayed event id returns 200, duplicate)",
    )
    def post(self, request: Request, source: str) -> Response:
        result = actions.receive_webhook(
            source,
            body=request.data,
            timestamp=request.headers.get(TIMESTAMP_HEADER, ""),
            signature=request.headers.get(SIGNATURE_HEADER, ""),
        )
        return Response(
            _outcome(result), status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        )
