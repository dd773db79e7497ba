"""``GET /api/v1/metrics/`` (JSON) and ``GET /api/v1/metrics/export.csv``: the metrics page's numbers."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics import queries
from analytics.export import write_csv
from analytics.forms import MetricFiltersForm
from analytics.permissions import ViewsMetrics
from analytics.queries.ai import ai_metrics
from analytics.queries.proactive import proactive_outreach

FILTER_PARAMETERS = [
    OpenApiParameter("start", OpenApiTypes.DATE, description="First day (default: 29 days before end)."),
    OpenApiParameter("end", OpenApiTypes.DATE, description="Last day, inclusive (default: today)."),
    OpenApiParameter("channel", OpenApiTypes.STR),
    OpenApiParameter("issue_type", OpenApiTypes.STR, description="Issue type slug."),
    OpenApiParameter("team", OpenApiTypes.INT, description="Team id."),
    OpenApiParameter("tier", OpenApiTypes.INT, description="Tier id."),
    OpenApiParameter("vip", OpenApiTypes.STR, description='"any", "none" or one VIP level.'),
    OpenApiParameter("grain", OpenApiTypes.STR, enum=["day", "week"], description="Series bucket."),
    OpenApiParameter("series", OpenApiTypes.BOOL, description="Include the daily/weekly series."),
]


class MetricsView(APIView):
    """Every workflow metric for the period, the previous period and (optionally) the series."""

    permission_classes = [ViewsMetrics]

    @extend_schema(parameters=FILTER_PARAMETERS, responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        filters = MetricFiltersForm(request.query_params).filters()
        context = queries.MetricContext.load()
        with_series = request.query_params.get("series") in ("1", "true", "yes")
        if with_series:
            report, series = queries.metrics_report_and_series(filters, context)
        else:
            report, series = queries.metrics_report(filters, context), None
        body = {
            "period": report["period"],
            "previous_period": report["previous_period"],
            "filters": filters.as_query(),
            **report["current"],
            **ai_metrics(filters),
            "previous": report["previous"],
            "definitions": {metric.key: metric.definition for metric in queries.METRICS},
            **proactive_outreach(filters.start_at, filters.end_at),
        }
        if with_series:
            body["series"] = series
        return Response(body)


class MetricsCsvView(APIView):
    """The same numbers as CSV: one row per metric measure, or per bucket with ``series=1``."""

    permission_classes = [ViewsMetrics]

    @extend_schema(parameters=FILTER_PARAMETERS, responses={(200, "text/csv"): OpenApiTypes.STR})
    def get(self, request: Request) -> HttpResponse:
        filters = MetricFiltersForm(request.query_params).filters()
        context = queries.MetricContext.load()
        if request.query_params.get("series"):
            report, series = queries.metrics_report_and_series(filters, context)
        else:
            report, series = queries.metrics_report(filters, context), None
        response = HttpResponse(content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="metrics-{filters.start}-{filters.end}.csv"'
        write_csv(response, report, series)
        return response
