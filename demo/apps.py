from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo and benchmark data generators: above every domain app, imported by none of them."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "demo"
    verbose_name = "Demo data"
