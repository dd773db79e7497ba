"""Facts pulled out of a customer's words: amounts with currency, order numbers, product, language."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

_NUMBER = r"\d{1,3}(?:[.,\u00a0 ]\d{3})+(?:[.,]\d{1,2})?|\d+(?:[.,]\d{1,2})?"
_SYMBOLS = {"€": "EUR", "$": "USD", "£": "GBP", "¥": "JPY", "us$": "USD", "c$": "CAD", "a$": "AUD"}
_WORDS = {
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "usd": "USD",
    "dollar": "USD",
    "dollars": "USD",
    "bucks": "USD",
    "gbp": "GBP",
    "pound": "GBP",
    "pounds": "GBP",
    "quid": "GBP",
    "chf": "CHF",
    "cad": "CAD",
    "aud": "AUD",
    "sek": "SEK",
    "nok": "NOK",
    "dkk": "DKK",
    "pln": "PLN",
}
_SYMBOL = r"(?:us\$|c\$|a\$|[€$£¥])"
_WORD = r"(?:" + "|".join(sorted(_WORDS, key=len, reverse=True)) + r")"
_AMOUNT = re.compile(
    rf"(?P<s1>{_SYMBOL})\s?(?P<n1>{_NUMBER})"
    rf"|(?P<n2>{_NUMBER})\s?(?P<s2>{_SYMBOL})"
    rf"|\b(?P<w1>{_WORD})\s?(?P<n3>{_NUMBER})\b"
    rf"|\b(?P<n4>{_NUMBER})\s?(?P<w2>{_WORD})\b",
    re.I,
)
_ORDER_NUMBER = re.compile(
    r"(?:\border|\bpurchase|\bbestellung|\bcommande|\bpedido|\bbestelling|\binvoice|\brechnung)"
    r"\s*(?:number|no\.?|nr\.?|num\.?|id|ref(?:erence)?|#)?\s*[:#]?\s*#?\s*(?P<a>[a-z]{0,4}-?\d[\w-]{2,24})"
    r"|#\s?(?P<b>\d{4,20})\b",
    re.I,
)
_MAX_AMOUNT = Decimal("10000000")

PRODUCT_NOUNS = (
    "kettle|blender|toaster|mixer|coffee machine|coffee maker|espresso machine|vacuum|hoover|iron|heater|"
    "fan|lamp|light|bulb|charger|cable|adapter|power bank|battery|phone case|case|headphones|earbuds|"
    "earphones|speaker|watch|smartwatch|tablet|laptop|keyboard|mouse|monitor|camera|printer|router|"
    "shoes|sneakers|trainers|boots|sandals|jacket|coat|dress|shirt|t-shirt|jeans|trousers|pants|"
    "sweater|hoodie|bag|backpack|wallet|belt|ring|necklace|bracelet|earrings|sunglasses|glasses|"
    "sofa|chair|table|desk|bed|mattress|pillow|duvet|blanket|shelf|mirror|rug|curtains|"
    "pan|pot|knife|knives|plates|mugs|glass|bottle|candle|toy|stroller|pram|car seat|crib|"
    "cream|serum|shampoo|perfume|lipstick|supplement|vitamins|food|snacks|tea|coffee|"
    "bike|bicycle|helmet|scooter|tent|drill|saw|tool|grill|bbq|air fryer|microwave|fridge|"
    "dishwasher|washing machine|dryer|hair dryer|straightener|curling iron|razor|shaver|toothbrush"
)
_PRODUCT = re.compile(
    rf"\b(?:my|the|this|these|that|your|a|an) (?:new |brand new )?(?P<p>(?:[a-z0-9]+[- ]){{0,2}}?(?:{PRODUCT_NOUNS}))\b",
    re.I,
)

_STOPWORDS = {
    "en": {"the", "and", "my", "is", "not", "you", "have", "order", "it", "i", "to", "of", "with", "was"},
    "de": {"der", "die", "das", "und", "ich", "nicht", "ist", "mein", "meine", "bestellung", "mit", "sie"},
    "fr": {"le", "la", "les", "et", "je", "pas", "est", "mon", "ma", "commande", "avec", "vous", "une"},
    "es": {"el", "la", "los", "y", "yo", "no", "es", "mi", "pedido", "con", "usted", "una", "que"},
    "nl": {"de", "het", "een", "en", "ik", "niet", "is", "mijn", "bestelling", "met", "u", "van"},
    "it": {"il", "lo", "la", "e", "io", "non", "è", "mio", "mia", "ordine", "con", "una", "che"},
}
_WORD_RE = re.compile(r"[a-zàâäçéèêëîïôöùûüñß]+")


def _parse_number(raw: str) -> Decimal | None:
    raw = raw.replace("\u00a0", " ").replace(" ", "")
    if "," in raw and "." in raw:
        decimal_sep = "," if raw.rfind(",") > raw.rfind(".") else "."
        thousands = "." if decimal_sep == "," else ","
        raw = raw.replace(thousands, "").replace(decimal_sep, ".")
    elif "," in raw or "." in raw:
        sep = "," if "," in raw else "."
        head, _, tail = raw.rpartition(sep)
        raw = raw.replace(sep, "") if len(tail) == 3 and raw.count(sep) >= 1 else raw.replace(",", ".")
        if raw.count(".") > 1:
            return None
        del head
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None
    return value if Decimal("0") < value < _MAX_AMOUNT else None


def extract_amounts(text: str) -> list[tuple[Decimal, str]]:
    """Every money amount in ``text`` with its currency code, in order of appearance."""
    found = []
    for match in _AMOUNT.finditer(text):
        number = match["n1"] or match["n2"] or match["n3"] or match["n4"]
        marker = (match["s1"] or match["s2"] or match["w1"] or match["w2"] or "").lower()
        value = _parse_number(number)
        if value is not None:
            found.append((value, _SYMBOLS.get(marker) or _WORDS.get(marker, "")))
    return found


def amount_at_stake(text: str) -> tuple[Decimal | None, str]:
    """The largest amount mentioned (what the customer has at stake) and its currency."""
    amounts = extract_amounts(text)
    if not amounts:
        return None, ""
    value, currency = max(amounts, key=lambda pair: pair[0])
    return value, currency


def extract_order_numbers(text: str) -> list[str]:
    numbers: list[str] = []
    for match in _ORDER_NUMBER.finditer(text):
        number = (match["a"] or match["b"] or "").strip("-").upper()
        if number and any(c.isdigit() for c in number) and number not in numbers:
            numbers.append(number)
    return numbers[:5]


_BARE_NUMBER = re.compile(r"(?<![\w.,])#?(\d{4,20})(?![\w.,]\d)")


def extract_numbers(text: str) -> list[str]:
    """Bare numbers that could be an order number ("my parcel 48213"); only ever matched against
    the customer's own orders."""
    return list(dict.fromkeys(_BARE_NUMBER.findall(text)))[:10]


def extract_product(text: str) -> str:
    match = _PRODUCT.search(text)
    return match["p"].lower()[:120] if match else ""


def detect_language(lowered: str) -> str:
    """A cheap stop-word vote; English unless another language clearly dominates."""
    words = _WORD_RE.findall(lowered[:1500])
    if not words:
        return "en"
    counts = {lang: sum(1 for w in words if w in stop) for lang, stop in _STOPWORDS.items()}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] > counts["en"] + 1 else "en"
