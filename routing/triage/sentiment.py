"""Sentiment: VADER, adjusted for support language.

VADER reads "I want a refund NOW" as positive and "my parcel is lost" as barely negative; in
support mail, shouting, deadlines, repeats and threats are what frustration looks like. The
adjustments below add those, and strip sign-offs ("thanks in advance") that inflate the score.
"""

from __future__ import annotations

import re
from functools import cache

_SIGN_OFFS = re.compile(
    r"(?i)\b(?:thanks? (?:you )?in advance|many thanks|thanks a lot|kind regards|best regards|warm regards|"
    r"regards|best wishes|cheers|sincerely|please help|please advise|looking forward to)\b"
)
_CAPS_WORD = re.compile(r"\b[A-Z]{3,}\b")
_ACRONYMS = frozenset(
    [
        "DHL",
        "UPS",
        "USPS",
        "DPD",
        "GLS",
        "EUR",
        "USD",
        "GBP",
        "CHF",
        "CAD",
        "AUD",
        "SKU",
        "ETA",
        "FAQ",
        "PDF",
        "VAT",
        "GDPR",
        "ASAP",
        "USB",
        "LED",
        "TV",
        "PIN",
        "ID",
        "RMA",
        "BBB",
        "FTC",
        "CMA",
        "API",
        "URL",
        "HTTP",
        "HTML",
        "AM",
        "PM",
        "UK",
        "USA",
        "EU",
        "XL",
        "XXL",
        "XS",
    ]
)
_FRUSTRATION = [
    (re.compile(r"\bNOW\b"), -0.2),
    (re.compile(r"[!?]{2,}"), -0.12),
    (
        re.compile(
            r"(?i)\b(?:still waiting|still nothing|still no|no response|no reply|no answer|nobody answers|ignored)\b"
        ),
        -0.2,
    ),
    (
        re.compile(
            r"(?i)\b(?:unacceptable|ridiculous|joke|disgrace\w*|pathetic|scam|waste of (?:time|money)|fed up|sick of|enough is enough|last chance|final warning|never again)\b"
        ),
        -0.25,
    ),
    (
        re.compile(r"(?i)\b(?:second|third|fourth|2nd|3rd) time\b|\byet again\b|\bonce again\b|\bagain\b"),
        -0.15,
    ),
    (
        re.compile(
            r"(?i)\b(?:lost|missing|broken|damaged|faulty|defective|stopped working|doesn't work|does not work|wrong|never arrived|charged twice|double charged)\b"
        ),
        -0.12,
    ),
    (re.compile(r"(?i)\b(?:damn|bloody|fucking|fuck|shit|crap|wtf)\b"), -0.1),
]
_THREATS = re.compile(
    r"(?i)\b(?:lawyer|attorney|sue|court|chargeback|trading standards|ombudsman|consumer protection|"
    r"trustpilot|twitter|facebook|instagram|tiktok|social media|bad review|1[- ]star|one[- ]star|"
    r"everyone know|the press)\b"
)
_CONTENT = re.compile(
    r"(?i)\b(?:thank(?:s| you)\b.{0,40}\b(?:quick|fast|great|help|amazing|sorted|resolved|perfect)|love (?:it|them|the)|works (?:great|perfectly|fine now)|very happy|so happy|delighted|excellent|brilliant|awesome)\b"
)
FRUSTRATED_AT = -0.3
SATISFIED_AT = 0.35
_MAX_CHARS = 800


@cache
def _analyzer():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def score_sentiment(text: str, *, problem: bool = False) -> tuple[float, str, float]:
    """Return (score in [-1, 1], label, confidence) for a customer's message.

    ``problem`` says the message reports a problem (a type cue fired): positive words in it
    ("I want", "please") are politeness, not satisfaction, so the score is capped.
    """
    text = text[:_MAX_CHARS]
    if not text.strip():
        return 0.0, "neutral", 0.3
    cleaned = _SIGN_OFFS.sub(" ", text)
    score = _analyzer().polarity_scores(cleaned)["compound"]
    caps = [w for w in _CAPS_WORD.findall(text) if w not in _ACRONYMS]
    letters = sum(c.isalpha() for c in text)
    if caps and letters and sum(len(w) for w in caps) / letters < 0.9:
        score -= min(0.3, 0.08 * len(caps))
    elif caps:  # a whole message in capitals is shouting
        score -= 0.3
    for pattern, weight in _FRUSTRATION:
        if pattern.search(text):
            score += weight
    if _THREATS.search(text):
        score -= 0.3
    contentment = _CONTENT.search(text)
    if problem and not contentment:
        score = min(score, 0.15)
    if contentment:
        score += 0.2
    score = max(-1.0, min(1.0, round(score, 3)))
    if score <= FRUSTRATED_AT:
        label = "frustrated"
        confidence = min(1.0, 0.55 + (FRUSTRATED_AT - score))
    elif score >= SATISFIED_AT:
        label = "satisfied"
        confidence = min(1.0, 0.55 + (score - SATISFIED_AT))
    else:
        label = "neutral"
        confidence = 0.5 + min(score - FRUSTRATED_AT, SATISFIED_AT - score)
    return score, label, round(min(confidence, 0.99), 3)
