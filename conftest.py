"""Role fixtures and test-wide settings shared by every app's tests."""

import os
import shutil

import pytest

# Debian's chromium, driven by Playwright through executable_path (`playwright install` cannot
# download here); browser tests skip with this reason where it is missing.
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

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
    from routing.policies import forget_policies

    config.drop_snapshot()
    forget_policies()
    yield
    config.drop_snapshot()
    forget_policies()


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


def pytest_collection_modifyitems(config, items):
    if CHROMIUM:
        return
    skip = pytest.mark.skip(reason="Chromium is not installed (run `make browser`).")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 800}}
