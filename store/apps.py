from django.apps import AppConfig


class StoreConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "store"
    verbose_name = "Store connection"

    def ready(self) -> None:
        from tickets import events
        from tickets.models import TicketEvent

        # An approved refund (or other gated order action) is sent to the store only now.
        events.subscribe(TicketEvent.Kind.APPROVAL_DECIDED, "store.jobs.approval_decided")
