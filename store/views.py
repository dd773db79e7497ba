"""The inbox sidebar's order panel: one POST that runs an order action and re-renders the panel."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from helpdesk.errors import HelpdeskError
from helpdesk.http import HtmxHttpRequest
from store import actions, queries
from store.models import OrderAction
from tickets.queries import access_ticket


def _params(post) -> dict:
    params: dict = {"reason": post.get("reason", ""), "note": post.get("note", "")}
    if post.get("amount"):
        try:
            params["amount"] = Decimal(post["amount"])
        except InvalidOperation:
            params["amount"] = None
    if post.get("action") == OrderAction.Kind.CANCEL:
        params.update(reason=post.get("reason") or "customer", refund=bool(post.get("refund")), restock=True)
    if post.get("action") == OrderAction.Kind.UPDATE_ADDRESS:
        params["address"] = {k: post.get(k, "") for k in ("address1", "address2", "city", "zip", "country")}
    return params


@login_required
@require_POST
def order_action(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    ticket = access_ticket(request.user, pk)
    error = ""
    try:
        action = actions.request_order_action(
            ticket,
            kind=request.POST.get("action", ""),
            params=_params(request.POST),
            actor=request.user,
            idempotency_key=request.POST.get("idempotency_key", ""),
        )
        if action.status == OrderAction.Status.FAILED:
            error = action.error
    except HelpdeskError as exc:
        error = exc.message
    if not request.htmx:
        if error:
            messages.error(request, error)
        return redirect("tickets:detail", pk=ticket.pk)
    context = {"ticket": ticket, "store_panel": queries.ticket_order_panel(ticket), "store_error": error}
    return render(request, "store/order_panel.html", context)
