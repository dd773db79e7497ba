"""Routing configuration read once per process: rules, tiers, SLA policies, VIP rules and levels,
action rules, thresholds and complaint issue types.

Every routing decision needs all of it and an admin edits it a few times a day, so ``current()``
keeps one ``Config`` snapshot per process instead of reading ~12 tables per decision. It is
reloaded when:

- a config row is saved or deleted in this process (signals in ``apps.py`` call ``forget``:
  cache busting only, they carry no workflow);
- another process saved one: after the saving transaction commits, the handler bumps the
  PostgreSQL sequence ``routing_config_version`` (a sequence is non-transactional and visible to
  every session), and ``current()`` compares its ``last_value`` with the snapshot's, one
  indexless single-row read per call;
- ``CONFIG_TTL`` seconds passed (a backstop for writes that bypass signals, such as a queryset
  ``update()`` or raw SQL).

Snapshot objects are shared between callers: treat them as read-only.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.db import connection, transaction

from routing.models import (
    ActionRule,
    IssueType,
    RoutingRule,
    SlaPolicy,
    Team,
    Thresholds,
    Tier,
    VipLevel,
    VipRule,
)

# The rows a snapshot is read from; saving or deleting one of them drops the snapshot (apps.py).
CONFIG_MODELS = (ActionRule, IssueType, RoutingRule, SlaPolicy, Team, Thresholds, Tier, VipLevel, VipRule)
CONFIG_TTL = 60.0
VERSION_SEQUENCE = "routing_config_version"


@dataclass(frozen=True)
class Config:
    version: int
    loaded_at: float
    thresholds: Thresholds
    tiers: tuple[Tier, ...]
    rules: tuple[RoutingRule, ...]
    action_rules: tuple[ActionRule, ...]
    policies: tuple[SlaPolicy, ...]
    vip_rules: tuple[VipRule, ...]
    vip_levels: dict[str, VipLevel] = field(default_factory=dict)
    complaint_types: frozenset[str] = frozenset()
    team_calendars: dict[int, int | None] = field(default_factory=dict)


_lock = threading.Lock()
_snapshot: Config | None = None
_pinned: ContextVar[Config | None] = ContextVar("routing_config_pinned", default=None)


def _version() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT last_value FROM {VERSION_SEQUENCE}")
        return cursor.fetchone()[0]


def _load(version: int) -> Config:
    levels = {level.slug: level for level in VipLevel.objects.select_related("minimum_tier")}
    vip_rules = list(VipRule.objects.filter(is_active=True).select_related("level"))
    for rule in vip_rules:
        # Share the level instances so ``level_for`` returns the ones with ``minimum_tier`` loaded.
        rule.level = levels.get(rule.level.slug, rule.level)
    return Config(
        version=version,
        loaded_at=time.monotonic(),
        thresholds=Thresholds.current(),
        tiers=tuple(Tier.objects.select_related("team").order_by("rank")),
        rules=tuple(
            RoutingRule.objects.filter(is_active=True)
            .select_related("tier__team", "team", "agent")
            .order_by("position", "id")
        ),
        action_rules=tuple(ActionRule.objects.filter(is_active=True)),
        policies=tuple(SlaPolicy.objects.filter(is_active=True)),
        vip_rules=tuple(vip_rules),
        vip_levels=levels,
        complaint_types=frozenset(IssueType.objects.filter(is_complaint=True).values_list("slug", flat=True)),
        team_calendars=dict(Team.objects.values_list("pk", "calendar_id")),
    )


def current() -> Config:
    """The configuration as of now (reloaded when stale; see the module docstring).

    Inside ``pinned()`` it is the snapshot pinned there, without asking the database.
    """
    global _snapshot
    held = _pinned.get()
    if held is not None:
        return held
    version = _version()
    snapshot = _snapshot
    if (
        snapshot is not None
        and snapshot.version == version
        and time.monotonic() - snapshot.loaded_at < CONFIG_TTL
    ):
        return snapshot
    from routing.sla_clocks import forget_calendars

    forget_calendars()
    fresh = _load(version)
    with _lock:
        _snapshot = fresh
    return fresh


@contextmanager
def pinned() -> Iterator[Config]:
    """Use one snapshot for a whole unit of work (one routing decision, one job run).

    One version check instead of one per lookup, and every step sees the same configuration.
    """
    if _pinned.get() is not None:
        yield _pinned.get()
        return
    token = _pinned.set(current())
    try:
        yield _pinned.get()
    finally:
        _pinned.reset(token)


def forget(**_ignored) -> None:
    """Drop this process's snapshot now and tell the other processes once the write commits."""
    global _snapshot
    from routing.sla_clocks import forget_calendars

    with _lock:
        _snapshot = None
    forget_calendars()
    transaction.on_commit(_bump_version)


def drop_snapshot() -> None:
    """Forget this process's snapshot and calendars (tests, after writes that bypass signals)."""
    global _snapshot
    from routing.sla_clocks import forget_calendars

    with _lock:
        _snapshot = None
    forget_calendars()


def _bump_version() -> None:
    global _snapshot
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [VERSION_SEQUENCE])
    with _lock:
        _snapshot = None
