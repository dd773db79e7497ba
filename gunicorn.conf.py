"""gunicorn settings for `make run` and production (gunicorn reads ./gunicorn.conf.py by itself).

Every value comes from the environment so one file serves a laptop, a container and a VM:
HOST/PORT (or GUNICORN_BIND), WEB_CONCURRENCY (worker processes), GUNICORN_TIMEOUT.
"""

import os

# helpdesk/settings.py limits numpy to one BLAS thread per process (BLAS_THREADS overrides it).


bind = (
    os.environ.get("GUNICORN_BIND")
    or f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
)
workers = int(os.environ.get("WEB_CONCURRENCY", 2))
worker_class = "sync"
# A sync worker serves one request at a time; the slowest page is well under a second, so
# anything beyond this is stuck and gets replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 10
# Recycle workers now and then so a slow leak cannot grow without bound (jitter avoids all
# workers restarting together).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 5000))
max_requests_jitter = 500
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
# Behind a reverse proxy that sets X-Forwarded-Proto (see docs/deploy.md).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
