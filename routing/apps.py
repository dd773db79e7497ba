from django.apps import AppConfig


class RoutingConfig(AppConfig):
    name = "routing"
    verbose_name = "Routing and escalation"

    def ready(self) -> None:
        # Cache busting only (STYLE: signals never carry workflow): calendar edits drop the cache.
        from django.db.models.signals import post_delete, post_save

        from routing.models import BusinessCalendar, BusinessInterval, Holiday, Team
        from routing.sla_clocks import forget_calendars

        for model in (BusinessCalendar, BusinessInterval, Holiday, Team):
            post_save.connect(
                forget_calendars, sender=model, dispatch_uid=f"forget-calendars-save-{model.__name__}"
            )
            post_delete.connect(
                forget_calendars, sender=model, dispatch_uid=f"forget-calendars-del-{model.__name__}"
            )
