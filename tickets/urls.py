from django.urls import path

from tickets import api
from tickets.views import account, composer, detail, inbox, ticket_actions, ticket_moves

app_name = "tickets"

urlpatterns = [
    path("", inbox.inbox, name="inbox"),
    path("bulk/", inbox.bulk, name="bulk"),
    path("views/", inbox.save_view, name="save-view"),
    path("views/<int:pk>/", inbox.change_view, name="change-view"),
    path("header/", account.header_tools, name="header"),
    path("availability/", account.set_availability, name="availability"),
    path("notifications/", account.notifications, name="notifications"),
    path("notifications/read-all/", account.mark_all_read, name="notifications-read-all"),
    path("notifications/mutes/", account.set_mutes, name="notification-mutes"),
    path("notifications/<int:pk>/open/", account.open_notification, name="notification-open"),
    path("<int:pk>/", detail.ticket_detail, name="detail"),
    path("<int:pk>/attachments/<int:attachment_id>/", detail.download_attachment, name="attachment"),
    path("<int:pk>/macros/<int:macro_id>/", detail.insert_macro, name="macro"),
    path("<int:pk>/reply/", composer.reply, name="reply"),
    path("<int:pk>/macros/<int:macro_id>/preview/", composer.preview_macro, name="macro-preview"),
    path("<int:pk>/macros/<int:macro_id>/apply/", composer.apply_macro, name="macro-apply"),
    path("<int:pk>/tags/", composer.edit_tags, name="tags"),
    path("<int:pk>/presence/", composer.heartbeat, name="presence"),
    path("presence/", composer.presence_list, name="presence-list"),
    path("macros/", composer.macro_list, name="macros"),
    path("macros/new/", composer.macro_edit, name="macro-new"),
    path("macros/<int:macro_id>/edit/", composer.macro_edit, name="macro-edit"),
    path("<int:pk>/note/", ticket_actions.add_note, name="note"),
    path("<int:pk>/draft/discard/", ticket_actions.discard_draft, name="discard-draft"),
    path("<int:pk>/classification/", ticket_actions.classify, name="classify"),
    path("<int:pk>/escalate/", ticket_actions.escalate, name="escalate"),
    path("<int:pk>/deescalate/", ticket_actions.deescalate, name="deescalate"),
    path("<int:pk>/approvals/", ticket_actions.request_approval, name="request-approval"),
    path("<int:pk>/approvals/<int:approval_id>/", ticket_actions.decide_approval, name="decide-approval"),
    path("<int:pk>/assign/", ticket_actions.assign, name="assign"),
    path("<int:pk>/resolve/", ticket_actions.resolve, name="resolve"),
    path("<int:pk>/reopen/", ticket_actions.reopen, name="reopen"),
    path("<int:pk>/snooze/", ticket_moves.snooze_ticket, name="snooze"),
    path("<int:pk>/unsnooze/", ticket_moves.unsnooze_ticket, name="unsnooze"),
    path("<int:pk>/merge/", ticket_moves.merge_ticket, name="merge"),
    path("<int:pk>/merges/<int:merge_id>/undo/", ticket_moves.undo_merge, name="undo-merge"),
    path("<int:pk>/split/", ticket_moves.split_ticket, name="split"),
    path("<int:pk>/splits/<int:split_id>/undo/", ticket_moves.undo_split, name="undo-split"),
]

api_urlpatterns = [
    path("messages/", api.MessageIntakeView.as_view(), name="api-messages"),
    path("tickets/", api.TicketListView.as_view(), name="api-ticket-list"),
    path("tickets/<int:pk>/", api.TicketDetailView.as_view(), name="api-ticket-detail"),
    path("tickets/<int:pk>/replies/", api.TicketReplyView.as_view(), name="api-ticket-replies"),
    path("customers/", api.CustomerListView.as_view(), name="api-customers"),
    # orders/<external_id>/ is routed by ``store.urls`` (OrderUpsertView plus GET and store vocabulary).
    path("health/", api.HealthView.as_view(), name="api-health"),
]
