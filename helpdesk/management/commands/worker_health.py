"""Exit 0 when a django-q2 cluster on this host is running, 1 otherwise (container health checks).

A running cluster refreshes its status entry in the broker about twice a second and the entry
expires after 3 s, so a hung or dead cluster drops out at once. The entry lives in Redis with
``Q_REDIS_URL``, or in the Django cache with the PostgreSQL broker: there it is only visible to
other processes when ``CACHE_URL`` points at a shared Redis.
"""

import socket

from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Succeeds when a django-q2 cluster (manage.py qcluster) on this host is working."

    def add_arguments(self, parser):
        parser.add_argument("--any-host", action="store_true", help="Accept a cluster on any host.")

    def handle(self, *args, any_host: bool = False, **options):
        from django_q.conf import Conf
        from django_q.status import Stat

        host = socket.gethostname()
        clusters = [s for s in Stat.get_all() if any_host or s.host == host]
        working = [s for s in clusters if str(s.status) in {str(Conf.IDLE), str(Conf.WORKING)}]
        if not working:
            where = "anywhere" if any_host else f"on {host}"
            raise CommandError(
                f"No working django-q2 cluster {where} (seen: {[str(s.status) for s in clusters]})."
            )
        for stat in working:
            self.stdout.write(f"{stat.cluster_id} on {stat.host}: {stat.status}, {len(stat.workers)} workers")
