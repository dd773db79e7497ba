from django.urls import path

from tickets import api

app_name = "tickets"

urlpatterns: list = []

api_urlpatterns = [
    path("messages/", api.MessageIntakeView.as_view(), name="api-messages"),
    path("tickets/", api.TicketListView.as_view(), name="api-ticket-list"),
    path("tickets/<int:pk>/", api.TicketDetailView.as_view(), name="api-ticket-detail"),
    path("tickets/<int:pk>/replies/", api.TicketReplyView.as_view(), name="api-ticket-replies"),
    path("customers/", api.CustomerListView.as_view(), name="api-customers"),
    path("orders/<str:external_id>/", api.OrderUpsertView.as_view(), name="api-order-upsert"),
    path("health/", api.HealthView.as_view(), name="api-health"),
]
