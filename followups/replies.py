"""Does a customer's answer to a follow-up say the problem is not solved? (English and German cues.)"""

from __future__ import annotations

import re

UNSOLVED = re.compile(
    r"(\bnot\s+(yet\s+)?(been\s+)?(solved|resolved|fixed|sorted|received|arrived|working)\b"
    r"|\bstill\s+(not|no|broken|waiting|missing|haven'?t|hasn'?t|doesn'?t|isn'?t|didn'?t)\b"
    r"|\b(didn'?t|doesn'?t|did not|does not)\s+(work|help|arrive|fix)\b"
    r"|\b(haven'?t|hasn'?t|have not|has not)\s+(received|arrived|got|gotten|been)\b"
    r"|\bnothing\s+(has\s+)?(changed|happened)\b"
    r"|^\s*no\b[\s.,!]"
    r"|^\s*no\s*$"
    r"|\bnicht\s+(gelöst|behoben|angekommen|erhalten)\b|\bimmer\s+noch\s+nicht\b)",
    re.IGNORECASE | re.MULTILINE,
)


def says_unsolved(text: str) -> bool:
    """True when the reply's own words (quoted history already stripped) say it is not solved."""
    return bool(UNSOLVED.search(text[:2000]))
