"""CSV export of the metrics (the HTML page and the API share it)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from analytics import queries


def write_csv(stream: Any, report: dict, series: list[dict] | None) -> None:
    """Summary rows (metric, measure, current, previous), or one row per bucket with ``series``."""
    writer = csv.writer(stream)
    if series is None:
        writer.writerow(["metric", "measure", "current", "previous", "period", "previous_period"])
        period = f"{report['period']['start']}..{report['period']['end']}"
        previous = f"{report['previous_period']['start']}..{report['previous_period']['end']}"
        for key, measure, current, before in flatten(report["current"], report["previous"]):
            writer.writerow([key, measure, current, before, period, previous])
        return
    header_written = False
    for bucket in series:
        flat = [(f"{key}.{measure}", value) for key, measure, value, _ in flatten(bucket, bucket)]
        if not header_written:
            writer.writerow(["bucket", *[name for name, _ in flat]])
            header_written = True
        writer.writerow([bucket["bucket"], *[value for _, value in flat]])


def flatten(current: dict, previous: dict) -> Iterator[tuple[str, str, Any, Any]]:
    for key in [metric.key for metric in queries.METRICS]:
        value, before = current[key], previous[key]
        if isinstance(value, dict):
            for measure in value:
                yield key, measure, value[measure], before[measure]
        else:
            yield key, "count", value, before
