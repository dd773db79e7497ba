"""Input hygiene shared by every way in: JSON that cannot blow the stack, text PostgreSQL can store,
dates in a sane range, file names that stay where they are put.

Everything here raises ``InvalidInput`` naming the field, so the API answers 400 and a channel
refuses (or repairs) a message before anything is stored.
"""

from __future__ import annotations

import json
import posixpath
import re
import unicodedata
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django_filters import IsoDateTimeFilter
from django_filters.fields import IsoDateTimeField
from rest_framework import serializers

from helpdesk.errors import InvalidInput

# Deeper JSON than this is refused; real metadata is a handful of levels.
MAX_JSON_DEPTH = 20
# Earlier than this is a broken clock or an attack, not a customer message.
EARLIEST_DATETIME = datetime(2000, 1, 1, tzinfo=UTC)
# Real time zones span -12:00..+14:00; PostgreSQL refuses offsets beyond about 16 hours.
MAX_UTC_OFFSET = timedelta(hours=14)
MAX_FILENAME_CHARS = 100
UNSAFE_FILENAME_CHARS = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")


def loads(body: bytes | str, *, field: str = "body") -> Any:
    """``json.loads`` that refuses, with ``InvalidInput``, bad JSON and JSON nested too deep."""
    try:
        value = json.loads(body)
    except RecursionError:
        raise InvalidInput(f"The JSON is nested deeper than {MAX_JSON_DEPTH} levels.", field=field) from None
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"The body is not valid JSON: {exc}", field=field) from None
    check_storable(value, field=field)
    return value


def check_storable(value: Any, *, field: str, max_depth: int = MAX_JSON_DEPTH) -> None:
    """Refuse NUL characters (PostgreSQL text and jsonb cannot hold them) and deep nesting.

    Iterative, so a hostile structure cannot exhaust the stack while it is being checked.
    """
    stack: list[tuple[Any, str, int]] = [(value, field, 0)]
    while stack:
        item, path, depth = stack.pop()
        if depth > max_depth:
            raise InvalidInput(f"{field} is nested deeper than {max_depth} levels.", field=field)
        if isinstance(item, str):
            if "\x00" in item:
                raise InvalidInput(f"{path} contains a NUL character.", field=field)
        elif isinstance(item, Mapping):
            for key, child in item.items():
                if isinstance(key, str) and "\x00" in key:
                    raise InvalidInput(f"A key in {path} contains a NUL character.", field=field)
                stack.append((child, f"{path}.{key}", depth + 1))
        elif isinstance(item, list | tuple):
            stack.extend((child, f"{path}[{i}]", depth + 1) for i, child in enumerate(item))


def check_datetime(value: datetime | None, *, field: str, not_before: datetime = EARLIEST_DATETIME) -> None:
    if value is None:
        return
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        raise InvalidInput(f"{field} has a time-zone offset beyond ±14:00.", field=field)
    if timezone.is_aware(value) and value < not_before:
        raise InvalidInput(f"{field} is before {not_before:%Y-%m-%d}.", field=field)


def safe_filename(name: str, *, default: str = "attachment") -> str:
    """The last path component, without control or path characters, at most 100 characters."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/")
    name = posixpath.basename(name)
    name = UNSAFE_FILENAME_CHARS.sub("_", name).strip(" .")
    if not name:
        return default
    if len(name) > MAX_FILENAME_CHARS:
        stem, dot, ext = name.rpartition(".")
        ext = ext[:16] if dot and stem else ""
        name = name[: MAX_FILENAME_CHARS - len(ext) - 1].rstrip(" .") + ("." + ext if ext else "")
    return name


class SaneDateTimeField(serializers.DateTimeField):
    """A date-time in a storable range: since 2000, with a real-world UTC offset."""

    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        try:
            check_datetime(parsed, field=self.field_name or "value")
        except InvalidInput as exc:
            raise serializers.ValidationError(exc.message) from None
        return parsed


class _SaneIsoDateTimeFormField(IsoDateTimeField):
    def to_python(self, value):
        parsed = super().to_python(value)
        offset = parsed.utcoffset() if parsed is not None else None
        if offset is not None and abs(offset) > MAX_UTC_OFFSET:
            raise forms.ValidationError("The time-zone offset is beyond ±14:00.", code="invalid")
        return parsed


class SaneIsoDateTimeFilter(IsoDateTimeFilter):
    """django-filter's ISO date-time filter, refusing offsets PostgreSQL cannot take (400, not 500)."""

    field_class = _SaneIsoDateTimeFormField
