"""A minimal project around django-helpdesk (the peer in bench/compare.py), production-like.

Read from the environment: PEER_DATABASE_URL (postgres://user:pass@host:port/db, a unix-socket
host percent-encoded), PEER_SECRET_KEY. DEBUG is off; static files are not measured.
"""

import os
from urllib.parse import unquote, urlparse

_url = urlparse(os.environ["PEER_DATABASE_URL"])
_userinfo, _, _hostport = _url.netloc.rpartition("@")
_user, _, _password = _userinfo.partition(":")
_host, _, _port = _hostport.partition(":")  # a socket directory is percent-encoded: no ':' in it
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": _url.path.lstrip("/"),
        "USER": unquote(_user),
        "PASSWORD": unquote(_password),
        "HOST": unquote(_host),
        "PORT": _port,
        # The same persistent connections as Handoff's settings.
        "CONN_MAX_AGE": 60,
    }
}
DEBUG = False
SECRET_KEY = os.environ.get(
    "PEER_SECRET_KEY", "bench-only-peer-secret-key-0123456789abcdefghijklmnopqrstuvwxyz"
)
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "peer_urls"
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
SITE_ID = 1
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "helpdesk",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
STATIC_URL = "/static/"
LOGIN_URL = "/login/"
# Integrations authenticate with a token (like Handoff's API keys), not a password hashed per request.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ]
}
HELPDESK_TEAMS_MODE_ENABLED = False  # needs pinax-teams otherwise
HELPDESK_API_ENABLED = True
# Outbound mail is not what is measured.
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
