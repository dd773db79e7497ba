"""Settings for the test suite: the real settings with a development switchboard.

``DEBUG`` is off by default in helpdesk.settings; tests render templates through the finder-based
static storage (no collectstatic run) and need a key, so they turn it on as ``make run`` does.
The test runner itself still serves every request with DEBUG False.
"""

import os

os.environ.setdefault("DEBUG", "1")
# Outbound webhook tests post to loopback receivers; the policy tests turn this off again.
os.environ.setdefault("OUTBOUND_ALLOW_PRIVATE_NETWORKS", "1")

from helpdesk.settings import *  # noqa: F403
