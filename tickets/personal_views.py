"""Personal inbox views: an agent saves the current view and filters under a name, orders their
views, and may share one with their team. Named actions; each checks its actor.

A view's ``filters`` hold the base view slug and the inbox filters as plain values, validated by
the inbox's own filter form when saved, so showing a view (its link and its count) reads no
other table.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F, Max

from helpdesk.errors import InvalidInput, NotAllowed
from tickets.models import SavedView
from tickets.permissions import check_support_staff
from tickets.queries import SAVED_VIEW_LABELS, InboxFilters, default_view

# The query parameters a personal view may hold: the base view and every inbox filter.
FILTER_KEYS = (
    "view",
    "q",
    "status",
    "stage",
    "issue_type",
    "priority",
    "channel",
    "tier",
    "team",
    "tag",
    "sort",
)
MAX_VIEWS = 30
NAME_MAX = 60


def clean_filters(raw: dict, *, user: AbstractBaseUser) -> dict:
    """Validate ``raw`` (query parameters) against the known filters; the stored dict.

    Unknown keys and invalid values raise ``InvalidInput`` naming the filter; empty values are
    dropped; the base view defaults to the user's default view.
    """
    from tickets.forms import InboxFilterForm

    unknown = sorted(set(raw) - set(FILTER_KEYS))
    if unknown:
        raise InvalidInput(
            f"Unknown filter {unknown[0]!r}; known filters: {', '.join(FILTER_KEYS)}.", field=unknown[0]
        )
    values = {key: raw[key] for key in FILTER_KEYS if raw.get(key) not in (None, "")}
    if not all(isinstance(value, str | int) for value in values.values()):
        raise InvalidInput("Filter values must be text or numbers.", field="filters")
    form = InboxFilterForm({key: str(value) for key, value in values.items()})
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        raise InvalidInput(f"Filter {field!r}: {errors[0]}", field=field)
    data = form.cleaned_data
    cleaned = {"view": data.get("view") or default_view(user)}
    for key in ("q", "status", "stage", "issue_type", "channel", "tag", "sort"):
        if data.get(key):
            cleaned[key] = str(data[key]).strip()
    if data.get("priority") is not None:
        cleaned["priority"] = int(data["priority"])
    for key in ("tier", "team"):
        if data.get(key) is not None:
            cleaned[key] = data[key].pk
    return cleaned


def view_filters(view: SavedView) -> tuple[str, InboxFilters]:
    """(base view slug, ``InboxFilters``) of a stored view; no query."""
    stored = view.filters or {}
    base = str(stored["view"]) if stored.get("view") in SAVED_VIEW_LABELS else "all"
    filters = InboxFilters(
        status=stored.get("status", ""),
        stage=stored.get("stage", ""),
        issue_type=stored.get("issue_type", ""),
        priority=stored.get("priority"),
        channel=stored.get("channel", ""),
        tier=stored.get("tier"),
        team=stored.get("team"),
        tag=stored.get("tag", ""),
        q=stored.get("q", ""),
        sort=stored.get("sort", "sla"),
    )
    return base, filters


def view_query(view: SavedView) -> str:
    """The inbox query string that shows ``view`` (its filters plus ``pv`` to mark it current)."""
    stored = {key: view.filters[key] for key in FILTER_KEYS if key in (view.filters or {})}
    return urlencode({**stored, "pv": view.pk})


def _own(owner: AbstractBaseUser, view_id: int | str, *, lock: bool = True) -> SavedView:
    try:
        pk = int(view_id)
    except (TypeError, ValueError):
        raise InvalidInput("No such view.", field="view") from None
    queryset = SavedView.objects.select_for_update() if lock else SavedView.objects
    view = queryset.filter(pk=pk).first()
    if view is None:
        raise InvalidInput("No such view.", field="view")
    if view.owner_id != owner.pk:
        raise NotAllowed("Only the owner of a view may change it.")
    return view


@transaction.atomic
def save_view(owner: AbstractBaseUser, *, name: str, filters: dict) -> SavedView:
    """Save ``filters`` as the owner's view ``name`` (last in their order); a view of the same
    name is replaced, keeping its place and sharing."""
    check_support_staff(owner, "save inbox views")
    name = (name or "").strip()
    if not name:
        raise InvalidInput("Give the view a name.", field="name")
    if len(name) > NAME_MAX:
        raise InvalidInput(f"A view name has at most {NAME_MAX} characters.", field="name")
    cleaned = clean_filters(filters, user=owner)
    existing = SavedView.objects.select_for_update().filter(owner_id=owner.pk, name=name).first()
    if existing is not None:
        existing.filters = cleaned
        existing.save(update_fields=["filters"])
        return existing
    mine = SavedView.objects.filter(owner_id=owner.pk)
    if mine.count() >= MAX_VIEWS:
        raise InvalidInput(f"You have {MAX_VIEWS} views already; delete one first.", field="name")
    last = mine.aggregate(last=Max("position"))["last"]
    try:
        with transaction.atomic():
            return SavedView.objects.create(
                owner_id=owner.pk, name=name, filters=cleaned, position=0 if last is None else last + 1
            )
    except IntegrityError:
        raise InvalidInput(f"You already have a view named {name!r}.", field="name") from None


@transaction.atomic
def move_view(owner: AbstractBaseUser, view_id: int | str, *, direction: str) -> SavedView:
    """Swap the view with its neighbour above (``up``) or below (``down``) in the owner's order."""
    check_support_staff(owner, "reorder inbox views")
    if direction not in ("up", "down"):
        raise InvalidInput("Move a view up or down.", field="direction")
    # Lock the owner's views in order so two moves cannot interleave.
    views = list(SavedView.objects.select_for_update().filter(owner_id=owner.pk).order_by("position", "pk"))
    index = next((i for i, view in enumerate(views) if str(view.pk) == str(view_id)), None)
    if index is None:
        _own(owner, view_id, lock=False)  # the precise error: missing, or someone else's
        raise InvalidInput("No such view.", field="view")
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(views):
        views[index], views[other] = views[other], views[index]
    changed = [view for position, view in enumerate(views) if view.position != position]
    for position, view in enumerate(views):
        view.position = position
    SavedView.objects.bulk_update(changed, ["position"])
    return views[other] if 0 <= other < len(views) else views[index]


@transaction.atomic
def share_view(owner: AbstractBaseUser, view_id: int | str, *, shared: bool) -> SavedView:
    """Share the view with the owner's team (it appears in teammates' sidebars), or stop sharing."""
    check_support_staff(owner, "share inbox views")
    view = _own(owner, view_id)
    team_id = getattr(getattr(owner, "agent_profile", None), "team_id", None)
    if shared and team_id is None:
        raise InvalidInput("You are in no team to share the view with.", field="shared_with_team")
    view.shared_with_team = shared
    view.team_id = team_id if shared else None
    view.save(update_fields=["shared_with_team", "team"])
    return view


@transaction.atomic
def delete_view(owner: AbstractBaseUser, view_id: int | str) -> None:
    check_support_staff(owner, "delete inbox views")
    view = _own(owner, view_id)
    SavedView.objects.filter(owner_id=owner.pk, position__gt=view.position).update(position=F("position") - 1)
    view.delete()
