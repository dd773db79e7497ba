"""Text preparation shared by every backend: HTML, reply quotes, quoted speech and negation.

Customers write replies above quoted history, paste our own emails back, quote what an agent
or a website said, and negate ("I'm not going to sue"). Cues found in quoted material or under
a negation must not raise a signal.
"""

from __future__ import annotations

import html
import re

# Long bodies are cut before analysis: the opening carries the request, and triage must stay
# fast on a 1 MB paste. The cut is generous enough for any real email.
MAX_ANALYSED_CHARS = 4000

_TAGS = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]{0,2000}>", re.I | re.S)
_BLOCK_TAGS = re.compile(r"(?i)<br\s*/?>|</p>|</div>|</li>|</tr>|</h\d>")
# "On <date>, <someone> wrote:" introduces ">"-quoted lines; the customer may write below them.
_QUOTE_HEADER = re.compile(
    r"(?im)^\s*(?:on\b.{0,200}\bwrote|am\b.{0,200}\bschrieb.{0,100}|le\b.{0,200}\ba écrit|el\b.{0,200}\bescribió)\s*:\s*$"
)
# Separators after which everything is the old thread (Outlook and forwards quote without ">").
_REPLY_HEADER = re.compile(
    r"(?im)^(?:"
    r"-{2,}\s*(?:original message|forwarded message|ursprüngliche nachricht|message d'origine)\s*-{2,}.*$"
    r"|from:\s.*\n(?:.*\n){0,3}?\s*(?:sent|date):\s.*$"  # Outlook
    r")"
)
_QUOTED_LINE = re.compile(r"(?m)^[ \t]*>.*(?:\n|$)")
_SPACES = re.compile(r"[ \t\r\f\v]+")
_QUOTE_SPAN = re.compile(r"\"[^\"\n]{1,300}\"|“[^”\n]{1,300}”|„[^“”\n]{1,300}[“”]|«[^»\n]{1,300}»")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})

NEGATORS = re.compile(
    r"\b(?:not|no|never|without|nor|neither|cannot|can't|won't|don't|didn't|doesn't|isn't|wasn't|"
    r"wouldn't|shouldn't|aren't|haven't|hasn't|no intention|nothing|nobody|nicht|kein|keine|pas|jamais|"
    r"nunca|niet|geen)\b|n't\b"
)
# Hedges that keep a threat a threat: "I don't want to have to call my lawyer".
_VEILED = re.compile(
    r"(?:don't|do not|would hate to|wouldn't like to|rather not) (?:want to )?(?:have to|be forced to|need to)"
    r"|hope (?:i|we) (?:don't|won't|do not|will not) (?:have|need) to"
    r"|(?:unless|before|otherwise|or else|or) (?:i|we)"
)
_CLAUSE_BREAK = re.compile(r"[.;:!?,\n]|\bbut\b|\bhowever\b|\bjust\b")
NEGATION_WINDOW = 40


def head_and_tail(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters: the opening and the close, where requests sit."""
    if len(text) <= limit:
        return text
    tail = limit // 4
    return f"{text[: limit - tail]}\n…\n{text[-tail:]}"


def strip_html(text: str) -> str:
    """Plain text from an HTML body (tags dropped, block ends kept as line breaks)."""
    if "<" not in text and "&" not in text:
        return text
    text = _BLOCK_TAGS.sub("\n", text)
    text = _TAGS.sub(" ", text)
    return html.unescape(text)


def strip_reply_history(text: str) -> str:
    """Drop quoted replies: everything after an Outlook/forward header, quote headers, ``>`` lines."""
    match = _REPLY_HEADER.search(text)
    if match:
        text = text[: match.start()]
    text = _QUOTE_HEADER.sub("", text)
    return _QUOTED_LINE.sub("", text)


def prepare(text: str) -> str:
    """Normalise a customer's message for analysis (original case kept for caps and amounts)."""
    text = strip_html(text or "")
    text = strip_reply_history(text.translate(_APOSTROPHES))
    text = head_and_tail(text, MAX_ANALYSED_CHARS)
    return _SPACES.sub(" ", text).strip()


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Character ranges inside quotation marks: cues there are someone else's words."""
    return [m.span() for m in _QUOTE_SPAN.finditer(text)]


def in_spans(position: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < position < end for start, end in spans)


def is_negated(lowered: str, position: int) -> bool:
    """Whether the cue at ``position`` sits under a negation in its own clause.

    Looks back a few words to the last clause break: "I'm not going to sue" is negated;
    "I'm not happy, I will sue" is not; "I don't want to have to call my lawyer" is a veiled
    threat and is not negated either.
    """
    window = lowered[max(0, position - NEGATION_WINDOW) : position]
    breaks = list(_CLAUSE_BREAK.finditer(window))
    if breaks:
        window = window[breaks[-1].end() :]
    if not NEGATORS.search(window):
        return False
    return not _VEILED.search(window)
