"""Property-based API testing: every operation in the OpenAPI schema, 25 generated requests each,
against the app in-process with a real API key. No request may get a 5xx, and every answer must
match the schema (status code, content type, body).

ENVIRONMENT.md gotchas 10-12: a module-level ``from_wsgi`` schema (the pytest fixture loader
breaks on pytest 9.2), and the database connection kept open across the in-process requests.
"""

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)


@schemathesis.serializer("message/rfc822")
def _raw_email(ctx, value) -> bytes:
    # The inbound email endpoint takes raw RFC 822 bytes (a "binary" string in the schema).
    return value if isinstance(value, bytes) else str(value).encode()


schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api_key_header(db):
    from tickets.api_auth import create_api_key

    _, raw = create_api_key("schemathesis")
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def keep_connection_open():
    # The WSGI handler closes the connection after each request, which would end the test's
    # transaction (django.test.Client disconnects these receivers the same way).
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)
def test_no_server_errors_and_no_schema_mismatch(case, api_key_header, keep_connection_open):
    case.call_and_validate(headers=api_key_header, checks=CHECKS)
