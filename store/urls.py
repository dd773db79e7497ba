from django.urls import path

from store import api, views

app_name = "store"

urlpatterns = [
    path("tickets/<int:pk>/order-actions/", views.order_action, name="order-action"),
]

api_urlpatterns = [
    # Ahead of tickets' own route: the same path, with GET and the store vocabulary added.
    path("orders/<str:external_id>/", api.OrderView.as_view(), name="api-order-upsert"),
    path(
        "tickets/<int:pk>/order-actions/",
        api.TicketOrderActionsView.as_view(),
        name="api-ticket-order-actions",
    ),
    path("integrations/shopify/webhooks/", api.ShopifyWebhookView.as_view(), name="api-shopify-webhooks"),
    path(
        "integrations/woocommerce/webhooks/",
        api.WooCommerceWebhookView.as_view(),
        name="api-woocommerce-webhooks",
    ),
]
