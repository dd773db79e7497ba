"""Pattern detection: the same root cause, or the same issue type on one product, seen
``Thresholds.pattern_count`` times within ``Thresholds.pattern_window_days``; and emerging
clusters of similar unresolved complaints that have no root cause yet.

Counting is one SQL statement per kind (a sliding ``RANGE`` window per key); only the few
qualifying groups reach Python. Clusters use TF-IDF cosine similarity on the complaints' text
(scikit-learn, imported only when clustering runs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone

from analytics.models import PatternAlert, PatternAlertTicket
from analytics.pattern_alerts import extend_alert, raise_alert
from routing.models import IssueType, Thresholds
from tickets.models import Message, RootCause, Ticket

# Two complaints this similar (TF-IDF cosine) are linked; linked groups form a cluster.
CLUSTER_SIMILARITY = 0.25
# A cluster member's cosine similarity to the (normalised) centre of its cluster.
CLUSTER_CENTRE_SIMILARITY = 0.4
CLUSTER_CANDIDATES = 2000


def _unit(vector):
    norm = float((vector @ vector) ** 0.5)
    return vector / norm if norm else vector


@dataclass(frozen=True)
class Group:
    key: str
    ticket_ids: list[int]
    times: list[datetime]


_GROUP_SQL = """
    WITH recent AS (
        SELECT t.id, {key} AS key, t.first_message_at AS at
        FROM tickets_ticket t
        WHERE {condition} AND t.first_message_at >= %(since)s AND t.first_message_at <= %(now)s
    ),
    windowed AS (
        SELECT key, at, count(*) OVER (
            PARTITION BY key ORDER BY at RANGE BETWEEN %(window)s PRECEDING AND CURRENT ROW
        ) AS n
        FROM recent
    ),
    qualifying AS (SELECT key, max(at) AS window_end FROM windowed WHERE n >= %(count)s GROUP BY key)
    SELECT q.key, array_agg(r.id ORDER BY r.at, r.id), array_agg(r.at ORDER BY r.at, r.id)
    FROM qualifying q
    JOIN recent r ON r.key = q.key AND r.at >= q.window_end - %(window)s AND r.at <= q.window_end
    GROUP BY q.key
"""

_KINDS = {
    PatternAlert.Kind.ROOT_CAUSE: ("t.root_cause_id::text", "t.root_cause_id IS NOT NULL"),
    PatternAlert.Kind.ISSUE_PRODUCT: (
        "t.issue_type || '|' || t.product",
        "t.product <> '' AND t.issue_type <> ''",
    ),
}


def recurring_groups(kind: str, *, now: datetime, window: timedelta, count: int) -> list[Group]:
    """Keys of ``kind`` with ``count`` tickets inside one ``window``; each with the tickets of its
    latest such window. Looks back two windows, so a weekly run misses no window."""
    key, condition = _KINDS[kind]
    with connection.cursor() as cursor:
        cursor.execute(
            _GROUP_SQL.format(key=key, condition=condition),
            {"since": now - 2 * window, "now": now, "window": window, "count": count},
        )
        return [Group(key, list(ids), list(times)) for key, ids, times in cursor.fetchall()]


def detect_patterns(*, now: datetime | None = None) -> list[PatternAlert]:
    """Raise an alert per new recurring root cause / issue type + product; extend open ones.

    Idempotent: tickets already in an alert of the same pattern are not counted again, and an
    open alert absorbs new tickets instead of a second alert being raised. Returns new alerts.
    """
    now = now or timezone.now()
    thresholds = Thresholds.current()
    window = timedelta(days=thresholds.pattern_window_days)
    created = []
    for kind in _KINDS:
        groups = recurring_groups(kind, now=now, window=window, count=thresholds.pattern_count)
        if not groups:
            continue
        existing = _existing_alerts(kind, [group.key for group in groups])
        for group in groups:
            alert = _record_group(kind, group, existing.get(group.key, []), count=thresholds.pattern_count)
            if alert is not None:
                created.append(alert)
    return created


def _existing_alerts(kind: str, keys: list[str]) -> dict[str, list[PatternAlert]]:
    alerts: dict[str, list[PatternAlert]] = {}
    for alert in PatternAlert.objects.filter(kind=kind, key__in=keys).prefetch_related("memberships"):
        alerts.setdefault(alert.key, []).append(alert)
    return alerts


def _record_group(kind: str, group: Group, alerts: list[PatternAlert], *, count: int) -> PatternAlert | None:
    open_alert = next((alert for alert in alerts if alert.is_open), None)
    if open_alert is not None:
        extend_alert(open_alert, ticket_ids=group.ticket_ids, window_end=group.times[-1])
        return None
    seen = {m.ticket_id for alert in alerts for m in alert.memberships.all()}
    fresh = [(pk, at) for pk, at in zip(group.ticket_ids, group.times, strict=True) if pk not in seen]
    if len(fresh) < count:
        return None
    ids = [pk for pk, _ in fresh]
    return raise_alert(
        kind=kind,
        key=group.key,
        title=_title(kind, group.key, len(ids)),
        window_start=fresh[0][1],
        window_end=fresh[-1][1],
        ticket_ids=ids,
        **_fields(kind, group.key),
    )


def _fields(kind: str, key: str) -> dict[str, object]:
    if kind == PatternAlert.Kind.ROOT_CAUSE:
        return {"root_cause_id": int(key)}
    issue_type, _, product = key.partition("|")
    return {"issue_type": issue_type, "product": product}


def _title(kind: str, key: str, count: int) -> str:
    if kind == PatternAlert.Kind.ROOT_CAUSE:
        name = RootCause.objects.filter(pk=int(key)).values_list("name", flat=True).first() or key
        return f"Root cause “{name}” on {count} tickets"
    issue_type, _, product = key.partition("|")
    return f"{issue_type.replace('_', ' ').capitalize()} on “{product}”: {count} tickets"


def detect_clusters(
    *, now: datetime | None = None, similarity: float = CLUSTER_SIMILARITY
) -> list[PatternAlert]:
    """Flag groups of ``pattern_count`` or more similar unresolved complaints without a root cause.

    Candidates are open complaint tickets (negative sentiment or a complaint issue type) of the
    last two pattern windows; a cluster is a connected group of tickets whose TF-IDF cosine
    similarity is at least ``similarity``. A cluster overlapping an open cluster alert extends it;
    one whose tickets were all alerted before is skipped. Returns the new alerts.
    """
    now = now or timezone.now()
    thresholds = Thresholds.current()
    window = timedelta(days=thresholds.pattern_window_days)
    candidates = _cluster_candidates(since=now - 2 * window)
    if len(candidates) < thresholds.pattern_count:
        return []
    from scipy.sparse.csgraph import connected_components
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True, ngram_range=(1, 1), min_df=1)
    try:
        matrix = vectorizer.fit_transform([text for _, _, text in candidates])
    except ValueError:  # only stop words: nothing to compare
        return []
    similar = (matrix @ matrix.T) >= similarity
    _, labels = connected_components(similar, directed=False)
    terms = vectorizer.get_feature_names_out()
    members: dict[int, list[int]] = {}
    for index, label in enumerate(labels):
        members.setdefault(int(label), []).append(index)
    alerted = dict(
        PatternAlertTicket.objects.filter(alert__kind=PatternAlert.Kind.CLUSTER).values_list(
            "ticket_id", "alert_id"
        )
    )
    open_ids = set(
        PatternAlert.objects.open().filter(kind=PatternAlert.Kind.CLUSTER).values_list("pk", flat=True)
    )
    created = []
    for indexes in members.values():
        if len(indexes) < thresholds.pattern_count:
            continue
        centre = _unit(matrix[indexes].mean(axis=0).A1)
        # Similarity chains can link loosely related texts: keep the tickets close to the centre.
        closeness = (matrix[indexes] @ centre).ravel()
        indexes = [
            i for i, score in zip(indexes, closeness, strict=True) if score >= CLUSTER_CENTRE_SIMILARITY
        ]
        if len(indexes) < thresholds.pattern_count:
            continue
        centre = _unit(matrix[indexes].mean(axis=0).A1)
        scores = {candidates[i][0]: float((matrix[i] @ centre)[0]) for i in indexes}
        ids = [candidates[i][0] for i in indexes]
        overlapping = {alerted[pk] for pk in ids if pk in alerted}
        open_overlap = overlapping & open_ids
        if open_overlap:
            alert = PatternAlert.objects.get(pk=min(open_overlap))
            extend_alert(alert, ticket_ids=ids, window_end=max(candidates[i][1] for i in indexes))
            continue
        if all(pk in alerted for pk in ids):
            continue
        top = [str(terms[j]) for j in centre.argsort()[::-1][:5] if centre[j] > 0]
        times = sorted(candidates[i][1] for i in indexes)
        alert = raise_alert(
            kind=PatternAlert.Kind.CLUSTER,
            key=f"cluster:{min(ids)}",
            title=f"Emerging cluster: {', '.join(top[:3])} ({len(ids)} open complaints)",
            window_start=times[0],
            window_end=times[-1],
            ticket_ids=ids,
            similarities=scores,
            terms=top,
        )
        if alert is not None:
            created.append(alert)
    return created


def _cluster_candidates(*, since: datetime) -> list[tuple[int, datetime, str]]:
    """(id, first message time, subject + first customer message) of open complaints without a
    root cause, newest first, in one query."""
    complaint_types = IssueType.objects.filter(is_complaint=True).values("slug")
    first_body = (
        Message.objects.filter(ticket=OuterRef("pk"), direction=Message.Direction.INBOUND)
        .order_by("created_at", "pk")
        .values("body")[:1]
    )
    rows = (
        Ticket.objects.open()
        .filter(root_cause__isnull=True, first_message_at__gte=since)
        .filter(
            Q(sentiment=Ticket.Sentiment.FRUSTRATED)
            | Q(sentiment_score__lt=0)
            | Q(issue_type__in=complaint_types)
        )
        .annotate(first_body=Subquery(first_body))
        .order_by("-first_message_at", "-pk")
        .values_list("pk", "first_message_at", "subject", "first_body")[:CLUSTER_CANDIDATES]
    )
    return [(pk, at, f"{subject or ''}\n{body or ''}") for pk, at, subject, body in rows]
