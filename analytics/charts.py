"""Chart specs (labels + datasets) for ``static/analytics/analytics.js``, built from query results.

Series are told apart by line dash, point shape and bar hatching as well as colour, and every
chart has its numbers in a table next to it, so nothing depends on colour alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from analytics.queries.dashboard import OpenGroup


def bar(
    labels: Sequence[str], datasets: Sequence[tuple[str, Sequence[float | None]]], **options: Any
) -> dict:
    return {
        "type": "bar",
        "labels": list(labels),
        "datasets": [_dataset(n, d) for n, d in datasets],
        **options,
    }


def line(
    labels: Sequence[str], datasets: Sequence[tuple[str, Sequence[float | None]]], **options: Any
) -> dict:
    return {
        "type": "line",
        "labels": list(labels),
        "datasets": [_dataset(n, d) for n, d in datasets],
        **options,
    }


def _dataset(label: str, data: Sequence[float | None]) -> dict:
    return {"label": label, "data": list(data)}


def open_by_stage(groups: Sequence[OpenGroup]) -> dict:
    return bar([g.label for g in groups], [("Open tickets", [g.count for g in groups])], unit="tickets")


def stage_times(rows: Sequence[dict]) -> dict:
    return bar(
        [row["label"] for row in rows],
        [
            ("Median hours", [row["median_hours"] for row in rows]),
            ("p90 hours", [row["p90_hours"] for row in rows]),
        ],
        unit="h",
    )


def agents_load(agents: Sequence[Any]) -> dict:
    return bar(
        [agent.user.get_full_name() or agent.user.username for agent in agents],
        [
            ("Open tickets", [agent.load for agent in agents]),
            ("Capacity", [agent.capacity for agent in agents]),
        ],
        horizontal=True,
        unit="tickets",
    )


def series(buckets: Sequence[dict]) -> dict[str, dict]:
    """The metrics page's charts: volume, durations, rates, CSAT over the period's buckets."""
    labels = [bucket["bucket"] for bucket in buckets]

    def hours(key: str, measure: str) -> list[float | None]:
        return [round(b[key][measure] / 3600, 2) if b[key][measure] is not None else None for b in buckets]

    def rate(key: str) -> list[float | None]:
        return [round(b[key]["value"] * 100, 1) if b[key]["value"] is not None else None for b in buckets]

    return {
        "volume": bar(labels, [("Tickets", [b["volume"] for b in buckets])], unit="tickets"),
        "durations": line(
            labels,
            [
                ("First response, median h", hours("first_response_time", "median_seconds")),
                ("First response, p90 h", hours("first_response_time", "p90_seconds")),
                ("Resolution, median h", hours("resolution_time", "median_seconds")),
                ("Resolution, p90 h", hours("resolution_time", "p90_seconds")),
            ],
            unit="h",
        ),
        "rates": line(
            labels,
            [
                ("Escalation %", rate("escalation_rate")),
                ("AI draft acceptance %", rate("ai_draft_acceptance_rate")),
                ("Human override %", rate("human_override_rate")),
                ("Root cause coverage %", rate("root_cause_coverage")),
            ],
            unit="%",
        ),
        "csat": line(
            labels,
            [
                ("CSAT (1–5)", [b["csat"]["average"] for b in buckets]),
                ("Recovery CSAT (1–5)", [b["recovery_csat"]["average"] for b in buckets]),
            ],
            unit="",
        ),
    }
