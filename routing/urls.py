from django.urls import path

from routing import api, views

app_name = "routing"

urlpatterns = [
    path("dry-run/", views.dry_run, name="dry-run"),
]

api_urlpatterns = [
    path("tickets/<int:pk>/routing/", api.TicketRoutingView.as_view(), name="api-ticket-routing"),
    path("tickets/<int:pk>/escalate/", api.EscalateView.as_view(), name="api-ticket-escalate"),
    path("tickets/<int:pk>/deescalate/", api.DeescalateView.as_view(), name="api-ticket-deescalate"),
    path("tickets/<int:pk>/approvals/", api.TicketApprovalRequestView.as_view(), name="api-ticket-approvals"),
    path("approvals/", api.ApprovalListView.as_view(), name="api-approvals"),
    path("approvals/<int:pk>/approve/", api.ApproveView.as_view(), name="api-approval-approve"),
    path("approvals/<int:pk>/deny/", api.DenyView.as_view(), name="api-approval-deny"),
]
