"""Routing's part of the demo seed (``tickets.demo.POST_SEED_STEPS``)."""

from __future__ import annotations

from django.utils import timezone


def settle_sla_clocks(context) -> None:
    """Run the SLA clock sweep once over the back-dated history, as the worker does every minute:
    clocks of answered and resolved tickets stop, tickets waiting on the customer pause. Without
    it the demo opens with every clock running, and the first sweep then flips most open rows."""
    from routing.sla_clocks import sync_clocks

    result = sync_clocks(timezone.now())
    context.log(f"routing: SLA clocks settled ({result['stopped']} stopped, {result['paused']} paused)")
