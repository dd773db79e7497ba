"""REST API for routing (mounted under /api/v1/): why a ticket is where it is, escalation and
de-escalation, approvals. Input serializer -> action -> output serializer; the actions decide
who may (403) and what is legal (409)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from routing import approvals, escalation, queries
from routing.models import Approval, Escalation, RoutingDecision, SlaClock, Tier
from routing.models.rules import APPROVER_ROLES
from tickets.queries import access_ticket, visible_tickets

# --- output -------------------------------------------------------------------------------------


class TierSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tier
        fields = ["slug", "name", "rank", "is_senior"]


class ApprovalSerializer(serializers.ModelSerializer):
    requested_by = serializers.StringRelatedField()
    decided_by = serializers.StringRelatedField()
    ticket_reference = serializers.CharField(source="ticket.reference", read_only=True)

    class Meta:
        model = Approval
        fields = [
            "id", "ticket", "ticket_reference", "status", "role", "amount", "reason", "message",
            "requested_by", "requested_at", "decided_by", "decided_at", "note",
        ]  # fmt: skip


class EscalationSerializer(serializers.ModelSerializer):
    from_tier = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    to_tier = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    actor = serializers.StringRelatedField()

    class Meta:
        model = Escalation
        fields = [
            "id", "direction", "from_tier", "to_tier", "to_ai", "trigger", "reason", "actor",
            "created_at", "acknowledge_due_at", "acknowledged_at",
        ]  # fmt: skip


class EscalationDetailSerializer(EscalationSerializer):
    class Meta(EscalationSerializer.Meta):
        fields = [*EscalationSerializer.Meta.fields, "package"]


class DecisionSerializer(serializers.ModelSerializer):
    tier = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    team = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    agent = serializers.StringRelatedField()
    rule = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    sla_policy = serializers.StringRelatedField()
    summary = serializers.CharField(read_only=True)

    class Meta:
        model = RoutingDecision
        fields = [
            "id", "created_at", "trigger", "destination", "tier", "team", "agent", "priority", "rule",
            "summary", "explanation", "notes", "sla_policy", "first_response_due_at", "resolution_due_at",
            "approvals_required", "notifications", "tags", "facts",
        ]  # fmt: skip


class ClockSerializer(serializers.ModelSerializer):
    class Meta:
        model = SlaClock
        fields = [
            "kind",
            "started_at",
            "target_minutes",
            "warn_at",
            "due_at",
            "warned_at",
            "breached_at",
            "paused_at",
            "stopped_at",
        ]


class RoutingDetailSerializer(serializers.Serializer):
    ticket = serializers.IntegerField(source="pk")
    reference = serializers.CharField()
    tier = TierSerializer(allow_null=True)
    team = serializers.CharField(source="team.slug", allow_null=True, default=None)
    assignee = serializers.StringRelatedField()
    handled_by_ai = serializers.BooleanField()
    priority = serializers.IntegerField()
    stage = serializers.CharField()
    sla = serializers.SerializerMethodField()
    open_approvals = serializers.SerializerMethodField()
    escalations = EscalationSerializer(many=True)
    routing = serializers.SerializerMethodField()
    decisions = DecisionSerializer(many=True, source="recent_decisions")

    def get_sla(self, ticket) -> dict:
        return {
            "first_response_due_at": ticket.first_response_due_at,
            "next_response_due_at": ticket.next_response_due_at,
            "resolution_due_at": ticket.resolution_due_at,
            "due_at": ticket.sla_due_at,
            "paused_at": ticket.sla_paused_at,
            "breached": ticket.sla_breached,
            "clocks": ClockSerializer(ticket.sla_clocks.all(), many=True).data,
        }

    def get_open_approvals(self, ticket) -> list:
        pending = [a for a in ticket.approvals.all() if a.status == Approval.Status.PENDING]
        return ApprovalSerializer(pending, many=True).data

    def get_routing(self, ticket) -> dict | None:
        latest = ticket.recent_decisions[0] if ticket.recent_decisions else None
        return DecisionSerializer(latest).data if latest else None


# --- views --------------------------------------------------------------------------------------


class TicketRoutingView(APIView):
    """Why the ticket is here: tier, team, assignee, priority, SLA, approvals, escalations."""

    @extend_schema(responses=RoutingDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        ticket = queries.routing_detail(access_ticket(request.user, pk))
        return Response(RoutingDetailSerializer(ticket).data)


class EscalateInput(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)
    target_tier = serializers.SlugRelatedField(
        slug_field="slug", queryset=Tier.objects.all(), required=False, allow_null=True, default=None
    )


class DeescalateInput(EscalateInput):
    to_ai = serializers.BooleanField(default=False)


class EscalateView(APIView):
    @extend_schema(request=EscalateInput, responses={201: EscalationDetailSerializer})
    def post(self, request: Request, pk: int) -> Response:
        ticket = access_ticket(request.user, pk)
        data = EscalateInput(data=request.data)
        data.is_valid(raise_exception=True)
        result = escalation.escalate_ticket(
            ticket,
            actor=request.user,
            reason=data.validated_data["reason"],
            target_tier=data.validated_data["target_tier"],
        )
        return Response(EscalationDetailSerializer(result).data, status=status.HTTP_201_CREATED)


class DeescalateView(APIView):
    @extend_schema(request=DeescalateInput, responses={201: EscalationDetailSerializer})
    def post(self, request: Request, pk: int) -> Response:
        ticket = access_ticket(request.user, pk)
        data = DeescalateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        result = escalation.deescalate_ticket(
            ticket,
            actor=request.user,
            reason=values["reason"],
            target_tier=values["target_tier"],
            to_ai=values["to_ai"],
        )
        return Response(EscalationDetailSerializer(result).data, status=status.HTTP_201_CREATED)


class ApprovalPagination(CursorPagination):
    ordering = ("-requested_at", "-id")
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class ApprovalListView(generics.ListAPIView):
    """Approvals the caller may decide; ``?status=pending|approved|denied`` (default pending)."""

    serializer_class = ApprovalSerializer
    pagination_class = ApprovalPagination

    @extend_schema(
        parameters=[OpenApiParameter("status", enum=[*Approval.Status.values, "all"], required=False)]
    )
    def get(self, request: Request, *args, **kwargs) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Approval]:
        if getattr(self, "swagger_fake_view", False):
            return Approval.objects.none()
        wanted = self.request.query_params.get("status", Approval.Status.PENDING)
        if wanted not in (*Approval.Status.values, "all"):
            raise serializers.ValidationError(
                {"status": [f"Use one of {', '.join(Approval.Status.values)} or all."]}
            )
        return queries.approvals_for(self.request.user, status=None if wanted == "all" else wanted)


class ApprovalRequestInput(serializers.Serializer):
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True, default=None
    )
    reason = serializers.CharField(max_length=2000)
    role = serializers.ChoiceField(choices=APPROVER_ROLES, default="manager")


class TicketApprovalRequestView(APIView):
    @extend_schema(request=ApprovalRequestInput, responses={201: ApprovalSerializer})
    def post(self, request: Request, pk: int) -> Response:
        ticket = access_ticket(request.user, pk)
        data = ApprovalRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        approval = approvals.request_approval(ticket, requested_by=request.user, **data.validated_data)
        return Response(ApprovalSerializer(approval).data, status=status.HTTP_201_CREATED)


class DecisionInput(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


def _approval(request: Request, pk: int) -> Approval:
    approval = Approval.objects.filter(pk=pk, ticket__in=visible_tickets(request.user)).first()
    if approval is None:
        raise Http404("No such approval.")
    return approval


class ApproveView(APIView):
    @extend_schema(request=DecisionInput, responses=ApprovalSerializer)
    def post(self, request: Request, pk: int) -> Response:
        data = DecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        approval = approvals.approve(
            _approval(request, pk), actor=request.user, note=data.validated_data["note"]
        )
        return Response(ApprovalSerializer(approval).data)


class DenyView(APIView):
    @extend_schema(request=DecisionInput, responses=ApprovalSerializer)
    def post(self, request: Request, pk: int) -> Response:
        data = DecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        approval = approvals.deny(
            _approval(request, pk), actor=request.user, note=data.validated_data["note"]
        )
        return Response(ApprovalSerializer(approval).data)
