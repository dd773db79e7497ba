"""One error vocabulary: domain exceptions and the DRF handler that maps them to JSON.

Every API error body is ``{"detail": ..., "code": ...}``, plus ``"fields"`` for validation
errors so the client knows which field is wrong.
"""

from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class HelpdeskError(Exception):
    """Base of every domain error raised by actions. ``status`` is the HTTP status it maps to."""

    code = "helpdesk_error"
    status = status.HTTP_409_CONFLICT

    def __init__(self, message: str = "", **context: Any) -> None:
        super().__init__(message or self.__doc__ or self.code)
        self.message = message or (self.__doc__ or self.code).strip()
        self.context = context


class InvalidInput(HelpdeskError):
    """The input is not valid."""

    code = "invalid"
    status = status.HTTP_400_BAD_REQUEST

    def __init__(self, message: str = "", *, field: str | None = None, **context: Any) -> None:
        super().__init__(message, **context)
        self.field = field


class NotAllowed(HelpdeskError):
    """Your role may not do this."""

    code = "forbidden"
    status = status.HTTP_403_FORBIDDEN


class IllegalTransition(HelpdeskError):
    """The ticket is not in a state that allows this."""

    code = "illegal_transition"
    status = status.HTTP_409_CONFLICT


def _flatten(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {key: _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [str(item) if not isinstance(item, dict | list) else _flatten(item) for item in detail]
    return str(detail)


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Map domain, Django and DRF errors to ``{"detail", "code"[, "fields"]}``."""
    if isinstance(exc, HelpdeskError):
        body: dict[str, Any] = {"detail": exc.message, "code": exc.code}
        field = getattr(exc, "field", None)
        if field:
            body["fields"] = {field: [exc.message]}
        return Response(body, status=exc.status)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(fields)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404 | ObjectDoesNotExist):
        # A ``.get()`` that finds nothing is "not found" for the client, never a 500.
        exc = exceptions.NotFound()
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _flatten(exc.detail)
        if isinstance(fields, list):
            fields = {"non_field_errors": fields}
        summary = "; ".join(
            f"{name}: {', '.join(msgs) if isinstance(msgs, list) and all(isinstance(m, str) for m in msgs) else msgs}"
            for name, msgs in fields.items()
        )
        response.data = {"detail": f"Invalid input — {summary}", "code": "invalid", "fields": fields}
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        response.data = {"detail": str(detail), "code": code if isinstance(code, str) else "error"}
    return response
