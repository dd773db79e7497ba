"""Small shared pieces for HTML views: the HTMX request type and pagination."""

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


def paginate(request: HttpRequest, queryset: QuerySet, *, per_page: int = 50) -> Page:
    """Return the requested page; out-of-range or junk page numbers give the nearest valid page."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))
