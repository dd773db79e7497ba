"""A triage backend that stops mid-batch, for the test that kills a pipeline worker there.

It drafts normally for the first ``STALL_AFTER`` tickets of a process, then writes the file named
by ``STALL_MARKER`` (the test's signal that a batch is half written) and sleeps until killed.
Chosen in the worker subprocess by ``TRIAGE_BACKEND``; never used in production.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from routing.triage.backends.base import Draft, DraftContext
from routing.triage.backends.heuristic import HeuristicBackend

STALL_AFTER = 3


class StallingBackend(HeuristicBackend):
    name = "stalling"
    drafted = 0

    def draft_reply(self, context: DraftContext) -> Draft:
        StallingBackend.drafted += 1
        if StallingBackend.drafted > STALL_AFTER:
            Path(os.environ["STALL_MARKER"]).write_text("stalled")
            time.sleep(600)
        return super().draft_reply(context)
