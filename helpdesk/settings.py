"""Handoff settings: one file, every per-install value from the environment.

Sections: core · database · apps and middleware · templates and HTMX · auth · DRF ·
django-q2 · triage · email · channels · logging.  Business configuration (tiers, rules,
thresholds) lives in the database and is edited in the admin, not here.
"""

import os
from pathlib import Path
from urllib.parse import quote

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent

# numpy's BLAS starts one thread per core by default; in web and worker processes the triage
# embedding then fights the other processes for the cores (measured on 2 cores: creation p50
# 513 ms with the default, 69 ms with one thread). Read before numpy is first imported, which
# happens after settings load; BLAS_THREADS (or the variables themselves) override it.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, os.environ.get("BLAS_THREADS", "1"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# --- core -------------------------------------------------------------------------------------
# Off unless asked for: `make run` (scripts/run.sh) and the test settings turn it on.
DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "dev-only-insecure-key-set-SECRET_KEY-in-production-0123456789abcdef"
# How many reverse proxies in front of the app append to X-Forwarded-For. With the default of
# none, the client is REMOTE_ADDR and the header is ignored: anyone can send it.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", 0))
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
STORE_NAME = os.environ.get("STORE_NAME", "Northwind Goods")
STORE_CURRENCY = os.environ.get("STORE_CURRENCY", "EUR")
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_TZ = True
LANGUAGE_CODE = "en-us"
USE_I18N = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
ROOT_URLCONF = "helpdesk.urls"
WSGI_APPLICATION = "helpdesk.wsgi.application"
# Request bodies above this are refused with 413 (API and forms alike).
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("MAX_REQUEST_BYTES", 2 * 1024 * 1024))
# How long an Idempotency-Key's stored answer is replayed (helpdesk/idempotency.py).
IDEMPOTENCY_KEY_TTL_HOURS = int(os.environ.get("IDEMPOTENCY_KEY_TTL_HOURS", 24))
MAX_MESSAGE_BODY_CHARS = int(os.environ.get("MAX_MESSAGE_BODY_CHARS", 100_000))

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 31536000))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True

# --- database ---------------------------------------------------------------------------------
# DATABASE_URL wins; otherwise the project-local embedded server in .pgdata/ (started by
# `python -m helpdesk.embedded_pg start`, which `make run` and `make test` do) over its unix socket.
PGDATA_DIR = Path(os.environ.get("PGDATA_DIR", BASE_DIR / ".pgdata"))
EMBEDDED_DATABASE_URL = f"postgres://postgres@{quote(str(PGDATA_DIR), safe='')}/helpdesk"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or EMBEDDED_DATABASE_URL,
        # Connections come from psycopg's pool (below), which needs CONN_MAX_AGE 0.
        conn_max_age=0,
    )
}
# A pool per process, sized to its threads: a burst of requests waits up to DB_POOL_TIMEOUT
# seconds for a connection instead of opening one each ("too many clients already").
# DB_POOL_MAX_SIZE=0 turns the pool off (one connection per request, as before).
DB_POOL_MAX_SIZE = int(os.environ.get("DB_POOL_MAX_SIZE", 8))
if DB_POOL_MAX_SIZE:
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": int(os.environ.get("DB_POOL_MIN_SIZE", 1)),
        "max_size": DB_POOL_MAX_SIZE,
        "timeout": float(os.environ.get("DB_POOL_TIMEOUT", 10)),
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("DB_CONN_MAX_AGE", 60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if os.environ.get("TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DATABASE_NAME"]}

# --- apps and middleware ----------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_q",
    "django_htmx",
    "template_partials",
    "helpdesk",
    "tickets",
    "routing",
    "followups",
    "analytics",
    "store",
    "resolution",
    "demo",
    "axes",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "helpdesk.middleware.RequestSizeLimitMiddleware",
    "helpdesk.middleware.DatabaseOutageMiddleware",
    "helpdesk.idempotency.IdempotencyKeyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: turns a locked-out login into its 429 page.
    "axes.middleware.AxesMiddleware",
]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Content-Security-Policy on every response (django-csp). Scripts only from our own static files;
# images only from here: a remote image in customer HTML (a tracking pixel) never loads in the
# inbox. Inline style attributes stay allowed (templates and htmx use them).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- templates and HTMX -----------------------------------------------------------------------
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "helpdesk.context.site",
                "tickets.context.chrome",
            ],
            "builtins": ["template_partials.templatetags.partials"],
        },
    }
]

# --- auth -------------------------------------------------------------------------------------
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"
# django-axes counts failed logins (inbox and admin share this backend): after AXES_FAILURE_LIMIT
# failures a username, and separately a client address, is locked for LOGIN_LOCKOUT_MINUTES.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = float(os.environ.get("LOGIN_LOCKOUT_MINUTES", 15)) / 60
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "helpdesk.clientip.client_ip"
AXES_VERBOSE = False
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# --- DRF --------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tickets.api_auth.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "helpdesk.schema.HandoffAutoSchema",
    "DEFAULT_PARSER_CLASSES": [
        "helpdesk.parsers.SafeJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "helpdesk.pagination.CreatedCursorPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "helpdesk.errors.api_exception_handler",
    # helpdesk/throttling.py: one atomic counter per client and window, shared by every web
    # process when CACHE_URL points at Redis (docs/deploy.md).
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "helpdesk.throttling.AgentRateThrottle",
        "helpdesk.throttling.IntegrationRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_THROTTLE_ANON", "60/min"),
        "user": os.environ.get("API_THROTTLE_USER", "1200/min"),
        # Per API key: a store replaying a sales-day backlog sends hundreds a second.
        "integration": os.environ.get("API_THROTTLE_INTEGRATION", "30000/min"),
        "widget": os.environ.get("WIDGET_THROTTLE", "30/min"),
        "api_key_failure": os.environ.get("API_KEY_FAILURE_THROTTLE", "20/min"),
    },
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Handoff API",
    "DESCRIPTION": "Intake, tickets, customers, orders, routing and metrics for the Handoff helpdesk. "
    "Authenticate with `Authorization: Bearer <api key>` (create one with `manage.py create_api_key`).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from our own static files: the docs work offline and load no third-party JS.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a "status"; name each enum after its model.
    "ENUM_NAME_OVERRIDES": {
        "TicketStatusEnum": "tickets.models.Ticket.Status",
        "OrderStatusEnum": "tickets.models.Order.Status",
        "TicketPatchStatusEnum": [("open", "Open"), ("pending", "Pending customer")],
        "MessageDirectionEnum": "tickets.models.Message.Direction",
        "EscalationDirectionEnum": "routing.models.Escalation.Direction",
        "ApprovalStatusEnum": "routing.models.Approval.Status",
        "ShipmentStatusEnum": "store.models.Fulfillment.Status",
        "RefundStatusEnum": "store.models.Refund.Status",
        "ReturnStatusEnum": "store.models.Return.Status",
        "OrderActionStatusEnum": "store.models.OrderAction.Status",
        "OrderActionKindEnum": "store.models.OrderAction.Kind",
    },
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if os.environ.get("CACHE_URL", "").startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["CACHE_URL"],
        }
    }

# --- django-q2 --------------------------------------------------------------------------------
# The Postgres (ORM) broker by default; set Q_REDIS_URL to use Redis on larger installations.
Q_CLUSTER = {
    "name": "handoff",
    "workers": int(os.environ.get("Q_WORKERS", 2)),
    "timeout": 120,
    "retry": 180,
    "max_attempts": 3,
    "queue_limit": 50,
    "bulk": 10,
    "catch_up": False,
    "sync": env_bool("Q_SYNC", False),
    "orm": "default",
    "poll": 0.5,
}
if os.environ.get("Q_REDIS_URL"):
    Q_CLUSTER.pop("orm")
    Q_CLUSTER["redis"] = os.environ["Q_REDIS_URL"]

# --- triage -----------------------------------------------------------------------------------
# Offline by default: the built-in cues, with sentence embeddings where the cues are unsure
# (docs/triage.md); without the model files it is the built-in backend. Others: docs/triage.md.
TRIAGE_BACKEND = {
    "BACKEND": os.environ.get("TRIAGE_BACKEND", "routing.triage.backends.semantic.SemanticBackend"),
    "OPTIONS": {},
}
LLM_API_URL = os.environ.get("LLM_API_URL", "")
LLM_API_KEY = os.environ.get("LLM_API_KEY", "")
LLM_MODEL = os.environ.get("LLM_MODEL", "")
LLM_TIMEOUT_SECONDS = float(os.environ.get("LLM_TIMEOUT_SECONDS", 20))
TRIAGE_MODEL_DIR = Path(os.environ.get("TRIAGE_MODEL_DIR", BASE_DIR / "var" / "models"))
# The public evaluation sets derived by `manage.py prepare_external_triage` (docs/triage.md);
# unset: var/external, else ../shared/data/external.
TRIAGE_EXTERNAL_DIR = os.environ.get("TRIAGE_EXTERNAL_DIR", "")
# The job tickets.intake wakes after a message is committed: it claims received messages in
# batches, triages and routes them (a dotted path keeps tickets free of imports from routing).
INTAKE_PIPELINE = "routing.pipeline.drain"
# Asked before any outbound reply leaves: send, hold for approval, or refuse (routing's guardrails).
REPLY_POLICY = "routing.guards.check_reply"
# Called with a ticket (or a batch) once routing gave it to the AI tier: the resolution flows.
AI_RESOLUTION = "resolution.actions.resolve_with_ai"
# An AI-answered ticket the customer does not write back on is resolved after this many hours.
AI_QUIET_HOURS = int(os.environ.get("AI_QUIET_HOURS", "24"))
# Delivers an outbound message on its channel (a django-q2 job path).
OUTBOUND_DELIVERY = "followups.jobs.deliver_message"
# Moves a ticket to another tier when a macro says so (routing's escalation, up or down).
TICKET_TIER_MOVE = "routing.escalation.move_to_tier"

# --- reply attachments (tickets.attachments) ----------------------------------------------------
REPLY_ATTACHMENT_MAX_BYTES = int(os.environ.get("REPLY_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))
REPLY_ATTACHMENT_MAX_FILES = int(os.environ.get("REPLY_ATTACHMENT_MAX_FILES", 5))
REPLY_ATTACHMENT_TYPES = [
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "text/plain",
    "text/csv",
    "application/zip",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
]
# Called with each uploaded file before it is stored; returns None (clean) or the reason to refuse.
# Point it at your antivirus (clamd...) in production; the default accepts every file.
ATTACHMENT_SCANNER = os.environ.get("ATTACHMENT_SCANNER", "tickets.attachments.accept_all")

# --- email ------------------------------------------------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", f"{STORE_NAME} Support <support@example.com>")
SUPPORT_EMAIL_DOMAIN = os.environ.get("SUPPORT_EMAIL_DOMAIN", "example.com")
IMAP_HOST = os.environ.get("IMAP_HOST", "")
IMAP_PORT = int(os.environ.get("IMAP_PORT", 993))
IMAP_USER = os.environ.get("IMAP_USER", "")
IMAP_PASSWORD = os.environ.get("IMAP_PASSWORD", "")
IMAP_USE_SSL = env_bool("IMAP_USE_SSL", True)
IMAP_FOLDER = os.environ.get("IMAP_FOLDER", "INBOX")

# --- channels ---------------------------------------------------------------------------------
# Replies go out from this address; replies come back to <local>+HD-<id>@SUPPORT_EMAIL_DOMAIN.
SUPPORT_EMAIL_ADDRESS = os.environ.get("SUPPORT_EMAIL_ADDRESS", f"support@{SUPPORT_EMAIL_DOMAIN}")
# More inbound emails than this from one address within an hour is a mail loop: the rest are dropped.
INBOUND_EMAIL_LOOP_LIMIT = int(os.environ.get("INBOUND_EMAIL_LOOP_LIMIT", 20))
CSAT_TOKEN_MAX_AGE_DAYS = int(os.environ.get("CSAT_TOKEN_MAX_AGE_DAYS", 14))
OUTBOUND_MAX_ATTEMPTS = int(os.environ.get("OUTBOUND_MAX_ATTEMPTS", 5))
WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("WEBHOOK_MAX_ATTEMPTS", 6))
# Outbound webhooks go to public addresses only (helpdesk/outbound.py); tests turn this on to
# post to their loopback receivers.
OUTBOUND_ALLOW_PRIVATE_NETWORKS = env_bool("OUTBOUND_ALLOW_PRIVATE_NETWORKS", False)
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", 10))
# Inbound webhook timestamps older (or further in the future) than this are refused.
WEBHOOK_TOLERANCE_SECONDS = int(os.environ.get("WEBHOOK_TOLERANCE_SECONDS", 300))

# --- store connection -------------------------------------------------------------------------
# Fernet key for connection secrets kept in the database; blank derives one from SECRET_KEY.
STORE_CREDENTIALS_KEY = os.environ.get("STORE_CREDENTIALS_KEY", "")
STORE_TIMEOUT_SECONDS = float(os.environ.get("STORE_TIMEOUT_SECONDS", 15))
# Retries of a throttled (429 / THROTTLED) store call before the agent sees "rate limited".
STORE_MAX_RETRIES = int(os.environ.get("STORE_MAX_RETRIES", 4))
# Longest single backoff sleep, so a request from the inbox never hangs for a minute.
STORE_MAX_BACKOFF_SECONDS = float(os.environ.get("STORE_MAX_BACKOFF_SECONDS", 8))

# --- deployment -------------------------------------------------------------------------------
# docs/deploy.md. collectstatic writes here; gunicorn's settings are in gunicorn.conf.py.
if os.environ.get("STATIC_ROOT"):
    STATIC_ROOT = Path(os.environ["STATIC_ROOT"])

# --- logging ----------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
