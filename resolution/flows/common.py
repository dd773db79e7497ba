"""Greeting and sign-off shared by the flows (the AI signs as the assistant, never as a person)."""

from __future__ import annotations

from resolution.context import Context


def greeting(context: Context) -> str:
    return f"Hi {context.first_name}," if context.first_name else "Hello,"


def closing() -> str:
    return "If anything is still unclear, just reply and a member of our team will pick it up.\n\nYour AI assistant"
