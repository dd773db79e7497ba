"""Create an API key for an integration and print it once."""

from django.core.management.base import BaseCommand, CommandError

from tickets.api_auth import create_api_key
from tickets.models import ApiKey


class Command(BaseCommand):
    help = "Create an API key NAME; the key is printed once and only its hash is stored."

    def add_arguments(self, parser):
        parser.add_argument("name")

    def handle(self, *args, name: str, **options):
        if ApiKey.objects.filter(name=name).exists():
            raise CommandError(
                f"An API key named '{name}' already exists; revoke it in the admin or pick another name."
            )
        _, raw = create_api_key(name)
        self.stdout.write(raw)
