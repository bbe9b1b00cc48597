"""Amounts in a parsed Doc: money, counts, durations and percentages, normalised.

Money and percentages are read with patterns over the text (currency symbols, codes and
words, scale words, ranges; "€150 billion", "$1.13bn", "£600m", "5 mln dlrs", "US$2 million");
counts and durations use the parse: a number that modifies a noun ("390 Ukrainians" -> 390
people, "29 years" -> a duration). A range keeps its lower bound as the value.

The parse is read only for a number that may count a word within reach after it
(`count_candidates`: words, entities and the text alone decide that), so two-stage parsing
(`parse_needs.py`) parses a sentence for amounts only when it holds such a number.

    >>> parse_number("1,250.5")
    1250.5
    >>> scale_of("bn")
    1000000000.0
"""
from __future__ import annotations

import re
from typing import Iterable, Iterator

from ..models import Amount

SCALES = {
    "thousand": 1e3, "k": 1e3, "mln": 1e6, "million": 1e6, "millions": 1e6, "mn": 1e6,
    "m": 1e6, "bln": 1e9, "billion": 1e9, "billions": 1e9, "bn": 1e9, "b": 1e9,
    "trillion": 1e12, "trln": 1e12, "tn": 1e12, "trn": 1e12,
}
WORD_NUMBERS = {
    w: float(i) for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen "
        "fourteen fifteen sixteen seventeen eighteen nineteen twenty".split())
}
WORD_NUMBERS.update({w: float(n) for w, n in (
    ("thirty", 30), ("forty", 40), ("fifty", 50), ("sixty", 60), ("seventy", 70),
    ("eighty", 80), ("ninety", 90), ("hundred", 100), ("a", 1), ("an", 1), ("dozen", 12))})

# Currency symbols / codes written before the number.
PREFIXES = {
    "US$": "USD", "U.S.$": "USD", "U.S. $": "USD", "A$": "AUD", "AU$": "AUD", "C$": "CAD",
    "CA$": "CAD", "CAN$": "CAD", "HK$": "HKD", "NZ$": "NZD", "S$": "SGD", "NT$": "TWD",
    "R$": "BRL", "$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₴": "UAH", "₽": "RUB",
    "₹": "INR", "Rs.": "INR", "Rs": "INR",
}
CODES = ("USD EUR GBP JPY CHF CNY RUB UAH CAD AUD NZD HKD SGD INR SEK NOK DKK PLN TRY ZAR "
         "BRL MXN KRW SAR AED ILS").split()
# Currency words written after the number; None means "needs an adjective to say which".
WORDS = {
    "dollar": "USD", "dollars": "USD", "dlr": "USD", "dlrs": "USD", "euro": "EUR",
    "euros": "EUR", "pound": "GBP", "pounds": "GBP", "sterling": "GBP", "stg": "GBP",
    "yen": "JPY", "mark": "DEM", "marks": "DEM", "franc": "FRF", "francs": "FRF",
    "lira": "ITL", "lire": "ITL", "guilder": "NLG", "guilders": "NLG", "peseta": "ESP",
    "pesetas": "ESP", "rupee": "INR", "rupees": "INR", "rouble": "RUB", "roubles": "RUB",
    "ruble": "RUB", "rubles": "RUB", "hryvnia": "UAH", "hryvnias": "UAH", "hryvnya": "UAH",
    "yuan": "CNY", "renminbi": "CNY", "riyal": "SAR", "riyals": "SAR", "baht": "THB",
    "ringgit": "MYR", "shekel": "ILS", "shekels": "ILS", "cruzado": "BRC", "cruzados": "BRC",
    "won": None, "rand": None, "peso": None, "pesos": None, "crown": None, "crowns": None,
    "kroner": None, "kronor": None, "krona": None, "dinar": None, "dinars": None,
    "cent": "USD", "cents": "USD", "cts": "USD", "pence": "GBP",
}
HUNDREDTHS = {"cent", "cents", "cts", "pence"}
#: Currency words that are also verbs or weights: money only with a scale or an adjective.
AMBIGUOUS = {"won", "mark", "marks", "pound", "pounds"}
# Adjective + currency word -> code ("Canadian dlrs", "Swiss francs").
ADJECTIVES = {
    "u.s.": "USD", "us": "USD", "american": "USD", "canadian": "CAD", "australian": "AUD",
    "new zealand": "NZD", "hong kong": "HKD", "singapore": "SGD", "taiwan": "TWD",
    "swiss": "CHF", "french": "FRF", "belgian": "BEF", "luxembourg": "LUF",
    "deutsche": "DEM", "german": "DEM", "west german": "DEM", "finnish": "FIM",
    "dutch": "NLG", "japanese": "JPY", "saudi": "SAR", "south african": "ZAR",
    "mexican": "MXN", "philippine": "PHP", "argentine": "ARS", "chilean": "CLP",
    "colombian": "COP", "brazilian": "BRC", "indian": "INR", "pakistani": "PKR",
    "swedish": "SEK", "danish": "DKK", "norwegian": "NOK", "irish": "IEP",
    "egyptian": "EGP", "kuwaiti": "KWD", "iraqi": "IQD", "jordanian": "JOD",
    "turkish": "TRY", "italian": "ITL", "south korean": "KRW", "korean": "KRW",
    "ukrainian": "UAH", "russian": "RUB", "chinese": "CNY", "israeli": "ILS",
}
PEOPLE_NOUNS = frozenset("""people person persons individual individuals civilian civilians
resident residents citizen citizens man men woman women child children adult adults
inhabitant inhabitants national nationals""".split())
TIME_UNITS = {"year": "years", "month": "months", "week": "weeks", "day": "days",
              "hour": "hours", "minute": "minutes", "decade": "decades", "century": "centuries",
              "years": "years", "months": "months", "weeks": "weeks", "days": "days",
              "hours": "hours", "minutes": "minutes", "decades": "decades",
              "centuries": "centuries", "yr": "years", "yrs": "years", "mth": "months",
              "mths": "months", "wk": "weeks", "wks": "weeks"}
# Nouns a number modifies that are not counted things.
NOT_COUNTED = frozenset("""time times percent pct per cent point points % nil""".split())
#: Entity labels of numbers that are never counts (money, percentages, ranks, clock times).
NOT_COUNT_LABELS = frozenset(("MONEY", "PERCENT", "ORDINAL", "TIME"))
#: How far after a number (and its scale words) the noun it counts may stand.
COUNT_REACH = 4

_NUM = r"(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
_WORDNUM = "(?:" + "|".join(sorted((w for w in WORD_NUMBERS if w not in ("a", "an", "dozen")),
                                   key=len, reverse=True)) + ")"
_SCALE_WORD = r"(?:thousand|mln|millions?|bln|billions?|trillion|trln)"
_SCALE_TIGHT = r"(?:mn|m|bn|b|k|tn|trn)"
_SCALE = rf"(?:\s?{_SCALE_WORD}\b|{_SCALE_TIGHT}\b|\s(?:mn|bn|tn)\b)"
_AMOUNT = rf"(?:{_NUM}|{_WORDNUM}(?=\s{_SCALE_WORD})|(?:a|an)(?=\s{_SCALE_WORD}))"
_RANGE = r"\s?(?:-|–|to|and)\s?"
_PREFIX = "|".join(re.escape(p) for p in sorted(PREFIXES, key=len, reverse=True))
_CODE = "|".join(CODES)
_ADJ = "|".join(re.escape(a).replace(r"\ ", r"\s") for a in sorted(ADJECTIVES, key=len,
                                                                    reverse=True))
_WORD = "|".join(sorted(WORDS, key=len, reverse=True))

# Case matters: "TRY 5" is Turkish lira, "try 5 times" is not; adjectives may be capitalised.
MONEY_PREFIXED = re.compile(
    rf"(?<![A-Za-z])(?P<cur>{_PREFIX}|(?:{_CODE})\s?)(?P<a>{_AMOUNT})(?P<sa>{_SCALE})?"
    rf"(?:{_RANGE}(?:{_PREFIX})?(?P<b>{_NUM})(?P<sb>{_SCALE})?)?")
MONEY_SUFFIXED = re.compile(
    rf"(?<![\w$€£¥.])(?P<a>{_AMOUNT})(?P<sa>{_SCALE})?"
    rf"(?:{_RANGE}(?P<b>{_NUM})(?P<sb>{_SCALE})?)?"
    rf"\s(?:(?P<adj>(?i:{_ADJ}))\s)?(?P<word>{_WORD}|{_CODE})\b")
PERCENT = re.compile(
    rf"(?<![\w.])(?P<a>{_NUM}|{_WORDNUM}\b)(?:{_RANGE}(?P<b>{_NUM}))?"
    rf"(?:\s?%|\s?per\s?cent\b|\s?pct\b|\s?percent\b)")


def parse_number(text: str) -> float | None:
    """A number written with digits (commas allowed) or as a small English word."""
    text = text.strip().lower()
    if text in WORD_NUMBERS:
        return WORD_NUMBERS[text]
    if "-" in text:  # "twenty-five"
        parts = [WORD_NUMBERS.get(p) for p in text.split("-")]
        return sum(parts) if all(p is not None for p in parts) else None
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None


def scale_of(word: str | None) -> float:
    """The multiplier of a scale word ("bn" -> 1e9); 1.0 for none."""
    return SCALES.get((word or "").strip().lower(), 1.0)


def _range_value(m: re.Match) -> float | None:
    """The lower bound of a (possibly ranged) number with scale: "5 to 6 million" -> 5e6."""
    a = parse_number(m.group("a"))
    if a is None:
        return None
    scale = m.group("sa") or (m.group("sb") if m.group("b") else None)
    return a * scale_of(scale)


def find_money(text: str) -> Iterable[tuple[int, int, float, str]]:
    """(start, end, value, currency) for each sum of money in `text`."""
    seen: list[tuple[int, int]] = []
    for m in MONEY_PREFIXED.finditer(text):
        cur = m.group("cur").strip()
        code = PREFIXES.get(cur) or PREFIXES.get(cur.upper()) or cur.upper()
        value = _range_value(m)
        if value is not None:
            seen.append((m.start(), m.end()))
            yield m.start(), m.end(), value, code
    for m in MONEY_SUFFIXED.finditer(text):
        if any(s < m.end() and m.start() < e for s, e in seen):
            continue
        found = _suffix_money(m)
        if found is not None:
            yield (m.start(), m.end(), *found)


def _suffix_money(m: re.Match) -> tuple[float, str] | None:
    word = m.group("word")
    adj = " ".join((m.group("adj") or "").lower().split())
    if word in CODES:
        code = word
    else:
        # The adjective decides ("Canadian dlrs", "Swiss francs"), else the word's default.
        code = ADJECTIVES.get(adj) or WORDS[word]
        if word in AMBIGUOUS and not (m.group("sa") or adj):
            return None  # "2023 marks the anniversary", "5 pounds of sugar", "they won 3"
    if code is None:
        return None  # "5 crowns": which crowns is unknowable
    value = _range_value(m)
    if value is None:
        return None
    if word in HUNDREDTHS:
        value /= 100.0
    return value, code


def find_percents(text: str) -> Iterable[tuple[int, int, float]]:
    """(start, end, value) for each percentage in `text` ("76%", "5.5 pct", "3 to 4 percent")."""
    for m in PERCENT.finditer(text):
        value = parse_number(m.group("a"))
        if value is not None:
            yield m.start(), m.end(), value


class AmountFinder:
    """Find every Amount in a Doc; offsets point into doc.text."""

    def __call__(self, doc, *, text: str | None = None) -> list[Amount]:
        """The amounts of a parsed Doc; `text` is `doc.text` when the caller has it (Doc.text
        joins every token anew, so it is read once per article)."""
        text = doc.text if text is None else text
        out: list[Amount] = []
        taken: list[tuple[int, int]] = []
        for start, end, value, code in find_money(text):
            out.append(self._amount(doc, text, start, end, value, code, "money"))
            taken.append((start, end))
        for start, end, value in find_percents(text):
            if not _overlaps(taken, start, end):
                out.append(self._amount(doc, text, start, end, value, "percent", "percent"))
                taken.append((start, end))
        for amount in self._counts(doc, text, taken):
            out.append(amount)
        return sorted(out, key=lambda a: a.start)

    @staticmethod
    def _amount(doc, text: str, start: int, end: int, value: float, unit: str,
                kind: str) -> Amount:
        span = doc.char_span(start, end, alignment_mode="expand")
        sentence = span[0].sent.text.strip() if span is not None and len(span) else ""
        return Amount(text[start:end], float(value), unit, kind, start, end, sentence)

    def _counts(self, doc, text: str, taken: list[tuple[int, int]]) -> Iterable[Amount]:
        for sent in _sentences(doc):
            for i, end in count_candidates(doc, sent.start, sent.end, text):
                tok = doc[i]
                if not _overlaps(taken, tok.idx, tok.idx + len(tok)):
                    amount = self._count(doc, text, i, end)
                    # a count reaching over a sum of money is no count ("390 2004 dlrs people")
                    if amount is not None and not _overlaps(taken, amount.start, amount.end):
                        yield amount

    def _count(self, doc, text: str, start: int, end: int) -> Amount | None:
        """A number modifying a noun: a count ("390 Ukrainians") or a duration ("29 years")."""
        phrase = doc[start:end]
        value = parse_number(phrase[0].text) * scale_of(phrase[-1].text if len(phrase) > 1
                                                        else None)
        head = _counted_noun(doc, text, phrase)
        if head is None:
            return None
        lemma = head.lemma_.lower()
        unit = TIME_UNITS.get(lemma) or TIME_UNITS.get(head.lower_)
        if unit is not None:
            if _is_age(doc, head) or _looks_like_year(phrase[0].text):
                return None  # "29-year-old", "the 1986 year"
            kind = "duration"
        elif phrase[0].ent_type_ == "DATE" or lemma in NOT_COUNTED or head.lower_ in WORDS \
                or head.lower_ in SCALES:
            return None
        elif head.ent_type_ == "NORP" or lemma in PEOPLE_NOUNS or head.lower_ in PEOPLE_NOUNS:
            unit, kind = "people", "count"
        else:
            unit, kind = lemma, "count"
        s, e = phrase.start_char, head.idx + len(head)
        return Amount(text[s:e], value, unit, kind, s, e, phrase[0].sent.text.strip())


def count_candidates(doc, start: int, end: int, text: str) -> Iterator[tuple[int, int]]:
    """(number, end of its scale words) of each number in doc[start:end] (a sentence) that may
    count a word after it, judged without the parse: every test of `AmountFinder._count` and
    `_counted_noun` that words, entities and the text decide ("in 2004 the", "3.5 per cent",
    "the 29-year-old" are not; "390 prisoners" may be). What the parse decides (the word is
    the number's head, a noun) is left to `_count`, so this is a superset of its counts.
    """
    i = start
    while i < end:
        tok = doc[i]
        if not tok.like_num or tok.ent_type_ in NOT_COUNT_LABELS \
                or tok.lower_ in ("one", "a", "an") or parse_number(tok.text) is None:
            i += 1
            continue
        stop = i + 1  # take scale words along: "6.4 mln bags"
        while stop < len(doc) and doc[stop].lower_ in SCALES and len(doc[stop]) > 1:
            stop += 1
        if _may_count(doc, text, i, stop, end):
            yield i, stop
        i = stop


def _may_count(doc, text: str, number: int, stop: int, end: int) -> bool:
    """Whether some word within COUNT_REACH after the number phrase doc[number:stop] could
    be the noun `_count` takes (all its tests but the parse's)."""
    date = doc[number].ent_type_ == "DATE"
    year = _looks_like_year(doc[number].text)
    after = doc[stop - 1].idx + len(doc[stop - 1])
    for j in range(stop, min(stop + COUNT_REACH, end)):
        word = doc[j]
        if doc[j - 1].lower_ in NOT_COUNTED and j > stop:
            return False  # "seven pct increase": a word in between is no count's
        if not (word.text.islower() or word.ent_type_ == "NORP"):
            continue
        gap = text[after:word.idx]
        if "\n " in gap or "   " in gap:
            continue
        if word.lower_ in TIME_UNITS:  # every inflected form is listed
            if not (year or _is_age(doc, word)):
                return True
        elif not date and word.lower_ not in WORDS and word.lower_ not in SCALES:
            return True
    return False


def _sentences(doc) -> Iterable:
    """The doc's sentences, or the whole doc when it has no boundaries."""
    if doc.has_annotation("SENT_START") or doc.has_annotation("DEP"):
        return doc.sents
    return [doc[:]]


def _counted_noun(doc, text: str, phrase):
    """The noun a number phrase counts, or None: "390 [Ukrainian] prisoners".

    Nationalities may be capitalised ("390 Ukrainians"); other capitalised heads are table
    labels or names ("55,000  Revs", "3.10  Stockton"), and so is a gap with a line break
    and indentation.
    """
    head = phrase[-1].head
    if phrase[-1].dep_ not in ("nummod", "quantmod") or head.i < phrase.end \
            or head.i - phrase.end > 3 or head.pos_ not in ("NOUN", "PROPN"):
        return None
    if not head.text.islower() and head.ent_type_ != "NORP":
        return None
    gap = text[phrase.end_char:head.idx]
    if "\n " in gap or "   " in gap:
        return None
    if any(t.lower_ in NOT_COUNTED for t in doc[phrase.end:head.i]):
        return None  # "seven pct increase", "10 times cash flow"
    return head


def _looks_like_year(text: str) -> bool:
    return text.isdigit() and len(text) == 4 and 1800 <= int(text) <= 2100


def _is_age(doc, head) -> bool:
    """ "29-year-old", "29 years old": an age, not a duration."""
    nxt = doc[head.i + 1: head.i + 3]
    return any(t.lower_ == "old" for t in nxt)


def _overlaps(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(s < end and start < e for s, e in spans)
