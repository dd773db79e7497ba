"""Phrase and pattern cues of the built-in backend: per issue type and per signal.

Each cue is a regular expression over lower-cased text with a weight. Type cues add up per
type and the best total wins; signal cues raise a signal unless negated or quoted. Cues are
written for customer language in general (typos, short forms, a few words of German, French,
Spanish and Dutch), not for one data set. Type cues ignore negation ("I didn't get my invoice" is still
billing); a signal cue whose pattern starts with ``~`` ignores negation because the negation
is part of it ("not safe").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

ORDER = r"(?:order|purchase|parcel|package|packet|shipment|delivery|item|items|product|stuff|goods|box)"
MY = r"(?:my|the|our|this|that|an?)"


@dataclass(frozen=True)
class Cue:
    pattern: re.Pattern[str]
    weight: float
    label: str
    honours_negation: bool
    # The first letters (up to 3) every match starts a word with; None when not known. A cue
    # whose prefixes are absent from the text's words cannot match and is skipped cheaply.
    prefixes: frozenset[str] | None = None


PREFIX = 3


def _literal_prefixes(items) -> set[str] | None:
    """Literal starts (cut to ``PREFIX`` characters) of every match of a parsed sequence."""
    from re import _constants as c  # type: ignore[attr-defined]

    results = {""}
    for op, arg in items:
        if all(len(r) >= PREFIX for r in results):
            break
        if op is c.AT and results == {""}:
            continue
        if op is c.LITERAL:
            results = {r + chr(arg) for r in results}
        elif op is c.IN and all(kind is c.LITERAL for kind, _ in arg) and len(arg) <= 12:
            results = {r + chr(value) for r in results for _, value in arg}
        elif op in (c.BRANCH, c.SUBPATTERN):
            branches = arg[1] if op is c.BRANCH else [arg[3]]
            found: set[str] = set()
            for branch in branches:
                sub = _literal_prefixes(branch)
                if sub is None:
                    found = set()
                    break
                found |= sub
            if not found:
                break
            results = {r + f for r in results for f in found}
            break
        else:
            break
    if any(not r for r in results) or len(results) > 400:
        return None
    return {r[:PREFIX] for r in results}


def _prefixes_of(pattern: str) -> frozenset[str] | None:
    try:
        from re import _constants as c  # type: ignore[attr-defined]
        from re import _parser  # type: ignore[attr-defined]

        parsed = list(_parser.parse(pattern))
        if not parsed or parsed[0][0] is not c.AT:
            return None  # only cues that start at a word boundary can be checked against words
        found = _literal_prefixes(parsed)
    except Exception:
        return None
    if not found:
        return None
    # A prefix ends where the word ends ("no " -> "no", "can't" -> "can").
    words = {_WORD.match(p).group(0) if _WORD.match(p) else "" for p in found}
    if not words or "" in words:
        return None
    return frozenset(words)


def word_starts(lowered: str) -> set[str]:
    """Every 1- to 3-letter start of the words in ``lowered`` (what cue prefixes are checked against)."""
    starts = set()
    for word in set(_WORD.findall(lowered)):
        starts.update((word[:1], word[:2], word[:3]))
    return starts


_WORD = re.compile(r"\w+")


def _first_chars(items) -> set[str] | None:
    """The characters a parsed pattern can start with, or None when unknown (or it may be empty)."""
    from re import _constants as c  # type: ignore[attr-defined]

    for op, arg in items:
        if op is c.AT:
            continue
        if op is c.LITERAL:
            return {chr(arg)}
        if op is c.IN:
            chars: set[str] = set()
            for kind, value in arg:
                if kind is c.LITERAL:
                    chars.add(chr(value))
                elif kind is c.RANGE and value[1] - value[0] < 64:
                    chars.update(chr(x) for x in range(value[0], value[1] + 1))
                else:
                    return None
            return chars
        if op is c.SUBPATTERN:
            return _first_chars(arg[3])
        if op is c.BRANCH:
            found: set[str] = set()
            for branch in arg[1]:
                first = _first_chars(branch)
                if first is None:
                    return None
                found |= first
            return found
        if op in (c.MAX_REPEAT, c.MIN_REPEAT) and arg[0] > 0:
            return _first_chars(arg[2])
        return None
    return None


def _fast(pattern: str) -> str:
    """Prefix a look-ahead on the possible first characters: the regex engine then skips ahead
    to candidate positions instead of trying every one (about twice as fast on long text)."""
    try:
        from re import _parser  # type: ignore[attr-defined]

        chars = _first_chars(_parser.parse(pattern))
    except Exception:
        return pattern
    if not chars or len(chars) > 40:
        return pattern
    escaped = "".join(re.escape(ch) for ch in sorted(chars))
    return f"(?=[{escaped}]){pattern}"


def _compile(table: dict[str, list[tuple[str, float]]], *, negation: bool) -> dict[str, list[Cue]]:
    compiled: dict[str, list[Cue]] = {}
    for name, cues in table.items():
        compiled[name] = []
        for pattern, weight in cues:
            honours_negation = negation and not pattern.startswith("~")
            pattern = pattern.lstrip("~")
            compiled[name].append(
                Cue(re.compile(_fast(pattern)), weight, name, honours_negation, _prefixes_of(pattern))
            )
    return compiled


# fmt: off
TYPE_CUES = _compile(
    {
        "order_status": [
            (r"\b(?:what|which) (?:day|date|time)\b.{0,30}\b(?:deliver\w*|arriv\w*|ship\w*|dispatch\w*)|\b(?:confirm|check) (?:if |that |whether )?my order (?:went through|was placed|is confirmed|has been placed)\b|\border went through\b", 3.5),
            (r"\bwhen (?:\w+ ){0,3}(?:will|would|should) (?:it|they|my \w+|order \S+|the \w+) be (?:with me|here|delivered|dispatched|shipped|sent)\b|\b(?:no|haven't had a|not received a|without a|no sign of a) (?:dispatch|shipping|tracking) (?:email|e-mail|confirmation|notification|number)\b|\bwhich (?:courier|carrier|delivery company)\b|\bstatus\?", 3),
            (r"\b(?:has|have) (?:it|my order|the order|my parcel|my package|it already|they) (?:already )?(?:been )?(?:sent|shipped|dispatched|posted|left|packed)\b|\bbeen packed\b|\b(?:sent|shipped|dispatched|posted) out\b|\bchecking (?:in )?on (?:my )?(?:order|parcel|package)\b|\bestimated delivery\b", 3),
            (r"\bwhen (?:my|the|our|your|this) (?:\w+ ){0,2}(?:is|are) (?:going to|gonna|supposed to|expected to|due to) (?:arrive|be delivered|ship|come|get here)\b", 3),
            (r"\blocat\w* (?:my |the |an? )?(?:order|purchase|parcel|package|shipment)\b|\b(?:shipping|delivery) periods?\b|\bexpect (?:my|the) (?:\w+ )?(?:order|article|product|item|parcel|package)\b", 2.5),
            (r"\bwhere(?:'s| is| are)? (?:my|the|our|this|that|an?) (?:\w+ ){0,2}(?:order|purchase|parcel|package|packet|shipment|delivery|item|items|product|stuff|goods|box)", 3),
            (r"\bwhere (?:my |the )?(?:order|parcel|package) (?:#?\w+ )?is\b|\bwhere is it\b", 3),
            (r"\bwhen (?:my|the|our) (?:\w+ ){0,2}(?:order|package|parcel|item|delivery|stuff|sofa|furniture) (?:will|would|is going to|should|ships|arrives|comes)\b", 3),
            (r"\btrack(?:ing)?\b|\btrace\b|\bsendungsverfolgung\b|\bsuivi\b", 1.5),
            (r"\b(?:status|eta|estimated (?:delivery|arrival))\b", 1.5),
            (r"\bwhen (?:will|would|can|do|does|is|should) (?:i|we|it|my|the)\b.{0,40}\b(?:arrive|ship|deliver|get|receive|expect|come|be (?:delivered|shipped|here))", 3),
            (r"\bhow (?:long|soon)\b.{0,40}\b(?:arrive|ship|deliver|take|get|expect)", 2.5),
            (r"\bhas (?:it|my order|the order) (?:shipped|been shipped|been dispatched|left)", 2.5),
            (r"\b(?:shipped|dispatched) yet\b|\bupdate on (?:my|the) order\b|\border (?:update|progress)\b", 2.5),
            (r"\bwo ist (?:meine|mein)\b|\bwann kommt\b|\bwhere my order\b|\bo[uù] est (?:ma|mon)\b|\bd[oó]nde est[aá]\b", 3),
            (r"\bdelivery (?:date|period|time)\b|\barriv(?:e|al) (?:date|time)\b", 1.5),
        ],
        "delivery_problem": [
            (r"\bmissed you\b|\b(?:delivery|calling|missed delivery) card\b|\bcard through the door\b|\bsafe place\b|\b(?:at|in) the depot\b", 3),
            (r"\b(?:meant|supposed|due|expected|scheduled) to (?:arrive|be delivered|come|be here)\b|\bnothing (?:came|arrived|turned up|showed up)\b|\bsomeone else's (?:order|parcel|package|item)\b|\bdifferent name on the (?:label|parcel|box)\b|\bnot my (?:order|parcel|package)\b", 3),
            (r"\btracking (?:number|link|code|id)?\b.{0,30}\b(?:doesn't exist|does not exist|invalid|not valid|doesn't work|not working|not found|isn't recognised|no information|hasn't updated|not updating)\b", 3.5),
            (r"\b(?:nobody|no one|noone) (?:has |had )?(?:came|come|turned up|showed up|knocked|was (?:in|home))\b|\breturned to (?:you|the sender|sender|the warehouse)\b|\bfor (?:\d+|two|three|four|five|several) days now\b", 3),
            (r"\b(?:got|received|opened) (?:my order|it|the \w+|my \w+)\b.{0,40}\bwrong (?:colou?r|size|item|product|model|one)\b|\b(?:courier|driver|delivery (?:guy|man|person|driver)|postman)\b.{0,60}\b(?:threw|thrown|dropped|damaged|dented|broke|smashed|crushed|kicked)\b", 3.5),
            (r"\b(?:left|dropped|put|delivered) (?:it|my \w+|the \w+) (?:at|by|in|behind|on|outside)\b.{0,60}\b(?:nothing|not there|isn't there|gone|can't find|cannot find|no sign|missing)\b|\bnothing (?:was )?there\b", 3),
            (r"\b(?:arrived|came|delivered|showed up|received (?:it|the box|the parcel|the package|my order|the order|the item)|unboxed|opened (?:it|the box|the parcel|the package))\b(?! (?:fine|ok|okay|on time|safely|quickly|well|intact))(?: [\w']+){0,10}? (?:damaged|crushed|broken|smashed|cracked|shattered|wet|soaked|torn|dented|leaking|in pieces)\b", 3.5),
            (r"\b(?:never|still not|still hasn't|still haven't|hasn't|haven't|has not|have not|didn't|did not|not yet) (?:\w+ ){0,2}(?:arrived|received|come|got|gotten|turned up|showed up|been delivered)\b(?! (?:a |an |the |any |my )?(?:dispatch |shipping |confirmation |tracking |order )?(?:email|e-mail|confirmation|message|update|reply|response|number|code))", 3),
            (r"\bnot (?:been )?(?:received|delivered|arrived)\b|\bnon reçu\b|\bnicht (?:angekommen|geliefert|erhalten)\b|\bno (?:ha llegado|me ha llegado)\b", 3),
            (r"\b(?:lost|missing|stolen|stuck|delayed|late|overdue|misdelivered)\b.{0,25}\b(?:order|purchase|parcel|package|packet|shipment|delivery|item|items|product|stuff|goods|box)|\b(?:order|purchase|parcel|package|packet|shipment|delivery|item|items|product|stuff|goods|box)\b.{0,25}\b(?:lost|missing|stolen|stuck|delayed|late|overdue)\b", 3),
            (r"\b(?:going|sent|being|was|been) (?:returned |sent )?back to (?:you|the sender|sender)\b|\breturn(?:ed)? to sender\b|\bcouldn't be found\b|\bcould not be (?:found|delivered)\b|\b(?:failed|missed) delivery\b|\bdelivery attempt\b", 3),
            (r"\bstill no (?:parcel|package|order|delivery|sign of (?:my|the) (?:order|parcel|package))\b|\b(?:just )?want my (?:parcel|package|order)\b|\b(?:it's|it has|it's been|been) (?:\d+|two|three|four|several) (?:weeks|days)\b", 2),
            (r"\bbox was (?:crushed|damaged|torn|open|opened|soaked|wet|dented|ripped)\b|\bin customs\b|\bcustoms\b", 2.5),
            (r"\bmarked (?:as )?delivered\b|\bsays (?:it was |it's |it is )?delivered\b|\bshows (?:as )?delivered\b", 3.5),
            (r"\b(?:delivered|sent|went|left|dropped off|taken|given) (?:it )?(?:to|at|with) (?:the |a |an )?(?:wrong|another|different|incorrect|random)\b|\bneighbou?r\b", 2.5),
            (r"\b(?:arrived|came|delivered|showed up)\b.{0,30}\b(?:damaged|crushed|broken|smashed|wet|torn|opened|dented|leaking)\b", 3.5),
            (r"\b(?:damaged|crushed|smashed|torn|soaked) (?:in (?:transit|the post|shipping|delivery)|box|package|parcel)\b|\bbox was (?:crushed|damaged|torn|open)", 3.5),
            (r"\b(?:courier|carrier|driver|dhl|ups|fedex|usps|dpd|gls|hermes|royal mail|postnl|la poste|colissimo|correos)\b", 1),
            (r"\b(?:late|delay|delayed|weeks? late|days? late|taking (?:so|too) long|taking forever|no movement|hasn't moved|not moved|stuck in)\b", 1.5),
            (r"\bmissing (?:item|items|part|parts|piece|pieces)\b|\b(?:items?|parts?|pieces?) (?:is |are |were |was )?missing\b|\bonly (?:got|received) (?:one|1|part|half)\b", 3),
            (r"\bverloren\b|\bverspätet\b|\bperdu\b|\ben retard\b|\bperdido\b|\bretrasado\b|\bbeschädigt\b|\bendommag[ée]\b", 2.5),
            (r"\breceived (?:the )?wrong (?:item|product|size|colou?r|order)\b|\bsent (?:me )?the wrong\b|\bwrong (?:item|product) (?:was )?(?:sent|delivered)", 3),
        ],
        "return_request": [
            (r"\bhow (?:do|can|should) i (?:go about )?(?:send(?:ing)?|return(?:ing)?|post(?:ing)?)\b|\bsend(?:ing)? (?:it|them|this|these) back\b", 3),
            (r"\breturn(?:ing)?\b(?! (?:policy|window|period))|\bsend (?:it|them|this|these|the \w+) back\b|\bship (?:it|them) back\b", 2.5),
            (r"\breturn (?:label|form|authori[sz]ation|number)\b|\brma\b", 3.5),
            (r"\b(?:like|want|wish|need|let me|going|how do i|how can i|please) (?:to )?(?:return|exchange)\b|\breturn (?:it|them|this|these|the \w+)\b|\breturn please\b", 1.5),
            (r"\bexchange\b|\bswap (?:it|them|for)\b|\b(?:different|bigger|smaller|larger) size\b|\bdoesn't fit\b|\bdon't fit\b|\btoo (?:small|big|large|tight|loose)\b", 2.5),
            (r"\bchanged my mind\b|\bdon't (?:want|need|like) (?:it|them) (?:anymore|any more)\b|\bno longer (?:want|need)\b|\bnot what i expected\b", 2),
            (r"\bzurücksenden\b|\bretoure\b|\bumtausch\b|\bretour(?:ner)?\b|\bdevolver\b|\bdevoluci[oó]n\b|\bterugsturen\b", 3),
        ],
        "refund_request": [
            (r"\bwaiting (?:on|for) (?:the |my )?[£$€]\s?\d|\b(?:still|yet to) (?:waiting|receive|see) (?:on |for )?(?:the |my )?[£$€]\s?\d", 3.5),
            (r"\bwhen (?:do|will|can|should) i (?:get|receive|see) (?:my |the )?money\b", 3),
            (r"\breimbursements\b|\breinburs\w*|\bcompensations\b|\brestitu\w*|\brebates\b", 2.5),
            (r"\brefund(?:ed|s)?\b|\breimburse(?:ment|d)?\b|\bmoney back\b|\bcompensat(?:e|ion)\b|\brestitution\b|\brebate\b|\bcredit (?:back|note)\b", 2.5),
            (r"\b(?:where|status of|still waiting for|waiting for|haven't (?:received|got|seen)|didn't (?:receive|get)|no sign of|when will i get) (?:is |are )?(?:my |the )?(?:refund|money|reimbursement)\b", 3.5),
            (r"\b(?:already |have )?(?:returned|sent back|sent it back|shipped back|dropped off)\b.{0,80}\b(?:refund|money|reimburse)", 3.5),
            (r"\brückerstattung\b|\bgeld zurück\b|\bremboursement\b|\brembourser\b|\breembolso\b|\bterugbetaling\b|\bgeld terug\b", 3),
        ],
        "cancellation": [
            (r"\b(?:need|want|like|wish|have) to cancel\b|\bplease cancel\b|\bcancel (?:my|the|this) order,? please\b", 2.5),
            (r"\bstop (?:my |the |this )?(?:order|shipment|delivery|pre-?order)\b|\bcancel (?:my |the )?pre-?order\b", 3),
            (r"\bcancel(?:l?ed|l?ing|lation|s)?\b(?!.{0,12}\b(?:fee|fees|policy|charge|charges)\b)", 2.5),
            (r"\bcancel(?:l?ing)? (?:my|the|our|this|that|an?)? ?(?:\w+ )?(?:order|purchase|parcel|package|packet|shipment|delivery|item|items|product|stuff|goods|box)\b|\bcancel (?:it|everything|the whole thing)\b", 2),
            (r"\b(?:don't|do not|no longer) (?:want|need) (?:the|my|this) order\b|\bstop (?:the|my) order\b|\bordered (?:by mistake|twice|the wrong)\b|\bduplicate order\b", 2.5),
            (r"\bstornier\w*\b|\bannuler\b|\bannulation\b|\bcancelar\b|\bannuleren\b", 3),
            (r"\bunsubscribe\b.{0,30}\b(?:subscription box|plan|membership)\b|\bend (?:my|the) subscription\b", 1.5),
        ],
        "order_change": [
            (r"\bclick (?:and|&) collect\b|\bcollect (?:it )?(?:in|from) (?:store|the store|a store)\b|\bwrong (?:house number|flat number|postcode|zip|street|address) on (?:my|the) order\b|\border has the wrong\b", 3),
            (r"\b(?:update|change|correct|add)\b.{0,20}\b(?:phone number|contact number|name|gift wrap\w*|gift message|note)\b.{0,25}\b(?:on|to|in) (?:my|the) order\b", 3.5),
            (r"\b(?:swap|switch|change|replace|exchange)\b.{0,30}\bin (?:my|the) order\b|\bchange the delivery date\b|\b(?:deliver|send) (?:it )?(?:later|on a different day|next week instead)\b", 3),
            (r"\b(?:edit(?:ing)?|updat(?:e|ing)|modif(?:y|ying)|amend(?:ing)?|chang(?:e|ing)|correct(?:ing)?) (?:my |the |an? )?(?:order|purchase)\b", 3),
            (r"\b(?:delet\w*|remov\w*|add\w*|swap\w*|switch\w*|replac\w*|exchang\w*) (?:\w+ ){0,3}(?:items?|articles?|products?)\b.{0,20}\b(?:from|to|in|of|on) (?:my |the |an? )?(?:order|purchase)\b", 3),
            (r"\b(?:chang|updat|correct|fix|edit|modif|amend)\w* (?:\w+ ){0,2}(?:shipping |delivery |postal )?address\b(?<!email address)(?<!e-mail address)", 3),
            (r"\b(?:change|update|correct|fix|edit|modify|amend)\b.{0,30}\b(?<!email )(?<!e-mail )(?:address|postcode|zip|post code|apartment|flat number|house number)\b", 3),
            (r"\b(?:change|modify|amend|edit|add|remove)\b.{0,25}\b(?:to|from|in|on) (?:my |the )?(?:order|purchase)\b", 2.5),
            (r"\b(?:i|we) (?:put|entered|typed|gave|used|chose|picked) (?:in )?(?:the |a |an |my )?(?:wrong|old|incorrect)\b|\btyped (?:the |my )?\w+ wrong\b", 3),
            (r"\b(?:change|modify|amend|edit|update) (?:my|the|our|this|that|an?)? ?(?:order|purchase|parcel|package|packet|shipment|delivery|item|items|product|stuff|goods|box)\b", 3),
            (r"\b(?:add|remove|swap|switch|replace) (?:an?|one|another|some|the|\d+) (?:more )?(?:item|items|article|articles|product|products|size|colou?r)\b", 2),
            (r"\bwrong address\b|\b(?:new|different) (?:delivery |shipping )?address\b|\bi(?:'ve| have)? moved\b|\bdeliver (?:it )?to (?:a different|another|my work)\b", 2),
            (r"\b(?:change|switch) (?:the )?(?:size|colou?r|quantity)\b(?!.{0,20}\breturn)", 2),
            (r"\badresse ändern\b|\bchanger (?:l'|mon |ma )?adresse\b|\bcambiar (?:la )?direcci[oó]n\b", 3),
        ],
        "product_defect": [
            (r"\bpeel(?:ed|s)? off\b|\bshrunk\b|\bshrank\b|\bbobbl\w*|\bpilling\b|\bbent\b|\bonly lasts\b", 3),
            (r"\bchip(?:s|ped)?\b|\bflaw(?:s|ed)?\b|\bwon't pair\b|\bfaded\b|\bdiscolou?r\w*\b", 3),
            (r"\bwon't (?:come back|turn|switch|power) on\b|\bwent (?:black|dead|blank)\b|\bcoming apart\b|\bstitching\b|\bcame off\b|\bstopped (?:working|responding)\b|\bdead pixel\w*\b|\bdoesn't hold\b", 3),
            (r"\b(?:split|came undone|unravel\w*|fell off|came off|shuts? off|keeps? (?:shutting|turning|switching) off|turns off by itself|won't stay on|flicker\w*|not holding (?:a )?charge|battery (?:dies|drains)|glitch\w*|error code|(?:loud|strange|weird|grinding|clicking) noise|rattl\w*|buzz(?:es|ing)?)\b", 3),
            (r"\b(?:broken|broke|faulty|defective|defect|malfunction\w*|cracked|shattered|snapped|ripped|torn|leak(?:s|ing|ed)?|dead on arrival|doa|burnt out|fell apart|falling apart|came apart|peeling|frayed|rusty|rusted|mou?ldy|scratched|dented)\b", 3),
            (r"\b(?:stopped|stops|quit) (?:working|charging|turning on|heating|cooling|spinning)\b|\b(?:doesn't|does not|won't|will not|isn't|is not|not|no longer|didn't|did not|never) (?:work|working|works|turn on|switch on|charge|charging|power on|boot|start|heat|connect|pair|fit together|close|zip)\b", 3),
            (r"\b(?:poor|bad|terrible|cheap|low) quality\b|\bnot as (?:described|advertised|pictured)\b|\bmanufacturing (?:defect|fault|error)\b|\bdefect\w*\b", 2.5),
            (r"\b(?:overheat\w*|smok(?:e|ed|ing)|spark(?:s|ed|ing)|melt(?:ed|ing)?|caught fire|burn(?:t|ed|ing)? (?:smell|out)|short[- ]circuit\w*|electric shock)\b", 3.5),
            (r"\ballergic reaction\b|\brash\b|\bburn(?:ed|t)? (?:my|his|her|their|our)\b|\bchok(?:ed|ing)\b|\bsharp edges?\b|\bgot (?:so |very )?hot\b|\bsmall parts\b|\bexplod\w*\b|\bshattered\b|\bne (?:fonctionnent|marchent) plus\b", 3),
            (r"\bwarranty claim\b|\bunder warranty\b|\bwarranty\b.{0,40}\b(?:broken|repair|replace|faulty|stopped)\b|\brepair\b|\breplacement\b", 1.5),
            (r"\bkaputt\b|\bdefekt\b|\bfunktioniert nicht\b|\bcass[ée]\b|\bne (?:marche|fonctionne) (?:pas|plus)\b|\broto\b|\bno funciona\b|\bdefectuos[oa]\b|\bwerkt niet\b|\bstuk\b", 3),
        ],
        "billing": [
            (r"\b(?:two|2|double|duplicate|multiple|several) (?:payments|charges|transactions|debits)\b|\bgift ?card\b|\bstore credit\b|\bbalance\b", 3),
            (r"\bcharged (?:me )?(?:\S+ ){0,3}(?:for|extra|more)\b|\bwhy (?:was|am|have|did) (?:i|you) (?:been )?(?:charged?|bill\w*)\b|\b(?:money|payment) (?:was |has been )?(?:taken|debited|deducted|withdrawn)\b", 3),
            (r"\b(?:troubles?|issues?|problems?|errors?|difficult\w*)\b.{0,25}\bpayments?\b|\bpayments? (?:troubles?|issues?|problems?|errors?)\b|\b(?:can't|cannot|unable to) pay\b", 3),
            (r"\b(?:bill|bills|invoice|invoices|inovice|invoicw|bil) #?\d+\b", 2),
            (r"\b(?:charged|billed|debited) (?:me )?(?:twice|two times|double|2 times|again|wrong|incorrectly|too much|more than|the wrong)\b|\bdouble[- ]charged?\b|\bduplicate (?:charge|payment|transaction)\b|\bcharged twice\b", 4),
            (r"\b(?:payment|card|transaction|checkout|paypal|klarna|apple pay|google pay)\b.{0,30}\b(?:fail\w*|declin\w*|rejected|didn't go through|did not go through|not go(?:ing)? through|error|issue|problem|trouble|won't (?:go through|work|accept))\b", 3.5),
            (r"\b(?:fail\w*|declin\w*|rejected|problem with|issue with|trouble with|error with)\b.{0,20}\b(?:payment|card|transaction|checkout)\b", 3),
            (r"\binvoices?\b|\bbill\b(?! me)|\bbills\b|\bvat\b|\btax (?:invoice|number|id)\b|\brechnung\b|\bfacture\b|\bfactura\b", 3),
            (r"\b(?:send|need|get|download|copy of|where(?:'s| is| can i find)|find) (?:me )?(?:my |the |a )?receipts?\b|\breceipt for\b", 3),
            (r"\bbilled\b|\bovercharged\b|\bcharged (?:me )?(?:for|extra|more)\b|\bwrong price\b|\bon sale for\b|\bprice (?:was|is) wrong\b", 2.5),
            (r"\bchargeback\b|\bdispute (?:the|this|a) (?:charge|payment|transaction)\b|\bunauthori[sz]ed (?:charge|payment|transaction)\b|\bfraudulent (?:charge|transaction)\b", 3.5),
            (r"\b(?:charge|charged|payment|paid|overcharged|statement|bank)\b", 1),
            (r"\b(?:promo|discount|voucher|coupon|gift card|giftcard) (?:code )?(?:doesn't|does not|didn't|not|won't|isn't)\b|\b(?:promo|discount|voucher|coupon) code\b", 2),
            (r"\bpre-?authori[sz]ation\b|\bpending (?:charge|transaction)\b|\bcharged (?:but|and)\b", 2.5),
        ],
        "account": [
            (r"\bmarketing (?:e-?mails?|texts?|messages|sms|calls)\b|\bturn off (?:the )?(?:notifications|marketing|texts|emails|sms)\b", 3),
            (r"\b(?:logs?|logged|kicks?|kicked) me out\b|\bsign(?:ed|ing)? ?up\b|\bin my (?:profile|account)\b|\bfor future orders\b|\bgetting (?:\w+ )?emails\b", 3),
            (r"\bmailing list\b|\bemail list\b|\bmarketing list\b|\bremove me from\b|\binvalid (?:credentials|password|login)\b|\bcan't (?:sign|log) ?in\b", 3),
            (r"\b(?:set(?:ting)?(?: up)?|sett?ing up|add(?:ing)?|enter(?:ing)?|submit(?:ting)?|sav(?:e|ing)|creat(?:e|ing)|register(?:ing)?)\b.{0,30}\b(?:shipping|delivery|secondary|billing) address\b|\bset (?:a |an |my )?(?:\w+ )?(?:shipping|delivery) address up\b", 4),
            (r"\bsign[- ]?ups?\b|\bregistrations?\b|\bregister\w*\b", 2.5),
            (r"\bpwd\b|\bforgotten pass\w*|\bforgot (?:my )?pass\w*|\b(?:user|profile|account) (?:\w+ )?key\b|\blost key\b|\breset (?:my |the )?(?:pwd|pin|key|code)\b", 3),
            (r"\b(?:premium|platinum|gold|standard|pro|freemium|free)\s?(?:ac+ou?n?t|acount|accout|acc?ount|prof\w*|user)s?\b|\bac+oun?ts?\b|\bacount\b|\bpersonal (?:details|info\w*|data)\b|\buser (?:profile|info\w*|details|name)\b", 2.5),
            (r"\b(?:log ?in|log-in|sign ?in|signin|logon)\b|\bcan't (?:log|sign) (?:in|on)\b|\blocked out\b|\baccount (?:locked|blocked|suspended|hacked)\b", 3),
            (r"\bpassword\b|\bpasswort\b|\bmot de passe\b|\bcontraseña\b|\bpass ?word\b|\b2fa\b|\btwo[- ]factor\b|\bverification (?:code|email)\b|\bpin(?: code)?\b|\baccess key\b", 3),
            (r"\b(?:my |an |the |new |delete (?:my )?|close (?:my )?|create (?:an? )?|open (?:an? )?)?(?:account|profile|user ?name)\b", 2),
            (r"\b(?:sign ?up|signup|register|registration|create an account|open an account)\b", 2.5),
            (r"\b(?:delete|erase|remove) (?:my )?(?:data|personal data|information|details)\b|\bgdpr\b|\bdata (?:request|access|export)\b|\bright to be forgotten\b", 3),
            (r"\bnewsletter\b|\bunsubscribe\b|\bmarketing emails?\b|\bstop (?:sending|emailing) (?:me )?(?:emails|newsletters|marketing|promotions|offers)\b|\bemail preferences\b", 3),
            (r"\b(?:change|update) (?:my )?(?:email|e-mail|phone number|name|details)\b", 2),
            (r"\bkonto\b|\bpasswort\b|\bcompte\b|\bmot de passe\b|\bcuenta\b|\bcontraseña\b|\baccount\b", 1),
            (r"\bshipping address\b.{0,30}\b(?:save|saved|set up|add|new)\b|\b(?:save|set up|add)\b.{0,20}\bshipping address\b|\baddress book\b", 2.5),
            (r"\b(?:freemium|premium|platinum|gold|standard|pro) (?:account|profile|membership|plan)\b", 3),
        ],
        "product_question": [
            (r"\b(?:are|is|does|do) (?:the|these|this|your|it|they) (?:\w+ ){0,3}(?:pre-?washed|true to size|run (?:small|large|big)|machine washable|organic|cotton|leather|wool|real|genuine|handmade|made in|suitable)\b|\bthread count\b|\bsize (?:up|down)\b|\btrue to size\b|\bwhat (?:size|colou?r|material|thread count|fabric|capacity|wattage)\b", 3),
            (r"\b(?:buy|purchase|order|acquire\w*|get) (?:something|anything|some of your|some|a few of your)\b", 2),
            (r"\b(?:make|place|making|placing) an? (?:new )?order\b|\bbuy\w* (?:a few|some|several|an?)\b|\bpurchas\w* (?:a few|some|several)\b", 2.5),
            (r"\b(?:is|are|does|do|will|would|can|could) (?:it|this|these|they|the \w+|your \w+)\b.{0,40}\b(?:fit|compatible|work with|come with|include|made of|waterproof|dishwasher|suitable|available|in stock|vegan|safe for)\b", 3),
            (r"\b(?:compatible|compatibility|dimensions|measurements|specs|specifications|material|ingredients|size (?:guide|chart)|which size|what size|in stock|back in stock|restock|available in|pre-?order)\b", 2.5),
            (r"\bhow (?:do i|to|does|can i) (?:use|install|assemble|set up|setup|clean|wash|charge|connect|pair)\b|\bmanual\b|\binstructions?\b", 2),
            (r"\b(?:buy|purchase|order|acquire|get) (?:some|a few|several|an?|more|this|the|another)\b.{0,20}(?:items?|articles?|products?|one)?\b|\bplace an order\b|\bmake a purchase\b|\bwant to (?:buy|order)\b", 2),
            (r"\bdoes (?:that|this|it) mean\b|\b(?:replaceable|removable|washable|adjustable|refillable|rechargeable)\b|\bsafe (?:near|for|to use)\b|\bfold (?:flat|up|down)\b", 2.5),
            (r"\brecommend\b|\bdifference between\b|\bwhich (?:one|model|version)\b|\bdo you (?:sell|have|stock|carry)\b", 2),
        ],
        "policy_question": [
            (r"\b(?:do|would|will|can) i (?:get|receive) (?:a )?(?:refund|replacement|my money back|store credit) if\b|\bprice (?:promise|guarantee)\b|\bminimum (?:spend|order)\b", 4),
            (r"\bwhat happens if\b|\bfinal sale\b|\bare they final\b|\bsale items\b|\bdo you (?:deliver|ship) (?:on|at) (?:weekends|saturdays?|sundays?|the weekend)\b|\bdo you deliver on\b", 3),
            (r"\bdo i (?:have to |need to )?pay (?:for )?(?:the )?(?:return|shipping|postage|delivery|customs)\b|\breturn (?:postage|shipping cost|shipping fee)s?\b|\bdo you (?:offer|have|give|do) (?:\w+ )?(?:discounts?|price match\w*|gift wrap\w*|installments|financing|loyalty)\b", 4),
            (r"\b(?:possible|can i|can we|could i|do you let me) (?:to )?(?:\w+ ){0,3}order\w* from\b(?! (?:you|your|this|the site|the website|the shop|the store))", 3.5),
            (r"\bin (?:which|what) (?:cases|situations|circumstances)\b|\bhow long (?:do |does |will |would )?(?:refunds?|reimbursements?|returns?|exchanges?) (?:usually |normally |generally )?take\b", 4),
            (r"\b(?:early (?:exit|termination|cancellation)|withdrawal|exit|termination|cancellation|cancel(?:ling)?) (?:fees?|charges?|chareg|penalt(?:y|ies)|costs?)\b", 4),
            (r"\bdeliver(?:y|ies) (?:to|methods?|options?)\b(?! (?:my|the|your|me)\b)|\b(?:methods?|options?|ways?) (?:for|of) (?:delivery|shipping|shipment|payment|paying)\b|\bship(?:ping|ment) (?:methods?|options?)\b|\bpayment (?:methods?|methds|options?|modalit\w*|types?)\b|\b(?:possible|can i|can we) (?:to )?(?:place an? )?order from\b", 3.5),
            (r"\b(?:return|refund|exchange|shipping|delivery|cancellation|warranty|guarantee|privacy|price match) (?:policy|policies|window|period|terms|conditions|rules)\b", 2.5),
            (r"\bhow (?:long|many days) (?:do i have|have i got|is the)\b|\bwithin how many days\b|\bin which cases\b|\bam i (?:eligible|entitled|allowed)\b|\bcan i (?:still )?(?:return|exchange|get a refund)\b.{0,60}\bif\b", 3),
            (r"\bwhat(?:'s| is| are) (?:your|the) (?:\w+ )?(?:policy|policies|terms|rules)\b|\bprice[- ]match\w*\b|\b(?:is there|are there|do you charge|what(?:'s| is)) (?:a |an |any )?(?:fee|charge|cost|penalty)\b", 3),
            (r"\b(?:do|does|will|can) you (?:ship|deliver) (?:to|internationally|abroad|overseas|outside)\b|\bship(?:ping)? (?:to|internationally|abroad)\b|\bshipping (?:options|methods|costs?|fees?|rates?)\b|\bdelivery (?:options|methods|costs?|charges?)\b|\bfree (?:shipping|delivery|returns)\b|\bexpress (?:shipping|delivery)\b|\bcan i (?:place )?(?:an )?order from\b", 3),
            (r"\b(?:payment (?:methods|options)|pay (?:with|by|in installments)|accept (?:paypal|cards|apple pay|klarna|amex|crypto)|which (?:cards|payment))\b|\bpayment options\b", 3),
            (r"\b(?:cancellation|termination|early termination|restocking) (?:fee|fees|charge|charges|penalty)\b|\bcost to (?:cancel|break)\b|\bbreak the contract\b", 3.5),
            (r"\bwhat (?:is|are) (?:your|the) (?:policy|policies|terms)\b|\bterms (?:and|&) conditions\b|\bt&cs?\b|\bpolicy\b", 1.5),
        ],
        "complaint": [
            (r"\bkeeps? promising\b|\bnever (?:happen|happens|happened|arrive)\b.{0,10}$|\bcall-?backs? (?:that )?never\b|\bshared my experience\b|\btake me seriously\b|\bfrom start to finish\b", 3),
            (r"\bpoor experience\b|\b(?:support|service|response) (?:is|was) (?:slow|poor)\b|\bnot good enough\b|\bnobody (?:has )?bothered\b|\bdismissive\b|\bunhappy with how\b", 3),
            (r"\bhassle\b", 1.5),
            (r"\bnothing but (?:problems|trouble|issues)\b|\bnot impressed\b|\bevery (?:single )?order is\b|\bswore at\b|\bshouted at\b|\bthe way (?:your|the) \w+ (?:spoke|talked|treated|behaved)\b", 3),
            (r"\b(?:on hold|waiting on the phone) for\b|\bpassed (?:around|from one \w+ to another)\b|\bnobody takes responsibility\b|\b(?:support|service|staff|team|store|company) (?:is|was|are|were) (?:a )?(?:disgrace|shambles|nightmare|farce|joke|appalling|shocking|pathetic|abysmal|awful|useless|terrible|horrible)\b", 3),
            (r"\b(?:consumer|customer) claims?\b|\bclaims? against\b|\bcomplain\w*", 3),
            (r"\b(?:file|make|lodge|submit|raise|register|log) (?:a |an |my )?(?:formal )?(?:complaint|claim|reclamation|grievance)\b|\bcomplain(?:t|ts|ing)?\b|\breclamation\b", 3),
            (r"\b(?:rude|unhelpful|useless|incompetent|unprofessional|disrespectful|condescending|hung up)\b", 2.5),
            (r"\b(?:terrible|awful|horrible|appalling|worst|shocking|disgraceful|pathetic|unacceptable|ridiculous|disgusting|outrageous)\b.{0,30}\b(?:service|experience|support|company|store|shop|treatment)\b", 3),
            (r"\b(?:customer (?:service|support)|your (?:staff|agent|team|employee|support))\b.{0,40}\b(?:terrible|awful|rude|useless|unhelpful|worst|bad|poor|joke|never (?:answer|reply|respond))\b", 3),
            (r"\b(?:very|really|extremely|so|deeply|totally) (?:disappointed|unhappy|dissatisfied|frustrated|upset|angry)\b|\bdisappointed\b|\bdissatisfied\b|\bfed up\b|\bnever (?:again|order(?:ing)? again|shop(?:ping)? (?:here|with you) again)\b", 1.5),
            (r"\bhow (?:this|i|my case|my complaint) was (?:handled|treated)\b|\b(?:canned|automated|generic|copy[- ]paste) (?:answers?|responses?|replies|emails?)\b|\bsame (?:automated |canned )?(?:answer|reply|response)\b", 2.5),
            (r"\bno (?:one|body) (?:answers|replies|responds|gets back)\b|\bignored\b|\bno response\b|\bnot (?:a single )?(?:reply|answer|response)\b", 1.5),
            (r"\bbeschwerde\b|\bplainte\b|\bréclamation\b|\bqueja\b|\breclamaci[oó]n\b|\bklacht\b", 3),
        ],
        "other": [
            (r"\bopen on\b|\bopening (?:hours|times)\b|\bbank holidays?\b|\bsuggest\w*\b|\bfeature request\b|\bwould be (?:nice|great) if\b|\bwishlist\b|\bin person\b", 3),
            (r"\b(?:donat\w*|raffle|charity|fundrais\w*|school project)\b|\bpress enquir\w*|\bmedia enquir\w*|\bpress inquir\w*", 3),
            (r"\b(?:website|site|web ?site|contact form|page|link|app)(?:'s)?\b.{0,25}\b(?:broken|down|not working|doesn't work|won't load|crash\w*)\b|\bphysical (?:shop|store)\b|\b(?:shop|store) in [a-z]+\b|\bheads up\b", 3),
            (r"\b(?:leave|write|submit|send|give|post|make)\b.{0,20}\b(?:review|feedback|opinion|comment|testimonial)s?\b", 3),
            (r"\b(?:what is|what's|do you have|is there|can i (?:get|have)|give me|send me|need) (?:your|a|an|the|any) (?:free )?(?:phone|telephone|contact) (?:number|no|details|e-?mail|address)\b|\b(?:customer service|support) (?:number|no|e-?mail|address|hours)\b|\b(?:contact|call|reach|talk (?:to|with)|speak (?:to|with)|e-?mail|chat with)\b.{0,20}\b(?:customer (?:service|support|care|assistance)|support team|an? (?:agent|operator|human))\b", 3),
            (r"\b(?:partnership|collaborat\w*|wholesale|influencer|sponsor\w*|press inquiry|job|jobs|career|careers|hiring|vacanc\w*|supplier|affiliate)\b", 2.5),
            (r"\b(?:customer (?:service|support|care|assistance)|contact (?:you|someone|support)|phone number|opening hours|call (?:you|customer))\b", 1.5),
            (r"\b(?:feedback|review|suggestion|opinion|testimonial)\b", 1.5),
            (r"\b(?:human|real person|live agent|agent|representative|somebody|someone)\b", 0.8),
            (r"\bthank(?:s| you)\b.{0,40}\b(?:great|amazing|love|perfect|quick|fast|helpful)\b", 1.5),
        ],
    },
    negation=False,
)
# fmt: on

# fmt: off
SIGNAL_CUES = _compile(
    {
        "legal": [
            (r"\b(?:lawyers?|attorneys?|solicitors?|barristers?|legal (?:action|team|advice|counsel|department|proceedings|steps)|my (?:legal|law) (?:team|firm))\b", 1),
            (r"\b(?:sue|suing|sued|lawsuit|litigation|take you to court|small claims|court|tribunal|class action)\b", 1),
            (r"\b(?:consumer (?:protection|rights|ombudsman|council|association|agency)|trading standards|ombudsman|better business bureau|bbb|ftc|cma|citizens advice|verbraucherzentrale|rechtsanwalt|anwalt|avocat|abogado|advocaat|dgccrf)\b", 1),
            (r"\b(?:report (?:you|this|your company) to|file a (?:report|complaint) with) (?:the )?(?:police|authorities|regulator|fca|ftc|bbb|trading standards)\b|\b(?:police|fraud|scam|scammed|theft|stealing my money)\b", 1),
            (r"\bchargeback\b.{0,60}\b(?:bank|lawyer|legal|dispute|credit card company|card issuer)\b|\b(?:bank|credit card company|card issuer)\b.{0,40}\bchargeback\b|\bdispute (?:the|this) (?:charge|transaction) with my bank\b", 1),
            (r"\b(?:breach of contract|false advertising|misleading advertising|gdpr (?:complaint|violation|breach)|data protection (?:authority|complaint)|violat\w+ (?:of )?(?:the )?(?:law|my rights)|illegal|unlawful|liable|liability|negligence|negligent)\b", 1),
        ],
        "safety": [
            (r"\b(?:injur\w*|hurt (?:me|my|him|her|them|us|himself|herself|myself)|cut (?:my|his|her|their|our) (?:\w+ )?(?:finger|hand|foot|leg|arm|lip|face)|bleeding|stitches|emergency room|er visit|paramedic|ambulance)\b|\b(?:went|taken|rushed|had to go|ended up) (?:to |in )(?:the )?(?:hospital|a&e|er|doctor)\b", 1),
            (r"\b(?:fire|caught fire|on fire|flames?|burn(?:s|ed|t|ing)?|scald(?:ed)?|smok(?:e|ed|ing)|explod\w*|explosion|spark(?:s|ed|ing)?|melt(?:ed|ing)|overheat\w*|electric(?:al)? shock|electrocut\w*|short[- ]circuit)\b", 1),
            (r"\b(?:allergic|allergy|allergies|anaphyla\w*|rash|hives|swelling|swollen|reaction to|epipen|itching)\b", 1),
            (r"\b(?:chok(?:e|ed|ing)|suffocat\w*|swallow(?:ed)?|poison\w*|toxic|mou?ld|food poisoning|contaminat\w*|sick after|vomit\w*|made (?:me|my \w+|us) (?:ill|sick))\b", 1),
            (r"~\b(?:not safe|unsafe)\b", 1),
            (r"\b(?:dangerous|hazard\w*|safety (?:issue|risk|concern|hazard)|fire hazard|sharp edges?|could have (?:been )?(?:killed|hurt|injured))\b", 1),
            (r"\b(?:verletzt|verbrannt|brûl[ée]|bless[ée]|quemad[oa]|herid[oa]|gevaarlijk|dangereux|gefährlich|peligroso)\b", 1),
        ],
        "reputation": [
            (r"\b(?:post|posting|share|sharing|write|writing|leave|leaving|put|putting|tell|telling|warn|warning|expose|exposing)\b.{0,40}\b(?:twitter|x\.com|facebook|instagram|tiktok|reddit|youtube|linkedin|trustpilot|google reviews?|yelp|social media|online|everyone|everybody|the internet|the world|my followers|the press|the media|a review|reviews?)\b", 1),
            (r"\b(?:twitter|tweet\w*|facebook|instagram|tiktok|reddit|youtube|trustpilot|yelp|social media|my followers|my blog|my channel)\b", 1),
            (r"\b(?:journalist|newspaper|the press|the media|news (?:outlet|station)|bbc|watchdog|go viral|viral)\b", 1),
            (r"\b(?:1|one)[- ]star (?:review|rating)\b|\bbad review\b|\bnegative review\b|\bpublic(?:ly)?\b", 1),
        ],
        "policy_exception": [
            (r"\b(?:after|past|outside|beyond|missed|passed|over) (?:the |my |your )?(?:\d+|thirty|fourteen|14|30)?[- ]?(?:day )?(?:return|refund|exchange|warranty|guarantee|cancellation|returns)s? (?:window|period|deadline|limit|date|policy)\b|\b(?:after|past|outside|beyond|over) (?:the )?(?:\d+|thirty|fourteen)[- ]days?(?: (?:return|refund|exchange))? (?:window|period|limit|deadline|mark)\b", 1),
            (r"\b(?:return|refund|warranty|guarantee) (?:window|period) (?:has |is )?(?:passed|expired|ended|over|closed)\b|\bwarranty (?:has |is )?(?:expired|run out|ended|over)\b|\b(?:\d+|two|three|four|six) (?:days|weeks|months) (?:too late|past (?:the|my))\b", 1),
            (r"\b(?:make an exception|an exception|exceptionally|bend the rules?|just this once|even though (?:it's|it is) (?:past|after|outside|beyond))\b", 1),
            (r"\b(?:second|another|third|2nd|3rd) (?:replacement|refund|exchange)\b|\b(?:replacement|replaced) (?:also|again|too)\b|\b(?:replacement|new one) (?:is |was |has )?(?:also )?(?:broken|faulty|defective|damaged)\b", 1),
            (r"\b(?:without (?:a |the )?(?:receipt|proof of purchase|original packaging|tags?)|used (?:it|them) (?:already|a few times)|worn (?:it|them)|final sale|clearance item|personali[sz]ed)\b", 1),
            (r"\b(?:refund|return)\b.{0,30}\b(?:gift card|giftcard|sale item|digital (?:product|download))\b|\b(?:refund|money back)\b.{0,40}\bkeep (?:it|the item|them|the product)\b|\bkeep (?:it|the item|them) and (?:get )?(?:a )?refund\b", 1),
        ],
        "repeat_complaint": [
            (r"\b(?:second|third|fourth|fifth|2nd|3rd|4th|\d+th) (?:time|parcel|package|order|replacement|complaint|email|message|attempt)s?\b(?! (?:i|we) (?:used|wore|tried|washed|opened|wear|use))", 1),
            (r"\b(?:emailed|contacted|written|wrote|called|messaged|complained|asked|chased)\b.{0,30}\b(?:\d+|two|three|four|five|several|multiple|many|numerous) times\b|\b(?:already|previously|last week|last month|before) (?:contacted|complained|wrote|written|emailed|called|reported|told you|messaged|reached out)\b|\bprevious (?:ticket|complaint|case|email|request)\b|\bfollow(?:ing)? up on (?:my|the) (?:complaint|ticket|case|email)\b", 1),
            (r"\b(?:lost|broken|broke|late|damaged|wrong|missing|happened|failed|delayed|faulty|charged)\s+again\b|\byet again\b|\bonce again\b|\bagain and again\b|\bkeeps? happening\b|\bsame (?:problem|issue) (?:again|as before|as last time)\b|\bnothing changes\b", 1),
        ],
        "asks_for_human": [
            (r"~\b(?:(?:speak\w*|talk\w*|chat\w*|connect\w*|put me through|transfer\w* me)\b.{0,12}?\b(?:with|to)|contact\w*|reach\w*|get (?:in touch with|hold of))\s+(?:an? |the |your |some |real |live )*(?:human|person|people|agent|operator|representative|rep|manager|supervisor|someone|somebody|somneone|assistant|staff member|team lead|person in charge|owner)s?\b", 1),
            (r"\b(?:real|actual|live) (?:human|person|people|agent|being)\b|\bnot (?:a |an |another )?(?:bot|robot|machine|ai|automated (?:reply|response|message))\b|\bstop (?:sending )?(?:automated|canned|template|copy[- ]paste)", 1),
            (r"\b(?:escalate|escalation)\b|\b(?:your|a|the) (?:manager|supervisor|boss)\b|\bsomeone (?:in charge|senior|who can (?:actually )?help)\b|\b(?:please|can you|could you|can someone|could someone|someone|pls|would you) (?:call|phone|ring) me\b|\bcall(?:ed)? (?:me )?back\b", 1),
            (r"\b(?:human agent|human being|live chat with a person|menschen|mitarbeiter sprechen|parler à (?:un|une) (?:humain|conseiller|personne)|hablar con (?:una persona|un agente|alguien))\b", 1),
        ],
    },
    negation=True,
)
# fmt: on

# fmt: off
URGENT = re.compile(
    r"\b(?:urgent(?:ly)?|asap|a\.s\.a\.p|immediately|right now|right away|today|tonight|tomorrow|emergency|time[- ]sensitive|as soon as possible|straight away|without delay|deadline|for (?:a|my|the) (?:wedding|birthday|funeral|trip|flight|event)|by (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|the weekend)|dringend|sofort|urgente|inmediatamente)\b"
)
# fmt: on

# Single words that lean to a type, used only when no phrase cue reaches the bar: a weak,
# general prior that beats defaulting to "other" on unfamiliar wording.
# fmt: off
BACKOFF = {
    "order_status": "dispatch dispatched shipped tracking eta confirmation arrive arriving expect when",
    "delivery_problem": "courier driver delivered delivery parcel package postman neighbour doorstep customs",
    "return_request": "return returning exchange fit fits size tight loose",
    "refund_request": "refund refunded money reimbursement credited",
    "cancellation": "cancel cancelled cancelling stop",
    "order_change": "address change swap add remove modify",
    "product_defect": "broken faulty defective leaking stopped cracked screen battery charge repair warranty works working",
    "billing": "payment payments paid charge charged card invoice receipt statement bank price discount",
    "account": "account login password email profile app logged subscription unsubscribe",
    "product_question": "stock size material compatible colour color ingredients dimensions",
    "policy_question": "policy allowed free postage offer shipping international",
    "complaint": "rude disappointed unacceptable terrible awful worst complain problems hassle",
    "other": "thanks thank feedback website shop store collaborate",
}
# fmt: on
