from django.apps import AppConfig


class HelpdeskConfig(AppConfig):
    name = "helpdesk"
    verbose_name = "Handoff"

    def ready(self) -> None:
        from helpdesk import db_fork

        db_fork.install()
