"""Refuse oversized request bodies with 413 before anything reads them; answer a database
outage with 503 and Retry-After instead of a crash page."""

from collections.abc import Callable

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

RETRY_AFTER_SECONDS = 5


def is_database_outage(exc: BaseException) -> bool:
    """Cannot connect, connection lost, pool exhausted: the request may be retried later.

    OperationalError also covers deadlocks and serialization failures, which are retried by
    the code that expects them; here they are equally "try again".
    """
    return isinstance(exc, OperationalError | InterfaceError)


def database_unavailable(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"detail": "The service is temporarily unavailable; retry shortly.", "code": "unavailable"},
            status=503,
        )
    else:
        response = HttpResponse(
            "The service is temporarily unavailable; retry shortly.", status=503, content_type="text/plain"
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class DatabaseOutageMiddleware:
    """Turns a database outage raised by a view into 503 (with DEBUG on too, where Django would
    otherwise show its debug page). Outages in other middleware reach handler500, which does the same."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_database_outage(exception):
            return database_unavailable(request)
        return None


class RequestSizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit and length > limit:
            return JsonResponse(
                {
                    "detail": f"Request body is {length} bytes; the limit is {limit} bytes.",
                    "code": "too_large",
                },
                status=413,
            )
        return self.get_response(request)
