"""REST API for intake, tickets, customers and orders (mounted under /api/v1/).

Input serializers validate, an action does the work, output serializers render.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import QuerySet
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from helpdesk.errors import InvalidInput, NotAllowed
from helpdesk.inputs import SaneDateTimeField, SaneIsoDateTimeFilter, check_storable
from tickets import actions, intake, permissions, queries, records
from tickets.intake import METADATA_MAX_DEPTH
from tickets.models import Attachment, Channel, Customer, Message, Order, Ticket, TicketEvent

# --- output serializers ------------------------------------------------------------------------


class CustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = [
            "id",
            "name",
            "email",
            "phone",
            "lifetime_value",
            "order_count",
            "tags",
            "vip_level",
            "created_at",
        ]
        read_only_fields = ["id", "vip_level", "created_at"]


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "filename", "content_type", "size"]


class MessageSerializer(serializers.ModelSerializer):
    author = serializers.StringRelatedField()
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Message
        fields = [
            "id",
            "direction",
            "author_kind",
            "author",
            "channel",
            "external_id",
            "subject",
            "body",
            "body_html",
            "is_internal",
            "is_auto",
            "delivery_status",
            "sent_at",
            "created_at",
            "attachments",
        ]


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.StringRelatedField()

    class Meta:
        model = TicketEvent
        fields = ["id", "kind", "actor", "actor_kind", "at", "data"]


class TicketSerializer(serializers.ModelSerializer):
    customer = CustomerSerializer(read_only=True)
    assignee = serializers.StringRelatedField()
    tier = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    team = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    reference = serializers.CharField(read_only=True)

    class Meta:
        model = Ticket
        fields = [
            "id",
            "reference",
            "subject",
            "channel",
            "status",
            "stage",
            "priority",
            "customer",
            "issue_type",
            "sentiment",
            "sentiment_score",
            "urgency",
            "amount_at_stake",
            "currency",
            "signals",
            "tags",
            "tier",
            "team",
            "assignee",
            "first_response_due_at",
            "resolution_due_at",
            "sla_breached",
            "first_response_at",
            "resolved_at",
            "created_at",
            "updated_at",
        ]


class OrderSerializer(serializers.ModelSerializer):
    customer_email = serializers.EmailField(write_only=True, required=False, allow_blank=True)

    class Meta:
        model = Order
        fields = [
            "external_id",
            "number",
            "customer",
            "customer_email",
            "status",
            "fulfillment_status",
            "carrier",
            "tracking_number",
            "tracking_url",
            "total",
            "currency",
            "placed_at",
            "shipped_at",
            "delivered_at",
            "line_items",
        ]
        read_only_fields = ["external_id", "customer"]
        extra_kwargs = {"total": {"min_value": 0}}

    def validate_line_items(self, value):
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise serializers.ValidationError("Give a list of objects (sku, name, quantity, price).")
        return value


class TicketDetailSerializer(TicketSerializer):
    order = OrderSerializer(read_only=True)
    messages = MessageSerializer(many=True, read_only=True)
    events = EventSerializer(many=True, read_only=True)
    root_cause = serializers.StringRelatedField()

    class Meta(TicketSerializer.Meta):
        fields = [
            *TicketSerializer.Meta.fields,
            "order",
            "ai_summary",
            "root_cause",
            "resolution_method",
            "messages",
            "events",
        ]


# --- intake ------------------------------------------------------------------------------------


class SenderInput(serializers.Serializer):
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    phone = serializers.CharField(required=False, allow_blank=True, default="", max_length=40)
    handle = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)
    name = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)

    def validate(self, attrs):
        if not any(attrs.get(key, "").strip() for key in ("email", "phone", "handle")):
            raise serializers.ValidationError("Give at least one of email, phone or handle.")
        return attrs


class MessageInput(serializers.Serializer):
    channel = serializers.ChoiceField(choices=Channel.choices)
    external_id = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    sender = SenderInput()
    subject = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    body = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False)
    body_html = serializers.CharField(required=False, allow_blank=True, default="", trim_whitespace=False)
    received_at = SaneDateTimeField(required=False, allow_null=True, default=None)
    thread_key = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    order_number = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    metadata = serializers.DictField(required=False, default=dict)

    def validate_metadata(self, value):
        try:
            check_storable(value, field="metadata", max_depth=METADATA_MAX_DEPTH)
        except InvalidInput as exc:
            raise serializers.ValidationError(exc.message) from None
        return value

    def validate(self, attrs):
        if not (attrs["body"].strip() or attrs["body_html"].strip()):
            raise serializers.ValidationError({"body": ["The message has no body."]})
        return attrs


class IntakeResultSerializer(TicketSerializer):
    message_id = serializers.IntegerField(
        read_only=True, help_text="The stored message (the same on a retry)."
    )

    class Meta(TicketSerializer.Meta):
        fields = [*TicketSerializer.Meta.fields, "message_id"]


class MessageIntakeView(APIView):
    """Intake for external tools and channel connectors: one message in, its ticket out.

    Integrations, managers and admins may post; agents answer tickets instead. A retry with the
    same channel and external_id returns 200 with the same body and stores nothing.
    """

    @extend_schema(
        request=MessageInput,
        responses={201: IntakeResultSerializer, 200: IntakeResultSerializer},
        summary="Receive a customer message (idempotent on channel + external_id)",
    )
    def post(self, request: Request) -> Response:
        if not queries.sees_all_tickets(request.user):
            raise NotAllowed("Only integrations, managers and admins may post customer messages.")
        data = MessageInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        result = intake.receive(
            intake.InboundMessage(
                channel=values["channel"],
                sender=intake.Sender(**values["sender"]),
                body=values["body"],
                body_html=values["body_html"],
                subject=values["subject"],
                external_id=values["external_id"],
                received_at=values["received_at"],
                thread_key=values["thread_key"],
                order_number=values["order_number"],
                metadata=values["metadata"],
            )
        )
        # A new ticket is answered from the rows just written (nothing else is on it yet).
        ticket = (
            result.ticket if result.new_ticket else queries.ticket_list(request.user).get(pk=result.ticket.pk)
        )
        cast(Any, ticket).message_id = result.message.pk  # the serializer's extra field
        return Response(
            IntakeResultSerializer(ticket).data,
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )


# --- tickets -----------------------------------------------------------------------------------


class TicketFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Ticket.Status.choices)
    stage = filters.ChoiceFilter(choices=Ticket.Stage.choices)
    channel = filters.ChoiceFilter(choices=Channel.choices)
    priority = filters.TypedChoiceFilter(choices=Ticket.Priority.choices, coerce=int)
    issue_type = filters.CharFilter()
    tier = filters.CharFilter(field_name="tier__slug")
    team = filters.CharFilter(field_name="team__slug")
    assignee = filters.NumberFilter(field_name="assignee_id")
    customer = filters.NumberFilter(field_name="customer_id")
    created_after = SaneIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = SaneIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Ticket
        fields: list[str] = []


class TicketListView(generics.ListAPIView):
    """Tickets the caller may see, newest first; cursor-paginated (``next``/``previous`` links)."""

    serializer_class = TicketSerializer
    filterset_class = TicketFilter
    filter_backends = [filters.DjangoFilterBackend, OrderingFilter]
    # Cursor pagination needs non-null sort keys, so nullable columns (sla_due_at) are not offered;
    # the inbox sorts by SLA.
    ordering_fields = ["created_at", "updated_at", "priority"]
    ordering = ["-created_at"]
    queryset = Ticket.objects.none()  # for the schema; requests use get_queryset

    def get_queryset(self) -> QuerySet[Ticket]:
        return queries.ticket_list(self.request.user)


class TicketPatchInput(serializers.Serializer):
    status = serializers.ChoiceField(choices=[Ticket.Status.OPEN, Ticket.Status.PENDING], required=False)
    priority = serializers.ChoiceField(choices=Ticket.Priority.choices, required=False)
    assignee = serializers.IntegerField(required=False, allow_null=True)

    def validate_assignee(self, value):
        # Whether this user may hold tickets, and whether the caller may give them one, is the
        # action's to say (403 before 400, as in the inbox).
        if value is None:
            return None
        user = get_user_model().objects.filter(pk=value, is_active=True).first()
        if user is None:
            raise serializers.ValidationError(f"No active user with id {value}.")
        return user


class TicketDetailView(APIView):
    @extend_schema(responses=TicketDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        ticket = queries.access_ticket(request.user, pk)
        ticket = queries.ticket_detail(request.user).get(pk=ticket.pk)
        return Response(TicketDetailSerializer(ticket).data)

    @extend_schema(request=TicketPatchInput, responses=TicketDetailSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        ticket = queries.access_ticket(request.user, pk)
        data = TicketPatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if not values:
            raise InvalidInput("Nothing to change: send status, priority or assignee.")
        with transaction.atomic():
            if "status" in values:
                actions.change_status(ticket, status=values["status"], actor=request.user)
            if "priority" in values:
                actions.change_priority(ticket, priority=values["priority"], actor=request.user)
            if "assignee" in values:
                actions.assign_ticket(ticket, agent=values["assignee"], actor=request.user)
        return self.get(request, pk)


class ReplyInput(serializers.Serializer):
    body = serializers.CharField(max_length=50_000)
    body_html = serializers.CharField(required=False, allow_blank=True, default="", max_length=100_000)
    commits_amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        required=False,
        allow_null=True,
        default=None,
        min_value=0,
        help_text="Refund or compensation this reply promises; above the approval threshold it is held.",
    )
    internal = serializers.BooleanField(default=False, help_text="An internal note instead of a reply.")


class TicketReplyView(APIView):
    @extend_schema(request=ReplyInput, responses={201: MessageSerializer})
    def post(self, request: Request, pk: int) -> Response:
        ticket = queries.access_ticket(request.user, pk)
        data = ReplyInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if values["internal"]:
            message = actions.add_internal_note(ticket, body=values["body"], author=request.user)
        else:
            message = actions.reply_to_ticket(
                ticket,
                body=values["body"],
                body_html=values["body_html"],
                author=request.user,
                commits_amount=values["commits_amount"],
            )
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)


# --- customers and orders ----------------------------------------------------------------------


class CustomerListView(generics.ListCreateAPIView):
    """Customers (merged ones hidden). POST finds the customer by email or phone, or creates one."""

    serializer_class = CustomerSerializer
    filter_backends = [SearchFilter]
    search_fields = ["=email", "=phone", "name"]
    queryset = Customer.objects.none()  # for the schema; requests use get_queryset

    def initial(self, request: Request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        permissions.check_customer_writer(request.user)

    def get_queryset(self) -> QuerySet[Customer]:
        return Customer.objects.active()

    @extend_schema(request=CustomerSerializer, responses={201: CustomerSerializer, 200: CustomerSerializer})
    def post(self, request: Request, *args, **kwargs) -> Response:
        data = CustomerSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        customer, created = records.upsert_customer(
            actor=request.user,
            email=values.get("email", ""),
            phone=values.get("phone", ""),
            name=values.get("name", ""),
            **{field: values[field] for field in records.STANDING_FIELDS if field in values},
        )
        return Response(
            CustomerSerializer(customer).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


class OrderUpsertView(APIView):
    """Store integrations push orders here; the same external id updates the same order."""

    @staticmethod
    def order_input(data: dict) -> dict:
        """The request body as the serializer should see it (an app above maps store vocabulary)."""
        return data

    @extend_schema(request=OrderSerializer, responses={200: OrderSerializer, 201: OrderSerializer})
    def put(self, request: Request, external_id: str) -> Response:
        permissions.check_order_writer(request.user)
        if not isinstance(request.data, dict):
            raise InvalidInput("The body must be a JSON object.", field="body")
        data = OrderSerializer(data=self.order_input(request.data))
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        email = values.pop("customer_email", "")
        order, created = records.upsert_order(
            actor=request.user, external_id=external_id, values=values, customer_email=email
        )
        return Response(
            OrderSerializer(order).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


@extend_schema(responses=inline_serializer("Health", {"status": serializers.CharField()}))
class HealthView(APIView):
    authentication_classes: list = []
    permission_classes: list = []
    # Load balancers and container health checks poll this from a few addresses; a 429 here
    # would take a healthy process out of rotation.
    throttle_classes: list = []

    def get(self, request: Request) -> Response:
        return Response({"status": "ok"})
