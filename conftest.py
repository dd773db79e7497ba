"""Role fixtures and test-wide settings shared by every app's tests."""

import os

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls in the same
# test are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _fast_and_synchronous(settings, monkeypatch):
    """Fast password hashing; django-q2 runs queued jobs inline (Conf is read at import)."""
    from django_q.conf import Conf

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    monkeypatch.setattr(Conf, "SYNC", True)


@pytest.fixture(autouse=True)
def _fresh_routing_config():
    """Each test reads routing configuration from its own database state, not a cached snapshot."""
    from routing import config

    config.drop_snapshot()
    yield
    config.drop_snapshot()


@pytest.fixture
def agent(db):
    from tickets.tests.factories import UserFactory

    return UserFactory(username="agent", roles=["agent"])


@pytest.fixture
def manager(db):
    from tickets.tests.factories import UserFactory

    return UserFactory(username="manager", roles=["manager"])


@pytest.fixture
def customer(db):
    from tickets.tests.factories import CustomerFactory

    return CustomerFactory()


@pytest.fixture
def open_ticket(db, customer):
    from tickets.tests.factories import TicketFactory

    return TicketFactory(customer=customer)


@pytest.fixture
def api_client(db):
    """A DRF client authenticated with a real API key (Bearer header)."""
    from rest_framework.test import APIClient

    from tickets.api_auth import create_api_key

    _, raw = create_api_key("test-integration")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client
