"""HTML pages: the workflow dashboard, the metrics page with drill-downs and CSV, the weekly review.

Views parse, check the role, call a query or an action and render; the numbers come from
``analytics.queries``. HTMX requests get the page's partial.
"""

from __future__ import annotations

import csv
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from analytics import charts, pattern_alerts, queries
from analytics.export import write_csv
from analytics.forms import VIP_CHOICES, DismissForm, MetricFiltersForm, RevisionForm
from analytics.models import PatternAlert
from analytics.permissions import can_revise_policies, can_view_dashboards
from analytics.queries import agents, dashboard, review
from analytics.queries.ai import ai_metrics
from analytics.queries.proactive import proactive_outreach
from helpdesk.errors import HelpdeskError, InvalidInput, NotAllowed
from helpdesk.http import HtmxHttpRequest
from helpdesk.queue import enqueue
from routing.models import Policy, PolicyVersion
from routing.policies import revise_policy

DRILLDOWN_PAGE = 50
CHART_TITLES = [
    ("volume", "Volume"),
    ("durations", "First response and resolution (hours)"),
    ("rates", "Rates (%)"),
    ("csat", "CSAT"),
]


def dashboard_viewer(view):
    """Login required; 403 for users who may not see the analytics (agents, unless granted)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not can_view_dashboards(request.user):
            raise PermissionDenied("Your role may not see the analytics.")
        return view(request, *args, **kwargs)

    return wrapper


@require_GET
@vary_on_headers("HX-Request")
@dashboard_viewer
def workflow(request: HtmxHttpRequest) -> HttpResponse:
    open_groups, stage_times, agents = (
        dashboard.open_tickets(),
        dashboard.stage_times(),
        dashboard.agents_load(),
    )
    context = {
        "open": open_groups,
        "stage_times": stage_times,
        "sla": dashboard.sla_status(),
        "agents": agents,
        "approvals": dashboard.approvals_waiting(),
        "generated_at": timezone.now(),
        "charts": {
            "stages": charts.open_by_stage(open_groups["by_stage"]),
            "stage_times": charts.stage_times(stage_times),
            "agents": charts.agents_load(agents),
        },
    }
    template = "analytics/workflow.html#live" if request.htmx else "analytics/workflow.html"
    return render(request, template, context)


def _filters(request: HtmxHttpRequest) -> tuple[MetricFiltersForm, queries.MetricFilters | None, str]:
    form = MetricFiltersForm(request.GET)
    try:
        return form, form.filters(), ""
    except InvalidInput as error:
        return form, None, error.message


@require_GET
@vary_on_headers("HX-Request")
@dashboard_viewer
def metrics(request: HtmxHttpRequest) -> HttpResponse:
    form, filters, error = _filters(request)
    context = {
        "form": form,
        "filters": filters,
        "error": error,
        "metrics": queries.METRICS,
        "chart_titles": CHART_TITLES,
    }
    if filters is not None:
        context_data = queries.MetricContext.load()
        context["report"], context["series"] = queries.metrics_report_and_series(filters, context_data)
        context["ai"] = ai_metrics(filters)
        context["charts"] = charts.series(context["series"])
        context["query"] = urlencode(filters.as_query())
        context["proactive"] = proactive_outreach(filters.start_at, filters.end_at)
    if not request.htmx:
        context.update({**queries.filter_choices(), "vip_choices": VIP_CHOICES})
    template = "analytics/metrics.html#results" if request.htmx else "analytics/metrics.html"
    return render(request, template, context)


@require_GET
@dashboard_viewer
def drilldown(request: HtmxHttpRequest) -> HttpResponse:
    _form, filters, error = _filters(request)
    if filters is None:
        return render(request, "analytics/drilldown.html", {"error": error}, status=400)
    metric, part = request.GET.get("metric", ""), request.GET.get("part", "all")
    try:
        page_number = max(1, int(request.GET.get("page") or 1))
        ids, total = queries.drilldown_ids(
            filters, metric=metric, part=part, limit=DRILLDOWN_PAGE, offset=(page_number - 1) * DRILLDOWN_PAGE
        )
    except (InvalidInput, ValueError) as exc:
        message = exc.message if isinstance(exc, InvalidInput) else "page: not a number"
        return render(request, "analytics/drilldown.html", {"error": message}, status=400)
    tickets = sorted(queries.tickets_by_ids(ids), key=lambda t: ids.index(t.pk))
    context = {
        "metric": queries.METRICS_BY_KEY.get(metric),
        "part": part,
        "tickets": tickets,
        "total": total,
        "page": page_number,
        "has_next": page_number * DRILLDOWN_PAGE < total,
        "query": urlencode(filters.as_query()),
        "filters": filters,
    }
    return render(request, "analytics/drilldown.html", context)


@require_GET
@dashboard_viewer
def metrics_csv(request: HtmxHttpRequest) -> HttpResponse:
    _form, filters, error = _filters(request)
    if filters is None:
        return HttpResponse(error, status=400, content_type="text/plain")
    context = queries.MetricContext.load()
    if request.GET.get("series"):
        report, series = queries.metrics_report_and_series(filters, context)
    else:
        report, series = queries.metrics_report(filters, context), None
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="metrics-{filters.start}-{filters.end}.csv"'
    write_csv(response, report, series)
    return response


def _agent_report(request: HtmxHttpRequest, filters: queries.MetricFilters) -> dict:
    try:
        return agents.agent_report(request.user, filters)
    except NotAllowed as error:
        raise PermissionDenied(error.message) from None


@require_GET
@vary_on_headers("HX-Request")
@dashboard_viewer
def agent_reports(request: HtmxHttpRequest) -> HttpResponse:
    """Per agent and per team over a period: the metrics page's definitions, managers only."""
    form, filters, error = _filters(request)
    context = {"form": form, "filters": filters, "error": error, "metrics": queries.METRICS_BY_KEY}
    if filters is not None:
        context["report"] = _agent_report(request, filters)
        context["query"] = urlencode(filters.as_query())
    elif not agents_allowed(request.user):
        raise PermissionDenied("Only managers and admins see the per-agent reports.")
    if not request.htmx:
        context.update({**queries.filter_choices(), "vip_choices": VIP_CHOICES})
    template = "analytics/agents.html#results" if request.htmx else "analytics/agents.html"
    return render(request, template, context, status=400 if error else 200)


@require_GET
@dashboard_viewer
def agent_reports_csv(request: HtmxHttpRequest) -> HttpResponse:
    _form, filters, error = _filters(request)
    if filters is None:
        return HttpResponse(error, status=400, content_type="text/plain")
    report = _agent_report(request, filters)
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="agents-{filters.start}-{filters.end}.csv"'
    csv.writer(response).writerows(agents.csv_rows(report))
    return response


def agents_allowed(user) -> bool:
    try:
        agents.check_may_see_agent_reports(user)
    except NotAllowed:
        return False
    return True


@require_GET
@vary_on_headers("HX-Request")
@dashboard_viewer
def weekly_review(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, "analytics/review.html", _review_context(request, RevisionForm()))


def _review_context(request: HtmxHttpRequest, form: RevisionForm) -> dict:
    return {
        "top_issue_types": review.top_issue_types(),
        "open_alerts": review.open_alerts(),
        "closed_alerts": review.alerts_with_tickets(
            PatternAlert.objects.exclude(status=PatternAlert.Status.OPEN).order_by("-closed_at")[:10]
        ),
        "revisions": PolicyVersion.objects.select_related("policy", "author").order_by("-created_at")[:10],
        "form": form,
        "may_revise": can_revise_policies(request.user),
        "policies": Policy.objects.filter(is_active=True),
    }


@require_POST
@dashboard_viewer
def run_detection(request: HtmxHttpRequest) -> HttpResponse:
    enqueue("analytics.jobs.detect_patterns")
    messages.info(request, "Pattern detection is running; new alerts appear here and in your notifications.")
    return redirect("analytics:review")


@require_POST
@dashboard_viewer
def record_revision(request: HtmxHttpRequest) -> HttpResponse:
    if not can_revise_policies(request.user):
        raise PermissionDenied("Your role may not revise policies.")
    form = RevisionForm(request.POST)
    if form.is_valid():
        alert = None
        if form.cleaned_data.get("alert"):
            alert = get_object_or_404(PatternAlert, pk=form.cleaned_data["alert"])
        try:
            version = revise_policy(
                form.cleaned_data["policy"],
                body=form.cleaned_data["body"],
                author=request.user,
                reason=form.cleaned_data["reason"],
                alert=alert,
            )
        except HelpdeskError as error:
            form.add_error(getattr(error, "field", None), error.message)
        else:
            messages.success(request, f"Recorded {version}.")
            return redirect("analytics:revision", pk=version.pk)
    return render(request, "analytics/review.html", _review_context(request, form))


@require_GET
@dashboard_viewer
def revision_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    version = get_object_or_404(PolicyVersion.objects.select_related("policy", "author"), pk=pk)
    context = {
        "version": version,
        "diff": review.revision_diff(version),
        "alerts": review.alerts_with_tickets(PatternAlert.objects.filter(revision=version)),
    }
    return render(request, "analytics/revision.html", context)


@require_GET
@dashboard_viewer
def policy_text(request: HtmxHttpRequest) -> HttpResponse:
    """HTMX: the revision textarea prefilled with the chosen policy's current text."""
    policy = Policy.objects.filter(pk=request.GET.get("policy") or 0).first()
    current = policy.current_version if policy else None
    return render(request, "analytics/review.html#policy-body", {"body": current.body if current else ""})


@require_POST
@dashboard_viewer
def dismiss(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    if not can_revise_policies(request.user):
        raise PermissionDenied("Your role may not close alerts.")
    alert = get_object_or_404(PatternAlert, pk=pk)
    form = DismissForm(request.POST)
    try:
        if not form.is_valid():
            raise InvalidInput("Say why the alert needs no revision.", field="reason")
        pattern_alerts.dismiss_alert(alert, actor=request.user, reason=form.cleaned_data["reason"])
    except HelpdeskError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Alert dismissed.")
    return redirect("analytics:review")
