from django.urls import path

from followups import views
from followups.api import inbound, webhooks, widget

app_name = "followups"

urlpatterns = [
    path("csat/<str:token>/", views.csat, name="csat"),
    path("widget-demo/", views.widget_demo, name="widget-demo"),
    path("chat/attachments/<str:token>/", views.chat_attachment, name="chat-attachment"),
]

api_urlpatterns = [
    path("inbound/email/", inbound.InboundEmailView.as_view(), name="api-inbound-email"),
    path("inbound/webhooks/<slug:source>/", inbound.InboundWebhookView.as_view(), name="api-inbound-webhook"),
    path("widget/<str:key>/", widget.WidgetConfigView.as_view(), name="api-widget-config"),
    path("widget/<str:key>/sessions/", widget.WidgetSessionView.as_view(), name="api-widget-sessions"),
    path("widget/<str:key>/messages/", widget.WidgetMessagesView.as_view(), name="api-widget-messages"),
    path(
        "webhooks/subscriptions/", webhooks.SubscriptionListView.as_view(), name="api-webhook-subscriptions"
    ),
    path(
        "webhooks/subscriptions/<int:pk>/",
        webhooks.SubscriptionDetailView.as_view(),
        name="api-webhook-subscription",
    ),
    path("webhooks/deliveries/", webhooks.DeliveryListView.as_view(), name="api-webhook-deliveries"),
    path(
        "webhooks/deliveries/<int:pk>/replay/",
        webhooks.DeliveryReplayView.as_view(),
        name="api-webhook-delivery-replay",
    ),
]
