"""The admin's dry-run page: where the saved (or an edited, unsaved) rule set would route the
last N tickets, and why, beside where they are now. Nothing is saved."""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import permission_required
from django.forms import modelform_factory
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from routing import engine
from routing.models import RoutingRule
from tickets.models import Ticket

RuleForm = modelform_factory(RoutingRule, exclude=[])
MAX_TICKETS = 500


def _limit(raw: str | None) -> int:
    try:
        return max(1, min(MAX_TICKETS, int(raw or 50)))
    except ValueError:
        return 50


@staff_member_required
@permission_required("routing.view_routingrule", raise_exception=True)
@require_http_methods(["GET", "POST"])
def dry_run(request: HttpRequest) -> HttpResponse:
    limit = _limit(request.GET.get("limit") or request.POST.get("dry_run_limit"))
    rules = engine.active_rules()
    form = edited = None
    if request.method == "POST":
        instance = RoutingRule.objects.filter(pk=request.GET.get("rule") or None).first() or RoutingRule()
        form = RuleForm(request.POST, instance=instance)
        if form.is_valid():
            edited = form.save(commit=False)
            others = [rule for rule in rules if rule.pk != instance.pk or instance.pk is None]
            rules = sorted([*others, edited], key=lambda rule: (rule.position, rule.pk or 0))
    tickets = Ticket.objects.select_related("customer", "tier", "assignee").order_by("-created_at", "-id")[
        :limit
    ]
    rows = engine.dry_run(tickets, rules) if form is None or form.is_valid() else []
    context = {
        "title": "Routing dry run",
        "rows": rows,
        "limit": limit,
        "form": form,
        "edited": edited,
        "changed": sum(row.changed for row in rows),
    }
    return render(request, "routing/dry_run.html", context)
