"""Key values (money, percentages, counts, durations, times, dates) pulled out of text.

Everything is regex based and linear in the input; :func:`extract_values` never raises.

Conventions (``KeyValue.value`` / ``unit`` / ``normalized``):

* money: amount in units of the currency, unit an ISO code ("USD", "EUR", "GBP", ...);
  "$" and bare "380bn"/"5 million dollars" are taken as USD. normalized "3.8e+11 USD".
* percent: the number, unit "%" (or "pp" for percentage points, "bp" for basis points).
  Rate moves in words or fractions are percentage points ("a quarter of a percentage point",
  "half a percentage point", "1/4 percentage point", "quarter-point" -> 0.25 / 0.5 pp;
  "25-basis-point" -> 25 bp); basis points compare with percentage points (25 bp == 0.25 pp).
* count: the number, unit the counted noun as written, lower-cased ("9 million jobs" -> 9e6,
  "jobs"); comparisons use a singular form of the noun. Bare numbers get unit None. Number
  words count only when attached to a noun ("six companies", "a dozen states"). Equal counts
  of people match across nouns ("52 people" == "52 dead"; not "28 adults" / "28 children"),
  but a conflict needs the same noun.
* duration: the number, unit the singular time unit ("six-month" -> 6, "month"; "an hour" ->
  1, "hour"). Comparisons convert between units (18 months == 1.5 years).
* time: minutes after midnight, unit the canonical time zone or None ("5:01 p.m. ET" -> 1021,
  "ET", normalized "17:01 ET"); "noon" and "midnight" too.
* date: unit is the granularity. "year": value 1975, normalized "1975"; "month": value
  197511, "1975-11"; "day": value 20240105, "2024-01-05" (without a year value None and
  normalized "--01-05"); "decade": "1970s"; "weekday": value None, normalized "friday" or
  "friday evening"; "relative": value None, normalized phrase ("this week", "this year",
  "today", "recent months" -- kept because such time qualifiers matter to a check, but they
  never conflict with anything).

Qualifiers ("up to", "as much as", "at least") are kept out of spans. Overlapping matches are
resolved longest first; a number inside a money/percent/time/date/duration span is not emitted
again as a count.
"""

from __future__ import annotations

import calendar
import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from factcheck.models import KeyValue, ValueKind

logger = logging.getLogger(__name__)

__all__ = [
    "extract_values",
    "format_value",
    "parse_money",
    "values_conflict",
    "values_equal",
]

# --- shared pieces ---------------------------------------------------------------------------


def _num_re(before: str = "") -> str:
    """Regex for a digit number ("380", "1,200,000", "3.5") not preceded by a digit or ``before``.

    The pattern starts with a plain ``[0-9]`` (the look-behind comes after it) so the regex
    engine can skip ahead quickly; bounded lengths keep matching linear on hostile input such
    as a megabyte of digits.
    """
    return (
        rf"[0-9](?<![0-9{before}][0-9])"
        r"(?:[0-9]{0,2}(?:,[0-9]{3}){1,5}(?![0-9,])|[0-9]{0,14})"
        r"(?:\.[0-9]{1,10})?(?![0-9])"
    )


_NUM = _num_re()
_NUM_BARE = _num_re(r"\w$€£¥.,-")
_NUM_PCT = _num_re(r"\w.-")
_NUM_COUNT = _num_re(r"\w$€£¥₹.,:/-")
# Word-number patterns start with this look-ahead so most positions fail at once.
_WORD_LA = r"(?=[otfsenzadhOTFSENZADH])"
_ONES = "one|two|three|four|five|six|seven|eight|nine"
_TEENS = (
    "ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"
)
_TENS = "twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety"
_WORDNUM = (
    rf"(?i:\b(?:(?:{_TENS})(?:[-\s](?:{_ONES}))?|{_TEENS}|{_ONES}|zero|a\s+dozen|dozen"
    rf"|(?:a|one)\s+hundred)\b)"
)
_SCALE_WORD = r"(?i:thousand|million|billion|trillion)"
_SCALE_ABBR = r"(?:\s?(?:bn|bln|Bn|BN|mn|mln|tn|trn)|[kKmMbBtT])(?![\w-])"

_SCALES = {
    "hundred": 1e2,
    "thousand": 1e3,
    "million": 1e6,
    "billion": 1e9,
    "trillion": 1e12,
    "k": 1e3,
    "m": 1e6,
    "mn": 1e6,
    "mln": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "bln": 1e9,
    "t": 1e12,
    "tn": 1e12,
    "trn": 1e12,
}
_WORD_VALUES = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "dozen": 12,
    "hundred": 100,
}

_CURRENCY_SYMBOLS = {
    "US$": "USD",
    "$": "USD",
    "AU$": "AUD",
    "A$": "AUD",
    "CA$": "CAD",
    "C$": "CAD",
    "NZ$": "NZD",
    "HK$": "HKD",
    "S$": "SGD",
    "R$": "BRL",
    "€": "EUR",
    "£": "GBP",
    "¥": "JPY",
    "₹": "INR",
    "₩": "KRW",
}
_CURRENCY_CODES = ("USD", "EUR", "GBP", "JPY", "CNY", "CAD", "AUD", "CHF", "INR")
_CURRENCY_WORDS = {
    "dollar": "USD",
    "dollars": "USD",
    "us dollars": "USD",
    "u.s. dollars": "USD",
    "euro": "EUR",
    "euros": "EUR",
    "yen": "JPY",
    "yuan": "CNY",
    "rupees": "INR",
    "pounds sterling": "GBP",
}
DEFAULT_CURRENCY = "USD"

_CUR_PREFIX = (
    r"(?:US\$|AU\$|A\$|CA\$|C\$|NZ\$|HK\$|S\$|R\$|\$|€|£|¥|₹|₩|"
    r"(?:" + "|".join(_CURRENCY_CODES) + r")(?<![A-Za-z][A-Z]{3})(?![A-Za-z]))"
)
_CUR_WORD = (
    r"(?:(?i:(?:US|U\.S\.)\s+)?(?i:dollars?|euros?|yen|yuan|rupees|pounds\s+sterling)\b"
    r"|(?:" + "|".join(_CURRENCY_CODES) + r")\b)"
)

_TZ = {
    "ET": "ET",
    "EST": "ET",
    "EDT": "ET",
    "EASTERN": "ET",
    "PT": "PT",
    "PST": "PT",
    "PDT": "PT",
    "PACIFIC": "PT",
    "CT": "CT",
    "CST": "CT",
    "CDT": "CT",
    "CENTRAL": "CT",
    "MT": "MT",
    "MST": "MT",
    "MDT": "MT",
    "MOUNTAIN": "MT",
    "UTC": "UTC",
    "GMT": "UTC",
    "BST": "BST",
    "CET": "CET",
    "CEST": "CET",
}
_TZ_RE = (
    r"(?:\s(?P<tz>ET|EST|EDT|PT|PST|PDT|CT|CST|CDT|MT|MST|MDT|UTC|GMT|BST|CET|CEST"
    r"|Eastern|Pacific|Central|Mountain)(?:\s+[Tt]ime)?\b)?"
)
_AMPM = r"(?P<ap>(?i:[ap]\.m\.|[ap]\.m\b|[ap]m\b))"

_MONTHS = {
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_MONTH_RE = (
    r"(?P<mon>January|February|March|April|May|June|July|August|September|October|November"
    r"|December|Sept|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\b\.?"
)
_DAY_RE = r"(?P<day>3[01]|[12][0-9]|0?[1-9])(?:st|nd|rd|th)?(?![0-9])"
_YEAR_RE = r"(?P<year>1[0-9]{3}|20[0-9]{2})(?![0-9])"
_WEEKDAYS = r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"

_DURATION_UNITS = {
    "second": 1.0,
    "minute": 60.0,
    "hour": 3600.0,
    "day": 86400.0,
    "week": 7 * 86400.0,
    "fortnight": 14 * 86400.0,
    "month": 30.4375 * 86400.0,
    "quarter": 3 * 30.4375 * 86400.0,
    "year": 365.25 * 86400.0,
    "decade": 3652.5 * 86400.0,
    "century": 36525.0 * 86400.0,
}

# Words that cannot be the counted noun after a number.
_NOT_NOUN = frozenset(
    """a an the this that these those each every all any some no its their his her our your my
    of in on at to for from by with about as into over under after before between per than
    through during since until up down out off against among across via like including and or
    but nor so yet if when while because whether which who whom whose what where he she it
    they we i you me him them us is are was were be been being am has have had do does did
    will would shall should can could may might must said says say told added noted rose fell
    less fewer else too also only just even still ago later earlier percent pct times more
    other new additional following previous next last first""".split()
)
_MODIFIERS = (
    r"(?:other|more|new|additional|major|big|small|large|top|different|separate|leading"
    r"|[A-Z]{2,5})"
)
_IRREGULAR_PLURALS = frozenset(
    "people men women children feet staff troops police personnel mice geese teeth".split()
)

_IRREGULAR_SINGULARS = {
    "people": "person",
    "men": "man",
    "women": "woman",
    "children": "child",
    "feet": "foot",
    "mice": "mouse",
    "geese": "goose",
    "teeth": "tooth",
    "troops": "troop",
}


@dataclass
class _Cand:
    kind: ValueKind
    start: int
    end: int
    value: float | None
    unit: str | None
    normalized: str
    prio: int


def _fmt(v: float) -> str:
    """Canonical number text: 6 significant digits, ``3.8e+11``, ``12.5``, ``200``."""
    if v == 0:
        return "0"
    return f"{v:.6g}"


def _num(s: str) -> float:
    return float(s.replace(",", ""))


def _word_num(s: str) -> float | None:
    """Value of a number written in words ("twenty-five", "a dozen", "one hundred")."""
    total = 0.0
    got = False
    for w in re.split(r"[\s-]+", s.lower()):
        if w == "a":
            continue
        if w == "hundred":
            total = (total or 1) * 100
            got = True
        elif w in _WORD_VALUES:
            total += _WORD_VALUES[w]
            got = True
        else:
            return None
    return total if got else None


def _g(m: re.Match[str], name: str) -> str | None:
    """The text of group ``name`` of ``m``, or None when unmatched or not in the pattern."""
    return m.group(name) if name in m.re.groupindex else None


def _number_value(num: str | None, word: str | None) -> float | None:
    if num:
        return _num(num)
    if word:
        return _word_num(word)
    return None


def _scale(sw: str | None, sa: str | None) -> float:
    key = (sw or sa or "").strip().lower()
    return _SCALES.get(key, 1.0)


def _singular(noun: str) -> str:
    """A crude singular form used to compare count units ("companies" -> "company")."""
    n = noun.lower()
    if n in _IRREGULAR_SINGULARS:
        return _IRREGULAR_SINGULARS[n]
    if n in _IRREGULAR_PLURALS:
        return n
    if len(n) > 4 and n.endswith("ies"):
        return n[:-3] + "y"
    if len(n) > 4 and n.endswith(("ches", "shes", "sses", "xes")):
        return n[:-2]
    if len(n) > 3 and n.endswith("s") and not n.endswith(("ss", "us", "is")):
        return n[:-1]
    return n


_NEXT_WORD_RE = re.compile(r"\s+([A-Za-z][A-Za-z'-]*)")


def _next_word(text: str, pos: int) -> str:
    m = _NEXT_WORD_RE.match(text, pos)
    return m.group(1) if m else ""


def _is_plural_noun(w: str) -> bool:
    lw = w.lower()
    if not w or not w[0].islower() or lw in _NOT_NOUN:
        return False
    if lw in _IRREGULAR_PLURALS:
        return True
    return len(lw) > 2 and lw.endswith("s") and not lw.endswith(("ss", "us", "is"))


# --- handlers: one regex each, returning a candidate or None ---------------------------------

Handler = Callable[[re.Match[str], str], "_Cand | None"]


def _money_prefix(m: re.Match[str], text: str) -> _Cand | None:
    cur_text = m.group("cur").strip()
    cur = _CURRENCY_SYMBOLS.get(cur_text) or cur_text.upper()
    value = _num(m.group("num")) * _scale(m.group("sw"), m.group("sa"))
    return _Cand(ValueKind.money, m.start(), m.end(), value, cur, f"{_fmt(value)} {cur}", 0)


def _money_suffix(m: re.Match[str], text: str) -> _Cand | None:
    base = _number_value(_g(m, "num"), _g(m, "wnum"))
    if base is None:
        return None
    value = base * _scale(m.group("sw"), m.group("sa"))
    word = re.sub(r"\s+", " ", m.group("cw").strip()).lower()
    cur = _CURRENCY_WORDS.get(word) or word.upper()
    if cur not in _CURRENCY_CODES and cur not in _CURRENCY_SYMBOLS.values():
        cur = DEFAULT_CURRENCY
    return _Cand(ValueKind.money, m.start(), m.end(), value, cur, f"{_fmt(value)} {cur}", 0)


_MONEY_NEXT_OK = frozenset(
    """in of a an the to for from at on and or but by with per worth revenue revenues sales
    deal deals investment investments valuation loss losses profit profits debt funding
    budget contract contracts round fund fine fines bailout package plan program settlement
    market cap capital spending cost costs""".split()
)


def _money_bare(m: re.Match[str], text: str) -> _Cand | None:
    nxt = _next_word(text, m.end())
    if nxt and nxt[0].islower() and nxt.lower() not in _MONEY_NEXT_OK:
        return None  # "70bn parameters": a count, handled there
    value = _num(m.group("num")) * _scale(None, m.group("sa"))
    cur = DEFAULT_CURRENCY
    return _Cand(ValueKind.money, m.start(), m.end(), value, cur, f"{_fmt(value)} {cur}", 1)


def _percent(m: re.Match[str], text: str) -> _Cand | None:
    value = _number_value(_g(m, "num"), _g(m, "wnum"))
    if value is None:
        return None
    unit = "pp" if m.group("pp") else "bp" if m.group("bp") else "%"
    return _Cand(ValueKind.percent, m.start(), m.end(), value, unit, f"{_fmt(value)} {unit}", 1)


_POINT_FRACTIONS = {"half": 0.5, "quarter": 0.25, "three quarters": 0.75}


def _point_fraction(m: re.Match[str], text: str) -> _Cand | None:
    """"a half-point cut", "a quarter-point rise", "a quarter of a percentage point", "1/4
    percentage point": percentage points, as rates are quoted."""
    if m.groupdict().get("den"):
        value = int(m.group("nom")) / int(m.group("den"))  # the pattern allows no zero
    else:
        value = _POINT_FRACTIONS[re.sub(r"[\s-]+", " ", m.group("f").lower())]
    return _Cand(ValueKind.percent, m.start(), m.end(), value, "pp", f"{_fmt(value)} pp", 1)


_SHARE_OF_RE = re.compile(r"\s+of\s+(?!an?\s+(?:year|century)\b)")


def _duration(m: re.Match[str], text: str) -> _Cand | None:
    unit = m.group("u").lower()
    unit = "century" if unit.startswith("centur") else unit.rstrip("s")
    if _g(m, "art"):
        if unit == "second":
            return None  # "a second company" is an ordinal
        if m.group("u").lower().endswith("s") and unit != "century":
            return None  # "a weeks-long fight" is not one week
        if unit == "quarter" and _SHARE_OF_RE.match(text, m.end()):
            return None  # "a quarter of the vote" is a share, not three months
        value: float | None = 1.0
    else:
        value = _number_value(_g(m, "num"), _g(m, "wnum"))
    if value is None:
        return None
    return _Cand(ValueKind.duration, m.start(), m.end(), value, unit, f"{_fmt(value)} {unit}", 3)


def _age(m: re.Match[str], text: str) -> _Cand | None:
    """"79-year-old", "six-month-old", "aged 62": a person's (or thing's) age."""
    value = _number_value(_g(m, "num"), _g(m, "wnum"))
    unit = (_g(m, "u") or "year").lower().rstrip("s")
    if value is None or (unit == "year" and value > 130):
        return None
    return _Cand(ValueKind.age, m.start(), m.end(), value, unit, f"{_fmt(value)} {unit}", 2)


_NOT_NAME_BEFORE_AGE = frozenset(
    """January February March April May June July August September October November December
    Jan Feb Mar Apr Jun Jul Aug Sep Sept Oct Nov Dec Monday Tuesday Wednesday Thursday Friday
    Saturday Sunday In On At By Of For From To And But Or The A An Since Until About Over
    Under Nearly Almost Some""".split()
)
_NAME_BEFORE_RE = re.compile(r"([A-Z][a-z'\u2019-]+)$")


def _age_after_name(m: re.Match[str], text: str) -> _Cand | None:
    """"Tanya Burwick, 62, of San Angelo": an age between commas right after a name."""
    prev = _NAME_BEFORE_RE.search(text, max(0, m.start() - 40), m.start())
    if prev is None or prev.group(1) in _NOT_NAME_BEFORE_AGE:
        return None
    value = float(m.group("num"))
    if not 0 < value <= 120:
        return None
    s, e = m.start("num"), m.end("num")
    return _Cand(ValueKind.age, s, e, value, "year", f"{_fmt(value)} year", 2)


def _time_common(h: int, mi: int, ap: str | None, tz: str | None, m: re.Match[str]) -> _Cand | None:
    if ap:
        if not 1 <= h <= 12:
            return None
        pm = ap.lower().startswith("p")
        h = (h % 12) + (12 if pm else 0)
    elif h > 24 or (h == 24 and mi):
        return None
    h %= 24
    tzc = _TZ.get(tz.upper()) if tz else None
    norm = f"{h:02d}:{mi:02d}" + (f" {tzc}" if tzc else "")
    return _Cand(ValueKind.time, m.start(), m.end(), float(h * 60 + mi), tzc, norm, 2)


def _time_colon(m: re.Match[str], text: str) -> _Cand | None:
    return _time_common(int(m.group("h")), int(m.group("mi")), m.group("ap"), m.group("tz"), m)


def _time_ampm(m: re.Match[str], text: str) -> _Cand | None:
    return _time_common(int(m.group("h")), 0, m.group("ap"), m.group("tz"), m)


def _time_word(m: re.Match[str], text: str) -> _Cand | None:
    h = 12 if m.group("w").lower() == "noon" else 0
    return _time_common(h, 0, None, m.group("tz"), m)


def _date_cand(
    m: re.Match[str], year: int | None, month: int | None, day: int | None, start: int | None = None
) -> _Cand | None:
    s = m.start() if start is None else start
    if month is not None and day is not None:
        last = calendar.monthrange(year or 2000, month)[1]
        if not 1 <= day <= last:
            return None
        if year is None:
            return _Cand(ValueKind.date, s, m.end(), None, "day", f"--{month:02d}-{day:02d}", 4)
        value = float(year * 10000 + month * 100 + day)
        return _Cand(
            ValueKind.date, s, m.end(), value, "day", f"{year:04d}-{month:02d}-{day:02d}", 4
        )
    if month is not None:
        if year is None:
            return _Cand(ValueKind.date, s, m.end(), None, "month", f"--{month:02d}", 4)
        value = float(year * 100 + month)
        return _Cand(ValueKind.date, s, m.end(), value, "month", f"{year:04d}-{month:02d}", 4)
    if year is not None:
        return _Cand(ValueKind.date, s, m.end(), float(year), "year", f"{year:04d}", 4)
    return None


def _gi(m: re.Match[str], name: str) -> int | None:
    g = m.group(name)
    return int(g) if g else None


def _date_mdy(m: re.Match[str], text: str) -> _Cand | None:
    mon = m.group("mon")
    return _date_cand(m, _gi(m, "year"), _MONTHS[mon.lower()], _gi(m, "day"))


def _date_dmy(m: re.Match[str], text: str) -> _Cand | None:
    return _date_cand(m, _gi(m, "year"), _MONTHS[m.group("mon").lower()], _gi(m, "day"))


def _date_my(m: re.Match[str], text: str) -> _Cand | None:
    return _date_cand(m, _gi(m, "year"), _MONTHS[m.group("mon").lower()], None)


_MONTH_PREPS = frozenset(
    """in since until by through last next this early late from of during before after mid
    mid-""".split()
)
_PREV_WORD_RE = re.compile(r"([A-Za-z]+-?)\s*$")


_MONTH_NAME_RE = re.compile(r"\b(?:January|February|March|April|May|June|July|August|September"
                            r"|October|November|December)\b")


def _date_month_only(m: re.Match[str], text: str) -> _Cand | None:
    prev = _PREV_WORD_RE.search(text, max(0, m.start() - 20), m.start())
    if prev is None:
        return None
    word = prev.group(1).lower()
    if word in ("and", "or", "to", "through"):
        # "in October and December": a month listed after another month
        if not _MONTH_NAME_RE.search(text, max(0, m.start() - 30), prev.start(1)):
            return None
    elif word not in _MONTH_PREPS:
        return None  # a bare "June" may well be a name
    return _date_cand(m, None, _MONTHS[m.group("mon").lower()], None)


def _date_iso(m: re.Match[str], text: str) -> _Cand | None:
    mon = int(m.group("mo"))
    if not 1 <= mon <= 12:
        return None
    return _date_cand(m, int(m.group("year")), mon, int(m.group("day")))


def _date_us_numeric(m: re.Match[str], text: str) -> _Cand | None:
    mon, day, yr = int(m.group("mo")), int(m.group("day")), m.group("yr")
    year = int(yr) if len(yr) == 4 else 2000 + int(yr)
    if not 1 <= mon <= 12:
        return None
    return _date_cand(m, year, mon, day)


def _date_year(m: re.Match[str], text: str) -> _Cand | None:
    if _is_plural_noun(_next_word(text, m.end())):
        return None  # "2000 people": a count
    return _date_cand(m, int(m.group("year")), None, None)


def _date_decade(m: re.Match[str], text: str) -> _Cand | None:
    y = int(m.group("dec"))
    return _Cand(ValueKind.date, m.start(), m.end(), float(y), "decade", f"{y}s", 4)


def _date_weekday(m: re.Match[str], text: str) -> _Cand | None:
    norm = m.group("wd").lower()
    if m.group("part"):
        norm += " " + m.group("part").lower()
    return _Cand(ValueKind.date, m.start(), m.end(), None, "weekday", norm, 4)


def _date_relative(m: re.Match[str], text: str) -> _Cand | None:
    if text.startswith(("'s", "\u2019s"), m.end()):
        return None  # "today's technology" is not a date
    norm = re.sub(r"\s+", " ", m.group(0).lower())
    return _Cand(ValueKind.date, m.start(), m.end(), None, "relative", norm, 5)


_MONEY_SUFFIX_TAIL = (
    rf"(?:[\s-]?(?P<sw>{_SCALE_WORD})\b|(?P<sa>{_SCALE_ABBR}))?\s+(?P<cw>{_CUR_WORD})"
)
_PERCENT_TAIL = (
    r"(?:\s?|-(?=[a-zA-Z]))(?:(?P<pp>(?i:percentage[\s-]+points?)\b)"
    r"|(?P<bp>(?i:basis[\s-]+points?|bps)\b)"
    r"|%|(?i:percent|per\s?cent|pct)\b)"
)
_DURATION_TAIL = (
    r"(?:\s+|-)(?P<u>(?i:seconds?|minutes?|hours?|days?|weeks?|fortnights?|months?"
    r"|quarters?|years?|decades?|century|centuries))\b"
)
_YEAR_BEFORE = r"\w$€£¥.,:/-"
_AGE_TAIL = r"(?:\s+|-)(?P<u>(?i:years?|months?|weeks?|days?))(?:\s+|-)old\b"

_PATTERNS: list[tuple[re.Pattern[str], Handler]] = [
    (
        re.compile(
            rf"(?P<cur>{_CUR_PREFIX})\s?(?P<num>{_NUM})"
            rf"(?:[\s-]?(?P<sw>{_SCALE_WORD})\b|(?P<sa>{_SCALE_ABBR}))?"
            rf"(?:\s+(?i:(?:US\s+|U\.S\.\s+)?dollars)\b)?"
        ),
        _money_prefix,
    ),
    (re.compile(rf"(?P<num>{_NUM}){_MONEY_SUFFIX_TAIL}"), _money_suffix),
    (
        re.compile(rf"(?P<num>{_NUM_BARE})(?P<sa>\s?(?:bn|bln|Bn|BN|tn|trn))\b"),
        _money_bare,
    ),
    (re.compile(rf"(?P<num>{_NUM_PCT}){_PERCENT_TAIL}"), _percent),
    (
        re.compile(
            r"(?<![\w-])(?P<f>(?i:half|quarter|three[- ]quarters))(?:\s+(?i:of\s+)?(?i:a)\b)?"
            r"[- ](?i:percentage[- ])?(?i:point)\b"
        ),
        _point_fraction,
    ),
    (
        re.compile(r"(?<![\w/.,-])(?P<nom>[1-9])/(?P<den>[1-9][0-9]?)[\s-](?i:of\s+an?\s+)?"
                   r"(?i:percentage[\s-]+points?)\b"),
        _point_fraction,
    ),
    (
        re.compile(
            r"(?P<h>[0-9](?<![\w:.][0-9])[0-9]?):(?P<mi>[0-5][0-9])(?::[0-5][0-9])?(?![0-9])"
            rf"(?:\s?{_AMPM})?{_TZ_RE}"
        ),
        _time_colon,
    ),
    (
        re.compile(rf"(?P<h>[0-9](?<![\w:.,][0-9])[0-9]?)\s?{_AMPM}{_TZ_RE}"),
        _time_ampm,
    ),
    (
        re.compile(rf"(?i:\b(?:12\s+)?(?P<w>noon|midnight)\b){_TZ_RE}"),
        _time_word,
    ),
    (re.compile(rf"(?P<num>{_NUM_PCT}){_AGE_TAIL}"), _age),
    (re.compile(rf"(?<=\baged\s)(?P<num>{_NUM_PCT})(?![0-9])"), _age),
    (re.compile(r"(?<=[A-Za-z]),\s(?P<num>[0-9]{1,3}),(?!\d)"), _age_after_name),
    (re.compile(rf"(?P<art>[aA](?<![\w.-][aA])[nN]?){_DURATION_TAIL}"), _duration),
    (re.compile(rf"(?P<num>{_NUM_PCT}){_DURATION_TAIL}"), _duration),
    (re.compile(rf"\b{_MONTH_RE}\s+{_DAY_RE}(?:,?\s+{_YEAR_RE})?"), _date_mdy),
    (
        re.compile(
            r"(?P<day>[0-9](?<![\w.,][0-9])[0-9]?)(?:st|nd|rd|th)?\s+(?:of\s+)?"
            rf"{_MONTH_RE}(?:,?\s+{_YEAR_RE})?"
        ),
        _date_dmy,
    ),
    (re.compile(rf"\b{_MONTH_RE},?\s+(?:of\s+)?{_YEAR_RE}"), _date_my),
    (
        re.compile(
            r"(?P<mon>January|February|April|June|July|August|September|October|November"
            r"|December)\b"
        ),
        _date_month_only,
    ),
    (
        re.compile(
            r"(?P<year>[0-9](?<![\w.-][0-9])[0-9]{3})-(?P<mo>[0-9]{2})-(?P<day>[0-9]{2})(?![\w-])"
        ),
        _date_iso,
    ),
    (
        re.compile(
            r"(?P<mo>[0-9](?<![\w./-][0-9])[0-9]?)/(?P<day>[0-9]{1,2})/(?P<yr>[0-9]{4}|[0-9]{2})"
            r"(?![\w/])"
        ),
        _date_us_numeric,
    ),
    (
        re.compile(
            rf"(?P<dec>(?:1(?<![{_YEAR_BEFORE}]1)[89]|2(?<![{_YEAR_BEFORE}]2)0)[0-9]0)s\b"
        ),
        _date_decade,
    ),
    (
        re.compile(
            rf"(?P<year>(?:1(?<![{_YEAR_BEFORE}]1)[89]|2(?<![{_YEAR_BEFORE}]2)0)[0-9]{{2}})"
            r"(?![\w%]|[.,][0-9])"
        ),
        _date_year,
    ),
    (
        re.compile(
            rf"\b(?P<wd>{_WEEKDAYS})\b(?:\s+(?P<part>morning|afternoon|evening|night))?"
        ),
        _date_weekday,
    ),
    (
        re.compile(
            r"(?=[tTlLnNpPcCyYrR])(?i:\b(?:(?:this|last|next|past|coming)\s+(?:week|weekend"
            r"|month|year|quarter|decade|spring|summer|fall|autumn|winter)|today|yesterday"
            r"|tomorrow|tonight|recent\s+(?:days|weeks|months|years))\b)"
        ),
        _date_relative,
    ),
]

# Patterns that start with a number word: tried only where _WORDNUM_FIND_RE found one.
_WORDNUM_FIND_RE = re.compile(rf"{_WORD_LA}(?<![\w.-]){_WORDNUM}")
_WORD_PATTERNS: list[tuple[re.Pattern[str], Handler]] = [
    (re.compile(rf"(?P<wnum>{_WORDNUM}){_MONEY_SUFFIX_TAIL}"), _money_suffix),
    (re.compile(rf"(?P<wnum>{_WORDNUM}){_PERCENT_TAIL}"), _percent),
    (re.compile(rf"(?P<wnum>{_WORDNUM}){_AGE_TAIL}"), _age),
    (re.compile(rf"(?P<wnum>{_WORDNUM}){_DURATION_TAIL}"), _duration),
]

_NOUN_TAIL = rf"(?P<mods>(?:\s+{_MODIFIERS}){{0,2}})\s+(?P<noun>[a-z][a-z'\u2019-]*[a-z])\b"
_COUNT_DIGIT_RE = re.compile(
    rf"(?P<num>{_NUM_COUNT})(?:\s?(?P<sw>{_SCALE_WORD}|hundred)\b"
    rf"|(?P<sa>\s?(?:bn|bln|mn|mln|tn|trn))\b)?(?![\w%]|[.,][0-9])(?:{_NOUN_TAIL})?"
)
_COUNT_WORD_RE = re.compile(
    rf"(?<![\w-])(?P<wnum>{_WORDNUM})(?:\s+(?P<sw>{_SCALE_WORD})\b)?{_NOUN_TAIL}"
)
_PREV_CAP_RE = re.compile(r"([A-Z][\w'\u2019-]*)\s+$")
_PARTITIVE_RE = re.compile(
    r"\s+of\s+(?:the|these|those|its|their|our|his|her)\s+([a-z][a-z'\u2019-]*[a-z])\b"
)
_DEATH_TOLL_RE = re.compile(r"\b(?i:death)\s+(?i:toll)\b[^.;!?\d]{0,30}$")
_QUANTIFIERS = frozenset(
    """about nearly almost around roughly some over under only just exactly approximately
    another more fewer less at least up to all""".split()
)
_ED_NOUNS = frozenset(
    "hundred hundreds bed beds seed seeds shed sheds red reds speed feed deceased injured wounded".split()
)


# verbs that follow a number as its subject ("nine saw only one more cut", "27 remain missing",
# "10 favor at least two more", "3 died"): not a counted noun
_SUBJECT_VERBS = frozenset(
    """saw see sees favor favors favour favours expect expects want wants think thinks believe
    believes predict predicts remain remains stay stays died die dies won lost took made came
    went got left became become""".split()
)


def _looks_like_verb(word: str) -> bool:
    w = word.lower()
    return (len(w) > 4 and w.endswith("ed") and w not in _ED_NOUNS) or w in _SUBJECT_VERBS


_VAGUE_NOUNS = frozenset(
    """side sides way ways thing things hand hands kind kinds sort sorts eye eyes end ends
    minds words cents""".split()
)


def _count(m: re.Match[str], text: str, *, words: bool) -> _Cand | None:
    base = _number_value(_g(m, "num"), _g(m, "wnum"))
    if base is None:
        return None
    value = base * _scale(m.group("sw"), _g(m, "sa"))
    noun = m.group("noun")
    end = m.end()
    if noun is not None and re.split(r"['\u2019-]", noun.lower())[0] in _NOT_NOUN:
        noun = None
    subject = False  # the number is the subject of a verb: "nine saw only one more cut"
    if noun is not None and _looks_like_verb(noun):
        noun, subject = None, True  # "and one projected a steeper path"
    if noun is not None and not _is_plural_noun(noun):
        head = _NEXT_WORD_RE.match(text, end)
        if head is not None and _is_plural_noun(head.group(1)) and not _looks_like_verb(head.group(1)):
            # "23 league goals", "two more rate cuts": counted as goals / cuts for a match, but
            # only "league goals" conflict with "league goals" (see _comparable)
            noun, end = f"{noun} {head.group(1)}", head.end(1)
    if noun is not None and noun.lower() in _VAGUE_NOUNS and words:
        return None  # "two sides", "both ways": not a quantity anyone checks
    if noun is None:
        num_end = m.end("sw") if m.group("sw") else m.end("sa") if _g(m, "sa") else m.end(
            "num" if _g(m, "num") else "wnum"
        )
        part = _PARTITIVE_RE.match(text, num_end)
        if part is not None and _is_plural_noun(part.group(1)):
            # "Forty-three of the deaths": a count of deaths, the span is the number
            value_unit = part.group(1).lower()
            norm = _fmt(value) + f" {_singular(value_unit)}"
            return _Cand(ValueKind.count, m.start(), num_end, value, value_unit, norm, 9)
        if words and not (subject and value >= 2):
            return None  # a number word counts when it names its noun, or is a verb's subject
        if _DEATH_TOLL_RE.search(text, max(0, m.start() - 50), m.start()):
            # "the death toll jumped to 52": a count of deaths
            return _Cand(ValueKind.count, m.start(), num_end, value, "deaths", f"{_fmt(value)} death", 9)
        end = num_end
        # "Claude 3", "Section 230": a name, not a count (unless a sentence opens with a
        # quantifier such as "About 230.")
        prev = _PREV_CAP_RE.search(text, max(0, m.start() - 40), m.start())
        if prev is not None:
            before = text[max(0, prev.start(1) - 40) : prev.start(1)].rstrip()
            if before and before[-1] not in '.!?"\u201c(':
                return None
            if prev.group(1).lower() not in _QUANTIFIERS:
                return None
    unit = noun.lower() if noun else None
    key = _singular(unit) if unit else None
    norm = _fmt(value) + (f" {key}" if key else "")
    return _Cand(ValueKind.count, m.start(), end, value, unit, norm, 9)


def _add(cands: list[_Cand], handler: Handler, m: re.Match[str] | None, text: str) -> None:
    if m is None:
        return
    try:
        c = handler(m, text)
    except (ValueError, OverflowError, KeyError, IndexError):
        return
    if c is None or c.end <= c.start:
        return
    if c.value is not None and not math.isfinite(c.value):
        return
    cands.append(c)


def _collect(text: str, word_starts: list[int]) -> list[_Cand]:
    """Candidates of every kind but counts (which only fill the gaps left by these)."""
    cands: list[_Cand] = []
    for rx, handler in _PATTERNS:
        for m in rx.finditer(text):
            _add(cands, handler, m, text)
    for rx, handler in _WORD_PATTERNS:
        for pos in word_starts:
            _add(cands, handler, rx.match(text, pos), text)
    return cands


def _count_digit(m: re.Match[str], text: str) -> _Cand | None:
    return _count(m, text, words=False)


def _count_word(m: re.Match[str], text: str) -> _Cand | None:
    return _count(m, text, words=True)


def _resolve(cands: list[_Cand], n: int, occ: bytearray) -> list[_Cand]:
    cands.sort(key=lambda c: (-(c.end - c.start), c.prio, c.start))
    kept: list[_Cand] = []
    for c in cands:
        if occ.find(1, c.start, c.end) != -1:
            continue
        occ[c.start : c.end] = b"\x01" * (c.end - c.start)
        kept.append(c)
    return kept


def extract_values(text: str, offset: int = 0) -> list[KeyValue]:
    """Find the key values in ``text``; spans are ``offset + `` positions in ``text``.

    So ``text[kv.start - offset : kv.end - offset] == kv.text``. Results are sorted by start
    and never overlap. See the module docstring for kinds, units and normalisation. Never
    raises (on internal failure it logs and returns what it has, possibly ``[]``).
    """
    if not isinstance(text, str) or not text:
        return []
    try:
        occ = bytearray(len(text))
        word_starts = [m.start() for m in _WORDNUM_FIND_RE.finditer(text)]
        kept = _resolve(_collect(text, word_starts), len(text), occ)
        counts: list[_Cand] = []
        for m in _COUNT_DIGIT_RE.finditer(text):
            _add(counts, _count_digit, m, text)
        for pos in word_starts:
            _add(counts, _count_word, _COUNT_WORD_RE.match(text, pos), text)
        kept += _resolve(counts, len(text), occ)
        kept.sort(key=lambda c: c.start)
        return [
            KeyValue(
                kind=c.kind,
                text=text[c.start : c.end],
                start=offset + c.start,
                end=offset + c.end,
                value=c.value,
                unit=c.unit,
                normalized=c.normalized,
            )
            for c in kept
        ]
    except Exception:  # pragma: no cover - defensive: extraction must never break a pipeline
        logger.exception("value extraction failed on a %d-character text", len(text))
        return []


_SCALE_NAMES = ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"))


def _human_number(v: float) -> str:
    """68100000000 -> "68.1 billion", 12500 -> "12,500", 3.5 -> "3.5" (what a reader writes)."""
    for scale, name in _SCALE_NAMES:
        if abs(v) >= scale:
            return f"{v / scale:.6g} {name}"
    if float(v).is_integer():
        return f"{int(v):,}"
    return f"{v:,.10g}"


def format_value(
    kind: ValueKind | str | None, value: float | None, unit: str | None, normalized: str = ""
) -> str:
    """A key value as a person writes it, for exports: "68.1 billion USD", "12,500 jobs", "79 years".

    Percentages, dates and times (and values without a number) keep their ``normalized`` form
    ("12 %", "2024-01-05", "17:01 ET"). Never raises.
    """
    try:
        kind = ValueKind(kind) if kind is not None else None
        if value is None or kind in (ValueKind.date, ValueKind.time, ValueKind.percent, None):
            return normalized or ""  # "12 %", "2.5 pp", "2024-01-05", "17:01 ET" already read well
        number = _human_number(float(value))
        if kind in (ValueKind.duration, ValueKind.age) and unit:
            return f"{number} {unit}{'' if float(value) == 1 else 's'}"
        return f"{number} {unit}" if unit else number
    except (ValueError, TypeError, OverflowError):
        return normalized or ""


def parse_money(text: str) -> tuple[float, str] | None:
    """Parse a money string such as "$380 billion", "380bn", "€5m" into ``(amount, currency)``.

    A bare amount with a scale ("380bn", "380 billion") is taken as :data:`DEFAULT_CURRENCY`.
    Returns None when ``text`` holds no money amount.
    """
    if not isinstance(text, str):
        return None
    for kv in extract_values(text):
        if kv.kind == ValueKind.money and kv.value is not None and kv.unit:
            return kv.value, kv.unit
    m = re.compile(
        rf"^\s*(?P<num>{_NUM})\s?(?:(?P<sw>{_SCALE_WORD})|(?P<sa>bn|bln|mn|mln|tn|trn|[kKmMbBtT]))"
        r"\s*$"
    ).match(text)
    if m:
        try:
            return _num(m.group("num")) * _scale(m.group("sw"), m.group("sa")), DEFAULT_CURRENCY
        except (ValueError, OverflowError):
            return None
    return None


# --- comparisons -----------------------------------------------------------------------------


def _unit_key(kv: KeyValue) -> str | None:
    if kv.unit is None:
        return None
    if kv.kind == ValueKind.count:
        return _singular(kv.unit.split()[-1])  # the head noun: "league goals" -> "goal"
    if kv.kind == ValueKind.percent and kv.unit == "bp":
        return "pp"  # 25 basis points = 0.25 percentage point (see comparable_value)
    return kv.unit


# Counted nouns that name the same things, for *matches* only (a conflict still needs the same
# noun): "people" of no particular kind are any people ("850 people" = "850 individuals", "43
# people" = "43 children" when the number agrees), and the dead are people ("52 people" killed =
# "52 dead"); two particular kinds are not the same people ("28 adults" / "28 children"), nor
# the dead and a particular kind ("43 deaths" / "43 campers"). The injured and the missing are
# other measures than the toll and match only themselves.
_GENERIC_PEOPLE = frozenset("people person individual victim".split())
_DEAD_NOUNS = frozenset("dead death deceased fatality killed".split())
_PERSON_KINDS = frozenset(
    """resident child children adult girl boy camper minor student kid man men woman women
    passenger worker civilian patient teenager""".split()
)
_ANY_PEOPLE = _GENERIC_PEOPLE | _DEAD_NOUNS | _PERSON_KINDS


def _same_counted(a: KeyValue, b: KeyValue) -> bool:
    """Whether two counts count the same things, for a match (see the nouns above)."""
    ua, ub = _unit_key(a), _unit_key(b)
    if ua == ub:
        return True
    if ua is None or ub is None:
        return False
    if ua in _GENERIC_PEOPLE or ub in _GENERIC_PEOPLE:
        other = ub if ua in _GENERIC_PEOPLE else ua
        return other in _ANY_PEOPLE
    return ua in _DEAD_NOUNS and ub in _DEAD_NOUNS


def _comparable(a: KeyValue, b: KeyValue, *, strict: bool) -> bool:
    """Same kind and units that can be compared. ``strict`` (for conflicts) refuses unknowns."""
    if a.kind != b.kind:
        return False
    ua, ub = _unit_key(a), _unit_key(b)
    if a.kind == ValueKind.duration:
        return ua in _DURATION_UNITS and ub in _DURATION_UNITS
    if a.kind == ValueKind.time:
        return ua is None or ub is None or ua == ub
    if a.kind == ValueKind.count and not strict:
        return _same_counted(a, b)
    if a.kind == ValueKind.count:
        # a conflict needs the same counted thing, modifier and all: "23 league goals" is not
        # contradicted by "62 goals" (in all competitions)
        return ua is not None and ub is not None and _singular(a.unit or "") == _singular(b.unit or "")
    return ua == ub


def _exact_kind(kind: ValueKind) -> bool:
    return kind in (ValueKind.date, ValueKind.time)


def comparable_value(kv: KeyValue) -> float | None:
    """The number of ``kv`` in the unit values of its kind are compared in: durations in
    seconds, basis points as percentage points; otherwise ``kv.value``."""
    if kv.value is None:
        return None
    if kv.kind == ValueKind.duration and kv.unit in _DURATION_UNITS:
        return kv.value * _DURATION_UNITS[kv.unit]
    if kv.kind == ValueKind.percent and kv.unit == "bp":
        return kv.value / 100.0
    return kv.value


def values_equal(a: KeyValue, b: KeyValue, rel_tol: float = 0.005) -> bool:
    """True when ``a`` and ``b`` are the same kind, comparable units and equal values.

    Numbers are compared within ``rel_tol`` (dates and times exactly); durations are
    converted between units; values without a number (weekdays, relative dates) compare by
    ``normalized``.
    """
    try:
        if not _comparable(a, b, strict=False):
            return False
        va, vb = comparable_value(a), comparable_value(b)
        if va is not None and vb is not None:
            if _exact_kind(a.kind):
                return va == vb
            return math.isclose(va, vb, rel_tol=rel_tol, abs_tol=1e-12)
        if va is None and vb is None:
            return bool(a.normalized) and a.normalized == b.normalized
        return False
    except Exception:  # pragma: no cover - defensive
        logger.exception("values_equal failed")
        return False


def values_conflict(a: KeyValue, b: KeyValue, rel_tol: float = 0.005) -> bool:
    """True when ``a`` and ``b`` measure the same thing (kind, unit) but disagree in value.

    Only values with a number can conflict: weekdays and relative dates ("this week") never
    do, and counts need the same counted noun on both sides.
    """
    try:
        if not _comparable(a, b, strict=True):
            return False
        if comparable_value(a) is None or comparable_value(b) is None:
            return False
        return not values_equal(a, b, rel_tol=rel_tol)
    except Exception:  # pragma: no cover - defensive
        logger.exception("values_conflict failed")
        return False
