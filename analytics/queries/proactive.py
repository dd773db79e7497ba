"""Proactive outreach numbers: messages sent, and the contacts they avoided.

``contacts_avoided`` compares orders that got a proactive message with comparable orders (the
same kind of store problem in the same period: a delayed or failed shipment, a store
cancellation) that got none: the expected contacts at the comparable orders' contact rate,
minus the contacts that actually came. A contact is an inbound message from the order's
customer within 7 days of the message (or of the problem, for orders without one).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection

CONTACT_WINDOW_DAYS = 7

_SQL = """
WITH messaged AS (
    SELECT DISTINCT ON (pm.order_id) pm.order_id, o.customer_id, pm.sent_at AS at
    FROM store_proactivemessage pm JOIN tickets_order o ON o.id = pm.order_id
    WHERE pm.status = 'sent' AND pm.sent_at >= %(start)s AND pm.sent_at < %(end)s
    ORDER BY pm.order_id, pm.sent_at
), problems AS (
    SELECT f.order_id, MIN(COALESCE(f.last_scan_at, f.shipped_at)) AS at
    FROM store_fulfillment f
    WHERE f.status IN ('delayed', 'failure')
      AND COALESCE(f.last_scan_at, f.shipped_at) >= %(start)s AND COALESCE(f.last_scan_at, f.shipped_at) < %(end)s
    GROUP BY f.order_id
    UNION ALL
    SELECT s.order_id, s.cancelled_at FROM store_storeorder s
    WHERE s.cancelled_by_store AND s.cancelled_at >= %(start)s AND s.cancelled_at < %(end)s
), comparable AS (
    SELECT DISTINCT ON (p.order_id) p.order_id, o.customer_id, p.at
    FROM problems p JOIN tickets_order o ON o.id = p.order_id
    WHERE o.customer_id IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM store_proactivemessage pm WHERE pm.order_id = p.order_id AND pm.status = 'sent')
    ORDER BY p.order_id, p.at
), contacted AS (
    SELECT g.kind, g.order_id,
           EXISTS (
               SELECT 1 FROM tickets_message m JOIN tickets_ticket t ON t.id = m.ticket_id
               WHERE t.customer_id = g.customer_id AND m.direction = 'inbound'
                 AND m.created_at >= g.at AND m.created_at < g.at + make_interval(days => %(window)s)
           ) AS contacted
    FROM (SELECT 'messaged' AS kind, * FROM messaged UNION ALL SELECT 'comparable', * FROM comparable) g
)
SELECT kind, COUNT(*) AS orders, COUNT(*) FILTER (WHERE contacted) AS contacted FROM contacted GROUP BY kind
"""


def proactive_outreach(start: datetime, end: datetime) -> dict[str, Any]:
    """``proactive_messages`` sent in ``[start, end)`` and ``contacts_avoided`` with its inputs."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM store_proactivemessage WHERE status = 'sent' AND sent_at >= %s AND sent_at < %s",
            [start, end],
        )
        sent = cursor.fetchone()[0]
        cursor.execute(_SQL, {"start": start, "end": end, "window": CONTACT_WINDOW_DAYS})
        rows = {kind: (orders, contacted) for kind, orders, contacted in cursor.fetchall()}
    messaged, messaged_contacted = rows.get("messaged", (0, 0))
    comparable, comparable_contacted = rows.get("comparable", (0, 0))
    rate = comparable_contacted / comparable if comparable else None
    avoided = max(0, round(messaged * rate - messaged_contacted)) if rate is not None else None
    return {
        "proactive_messages": sent,
        "contacts_avoided": avoided,
        "contacts_avoided_detail": {
            "messaged_orders": messaged,
            "messaged_orders_contacted": messaged_contacted,
            "comparable_orders": comparable,
            "comparable_orders_contacted": comparable_contacted,
            "comparable_contact_rate": round(rate, 4) if rate is not None else None,
            "window_days": CONTACT_WINDOW_DAYS,
        },
    }
