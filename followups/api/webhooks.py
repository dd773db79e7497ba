"""Outbound webhook subscriptions and their delivery log (admins and integration keys)."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from followups import actions
from followups.models import WebhookDelivery, WebhookSubscription
from followups.models.channels import WebhookEvent
from helpdesk import outbound
from helpdesk.errors import InvalidInput
from tickets.queries import ROLE_ADMIN, ROLE_INTEGRATION, has_role


class ManagesWebhooks(permissions.BasePermission):
    message = "Only admins and integration keys manage webhooks."

    def has_permission(self, request, view) -> bool:
        return has_role(request.user, ROLE_ADMIN, ROLE_INTEGRATION)


class SubscriptionSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices), min_length=1)
    secret = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=200)

    class Meta:
        model = WebhookSubscription
        fields = ["id", "name", "url", "events", "secret", "is_active", "created_at"]
        read_only_fields = ["id", "created_at"]

    def validate_url(self, value: str) -> str:
        # A changed URL (PATCH) passes the same public-address policy as a new subscription.
        try:
            outbound.check_url(value)
        except InvalidInput as exc:
            raise serializers.ValidationError(exc.message) from None
        return value


class CreatedSubscriptionSerializer(SubscriptionSerializer):
    """The create response shows the secret once, so the caller can verify signatures."""

    secret = serializers.CharField(read_only=True)


class DeliverySerializer(serializers.ModelSerializer):
    # Plain strings in the schema: the choice sets are documented on the subscription's events.
    event = serializers.CharField(read_only=True)
    status = serializers.CharField(read_only=True, help_text="pending, retrying, succeeded or failed")

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "subscription",
            "event",
            "event_id",
            "status",
            "attempts",
            "response_code",
            "error",
            "next_attempt_at",
            "delivered_at",
            "replay_of",
            "created_at",
            "payload",
        ]


class SubscriptionListView(generics.ListAPIView):
    serializer_class = SubscriptionSerializer
    permission_classes = [permissions.IsAuthenticated, ManagesWebhooks]

    def get_queryset(self) -> QuerySet[WebhookSubscription]:
        return WebhookSubscription.objects.all()

    @extend_schema(request=SubscriptionSerializer, responses={201: CreatedSubscriptionSerializer})
    def post(self, request: Request) -> Response:
        data = SubscriptionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        subscription = actions.create_subscription(**data.validated_data)
        return Response(CreatedSubscriptionSerializer(subscription).data, status=status.HTTP_201_CREATED)


class SubscriptionDetailView(generics.RetrieveUpdateDestroyAPIView):
    """Read, change (name, url, events, is_active, secret) or delete a subscription."""

    serializer_class = SubscriptionSerializer
    permission_classes = [permissions.IsAuthenticated, ManagesWebhooks]
    http_method_names = ["get", "patch", "delete"]

    def get_queryset(self) -> QuerySet[WebhookSubscription]:
        return WebhookSubscription.objects.all()


class DeliveryListView(generics.ListAPIView):
    serializer_class = DeliverySerializer
    permission_classes = [permissions.IsAuthenticated, ManagesWebhooks]
    filterset_fields = ["subscription", "status", "event"]

    def get_queryset(self) -> QuerySet[WebhookDelivery]:
        return WebhookDelivery.objects.all()


class DeliveryReplayView(APIView):
    permission_classes = [permissions.IsAuthenticated, ManagesWebhooks]

    @extend_schema(request=None, responses={202: DeliverySerializer}, summary="Send a logged delivery again")
    def post(self, request: Request, pk: int) -> Response:
        delivery = generics.get_object_or_404(WebhookDelivery.objects.all(), pk=pk)
        replay = actions.replay_delivery(delivery)
        return Response(DeliverySerializer(replay).data, status=status.HTTP_202_ACCEPTED)
