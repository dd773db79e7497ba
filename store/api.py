"""Store API: the order with its store records, order actions from a ticket, store webhooks."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from followups.api.inbound import RawBodyParser
from store import actions, queries, vocabulary, webhooks
from store.connectors import base
from store.models import (
    Fulfillment,
    FulfillmentEvent,
    LineItem,
    OrderAction,
    Refund,
    Return,
    StoreConnection,
)
from tickets.api import OrderSerializer, OrderUpsertView
from tickets.queries import access_ticket

# --- output ------------------------------------------------------------------------------------


class LineItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = LineItem
        fields = [
            "store_id",
            "product_store_id",
            "variant_store_id",
            "sku",
            "title",
            "variant_title",
            "quantity",
            "price",
            "fulfilled_quantity",
            "refunded_quantity",
        ]


class FulfillmentEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = FulfillmentEvent
        fields = ["status", "happened_at", "message", "location"]


class FulfillmentSerializer(serializers.ModelSerializer):
    history = FulfillmentEventSerializer(many=True, read_only=True)

    class Meta:
        model = Fulfillment
        fields = [
            "store_id",
            "status",
            "store_status",
            "store_shipment_status",
            "carrier",
            "tracking_number",
            "tracking_url",
            "line_items",
            "shipped_at",
            "last_scan_at",
            "delivered_at",
            "estimated_delivery_at",
            "history",
        ]


class RefundSerializer(serializers.ModelSerializer):
    class Meta:
        model = Refund
        fields = ["store_id", "amount", "currency", "status", "reason", "line_items", "processed_at"]


class ReturnSerializer(serializers.ModelSerializer):
    class Meta:
        model = Return
        fields = [
            "store_id",
            "status",
            "store_status",
            "rma",
            "label_url",
            "items",
            "requested_at",
            "closed_at",
        ]


class OrderDetailSerializer(OrderSerializer):
    store_line_items = LineItemSerializer(many=True, read_only=True)
    fulfillments = FulfillmentSerializer(many=True, read_only=True)
    refunds = RefundSerializer(many=True, read_only=True)
    returns = ReturnSerializer(many=True, read_only=True)
    financial_status = serializers.SerializerMethodField()
    cancelled_at = serializers.SerializerMethodField()

    class Meta(OrderSerializer.Meta):
        fields = [
            *OrderSerializer.Meta.fields,
            "financial_status",
            "cancelled_at",
            "store_line_items",
            "fulfillments",
            "refunds",
            "returns",
        ]

    def get_financial_status(self, order) -> str:
        record = getattr(order, "store_record", None)
        return record.financial_status if record else ""

    def get_cancelled_at(self, order) -> str | None:
        record = getattr(order, "store_record", None)
        return record.cancelled_at.isoformat() if record and record.cancelled_at else None


class OrderView(OrderUpsertView):
    """An order with its line items, fulfilments (and their history), refunds and returns.

    PUT accepts our vocabulary and the store's (Shopify ``fulfillment_status: "fulfilled"`` or
    ``null``, ``financial_status``, ``tracking_number: null``), mapped by ``store.vocabulary``.
    """

    order_input = staticmethod(vocabulary.normalize_order_input)

    @extend_schema(responses={200: OrderDetailSerializer})
    def get(self, request: Request, external_id: str) -> Response:
        return Response(OrderDetailSerializer(queries.order_for_reader(request.user, external_id)).data)


class OrderActionSerializer(serializers.ModelSerializer):
    approval_id = serializers.IntegerField(read_only=True, allow_null=True)
    order_number = serializers.CharField(source="order.number", read_only=True)

    class Meta:
        model = OrderAction
        fields = [
            "id",
            "kind",
            "status",
            "order_number",
            "amount",
            "currency",
            "params",
            "approval_id",
            "result",
            "error",
            "error_code",
            "attempts",
            "idempotency_key",
            "created_at",
            "completed_at",
        ]


class AddressInput(serializers.Serializer):
    firstName = serializers.CharField(max_length=100, required=False, allow_blank=True)
    lastName = serializers.CharField(max_length=100, required=False, allow_blank=True)
    address1 = serializers.CharField(max_length=200)
    address2 = serializers.CharField(max_length=200, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100)
    province = serializers.CharField(max_length=100, required=False, allow_blank=True)
    zip = serializers.CharField(max_length=20)
    country = serializers.CharField(max_length=100)
    countryCode = serializers.CharField(max_length=2, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)


class ItemInput(serializers.Serializer):
    line_item_store_id = serializers.CharField(max_length=100)
    quantity = serializers.IntegerField(min_value=1, required=False)
    reason = serializers.CharField(max_length=100, required=False, allow_blank=True)


class OrderActionInput(serializers.Serializer):
    action = serializers.ChoiceField(choices=OrderAction.Kind.values)
    amount = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)
    line_items = ItemInput(many=True, required=False)
    items = ItemInput(many=True, required=False)
    refund = serializers.BooleanField(required=False)
    restock = serializers.BooleanField(required=False)
    notify = serializers.BooleanField(required=False)
    address = AddressInput(required=False)
    idempotency_key = serializers.CharField(max_length=100, required=False, allow_blank=True)

    def validate(self, data: dict) -> dict:
        if data["action"] == OrderAction.Kind.REFUND and data.get("amount") is None:
            raise serializers.ValidationError({"amount": ["A refund needs an amount."]})
        if data["action"] == OrderAction.Kind.UPDATE_ADDRESS and not data.get("address"):
            raise serializers.ValidationError({"address": ["Give the new shipping address."]})
        return data


_ERRORS = {
    cls.code: cls
    for cls in (base.StoreRejected, base.StoreRateLimited, base.StoreTimeout, base.StoreUnavailable)
}


class TicketOrderActionsView(APIView):
    """Refund, cancel, create a return, send a replacement or change the address of the ticket's order."""

    @extend_schema(responses={200: OrderActionSerializer(many=True)})
    def get(self, request: Request, pk: int) -> Response:
        ticket = access_ticket(request.user, pk)
        rows = OrderAction.objects.filter(ticket=ticket).select_related("order").order_by("-created_at")[:50]
        return Response(OrderActionSerializer(rows, many=True).data)

    @extend_schema(
        request=OrderActionInput,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
        responses={201: OrderActionSerializer, 202: OrderActionSerializer, 200: OrderActionSerializer},
        summary="Run an order action (202 when it waits for an approval; store errors as 422/502/503/504)",
    )
    def post(self, request: Request, pk: int) -> Response:
        ticket = access_ticket(request.user, pk)
        data = OrderActionInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        kind = values.pop("action")
        key = request.headers.get("Idempotency-Key", "") or values.pop("idempotency_key", "")
        values.pop("idempotency_key", None)
        action = actions.request_order_action(
            ticket, kind=kind, params=values, actor=request.user, idempotency_key=key
        )
        if action.status == OrderAction.Status.FAILED:
            raise _ERRORS.get(action.error_code, base.StoreError)(action.error)
        code = {
            OrderAction.Status.AWAITING_APPROVAL: status.HTTP_202_ACCEPTED,
            OrderAction.Status.SUCCEEDED: status.HTTP_201_CREATED,
        }.get(action.status, status.HTTP_200_OK)
        return Response(OrderActionSerializer(action).data, status=code)


WebhookOutcome = inline_serializer(
    "StoreWebhookOutcome", {"received": serializers.BooleanField(), "duplicate": serializers.BooleanField()}
)


class _StoreWebhookView(APIView):
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    parser_classes = [RawBodyParser]
    throttle_classes: list = []
    kind = ""

    def headers_of(self, request: Request) -> dict:
        raise NotImplementedError

    def post(self, request: Request) -> Response:
        received = webhooks.receive_webhook(self.kind, body=request.data or b"", **self.headers_of(request))
        return Response({"received": True, "duplicate": received.duplicate})


def _webhook_schema(*headers: str):
    """The OpenAPI description of a store's webhook endpoint: a JSON body and its signed headers."""
    return extend_schema(
        request={"application/json": {"type": "object"}},
        parameters=[OpenApiParameter(h, str, OpenApiParameter.HEADER, required=True) for h in headers],
        responses={200: WebhookOutcome},
    )


class ShopifyWebhookView(_StoreWebhookView):
    """Shopify webhooks: HMAC checked on the raw body (401 when wrong), deduplicated by webhook id."""

    kind = StoreConnection.Kind.SHOPIFY

    @_webhook_schema(
        "X-Shopify-Hmac-Sha256", "X-Shopify-Shop-Domain", "X-Shopify-Topic", "X-Shopify-Webhook-Id"
    )
    def post(self, request: Request) -> Response:
        return super().post(request)

    def headers_of(self, request: Request) -> dict:
        h = request.headers
        return {
            "domain": h.get("X-Shopify-Shop-Domain", ""),
            "topic": h.get("X-Shopify-Topic", ""),
            "webhook_id": h.get("X-Shopify-Webhook-Id", "") or h.get("X-Shopify-Event-Id", ""),
            "signature_header": h.get("X-Shopify-Hmac-Sha256", ""),
        }


class WooCommerceWebhookView(_StoreWebhookView):
    """WooCommerce webhooks: ``X-WC-Webhook-Signature`` checked on the raw body, deduplicated by delivery id."""

    kind = StoreConnection.Kind.WOOCOMMERCE

    @_webhook_schema(
        "X-WC-Webhook-Signature", "X-WC-Webhook-Source", "X-WC-Webhook-Topic", "X-WC-Webhook-Delivery-ID"
    )
    def post(self, request: Request) -> Response:
        return super().post(request)

    def headers_of(self, request: Request) -> dict:
        h = request.headers
        return {
            "domain": h.get("X-WC-Webhook-Source", ""),
            "topic": h.get("X-WC-Webhook-Topic", ""),
            "webhook_id": h.get("X-WC-Webhook-Delivery-ID", ""),
            "signature_header": h.get("X-WC-Webhook-Signature", ""),
        }
