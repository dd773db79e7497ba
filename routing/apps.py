from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "routing"
    verbose_name = "Routing and escalation"

    def ready(self) -> None:
        # Cache busting only (STYLE: signals never carry workflow): a config edit drops the
        # per-process snapshot (routing.config) and the calendar cache, here and, after commit,
        # in every other process.
        from django.db.models.signals import post_delete, post_save

        from routing import config
        from routing.models import BusinessCalendar, BusinessInterval, Holiday

        for model in (*config.CONFIG_MODELS, BusinessCalendar, BusinessInterval, Holiday):
            post_save.connect(
                config.forget, sender=model, dispatch_uid=f"forget-config-save-{model.__name__}"
            )
            post_delete.connect(
                config.forget, sender=model, dispatch_uid=f"forget-config-del-{model.__name__}"
            )

        # A reply changes "what has been done so far": the brief's summary is rebuilt.
        from tickets import events
        from tickets.models import TicketEvent

        events.subscribe(TicketEvent.Kind.REPLY_SENT, "routing.triage.jobs.reply_sent")
        # A snoozed ticket's SLA clocks pause while it sleeps (tickets.snooze).
        events.subscribe(TicketEvent.Kind.SNOOZED, "routing.jobs.ticket_snoozed")
        events.subscribe(TicketEvent.Kind.UNSNOOZED, "routing.jobs.ticket_unsnoozed")
        # A ticket split off another gets its own SLA clocks.
        events.subscribe(TicketEvent.Kind.TICKET_SPLIT, "routing.jobs.ticket_split")

        # A policy edit drops the cached policy texts the AI quotes (routing.policies).
        from routing.models import Policy, PolicyVersion
        from routing.policies import forget_policies

        for model in (Policy, PolicyVersion):
            post_save.connect(forget_policies, sender=model, dispatch_uid=f"forget-policies-{model.__name__}")
            post_delete.connect(
                forget_policies, sender=model, dispatch_uid=f"forget-policies-del-{model.__name__}"
            )
