"""Inbox end-to-end tests: Chromium, launch arguments and viewport come from the root conftest.

Screenshots go to ``artifacts/screenshots/`` (git-ignored) for people to look at.
"""

from __future__ import annotations

from pathlib import Path

import pytest

SCREENSHOTS = Path(__file__).resolve().parents[3] / "artifacts" / "screenshots"


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
