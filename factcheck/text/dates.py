"""When a text is from: the point in time a claim or an evidence page speaks of.

A number conflict is only a contradiction at the same point in time: the AfD's 94 seats of 2017
do not contradict its 152 of 2025, and a death toll of Sunday is not wrong on Monday. This module
places a document (an article or a source) in time from what it carries, most reliable first:

1. its ``published`` metadata (set on fetch from the page's HTML, or given in a manifest; a
   day, or only a year: "September 2025");
2. a full date in its URL path (``/2025/07/06/``, ``/2025-09-30/``);
3. a dateline: the first full date (day, month and year) near the start of its text
   ("September 17, 2025 – The FOMC ...", "Madrid, October 30, 2024: ...");
4. a year in its URL path or slug (``german-election-2021-results``) or in its title.

A sentence is placed by the years it states ("in the 2025 election"), leaving out years that
are only a reference point ("the highest since 1990").
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from factcheck.models import ValueKind
from factcheck.text.values import extract_values

log = logging.getLogger(__name__)

# Two reports more than this far apart are about different points in time: news figures (tolls,
# counts, rates, tallies) move within weeks, and a page published a month after a claim's
# article reports a later state, not the same one.
MAX_TIME_GAP_DAYS = 30
DATELINE_CHARS = 300  # a dateline sits in the first lines (title, byline, date)

_YEAR_RE = re.compile(r"(?<![\d.,])(?:19|20)\d\d(?![\d.,]*\d)")
# a year that is only a reference point, not the time the sentence speaks of
_REFERENCE_YEAR_RE = re.compile(r"\b(?:since|until|till|before|prior to)\s+(?:the\s+)?$", re.I)
_URL_DAY_RE = re.compile(r"(?<![\d])((?:19|20)\d\d)[/-](0[1-9]|1[0-2])[/-](0[1-9]|[12]\d|3[01])(?![\d])")
_URL_YEAR_RE = re.compile(r"(?:^|[/_.=-])((?:19|20)\d\d)(?=$|[/_.?&#=-])")


@dataclass(frozen=True)
class TimeRef:
    """A point in time known to the day (``day``) or only to the year (``years``: any of them).

    An empty TimeRef (no day, no years) means "looked, found nothing": the text cannot be
    placed in time.
    """

    day: date | None = None
    years: frozenset[int] = frozenset()

    @property
    def known(self) -> bool:
        """Whether anything places the text in time."""
        return self.day is not None or bool(self.years)

    def iso(self) -> str | None:
        """The day (``2025-02-27``), else the years (``2025``, ``2021/2025``); None when unknown."""
        if self.day is not None:
            return self.day.isoformat()
        return "/".join(str(y) for y in sorted(self.years)) or None

    def year_set(self) -> frozenset[int]:
        """The candidate years (the day's year when the day is known)."""
        return frozenset({self.day.year}) if self.day is not None else self.years


def same_time(a: TimeRef, b: TimeRef, max_gap_days: int = MAX_TIME_GAP_DAYS) -> bool | None:
    """Whether ``a`` and ``b`` can be the same point in time; None when either is unknown.

    Two days agree within ``max_gap_days``; otherwise the years must share one.
    """
    if not a.known or not b.known:
        return None
    if a.day is not None and b.day is not None:
        return abs((a.day - b.day).days) <= max_gap_days
    return bool(a.year_set() & b.year_set())


def sentence_years(sentence: str) -> frozenset[int]:
    """The years a sentence speaks of: the years it states, except reference points
    ("since 1990", "before 2020")."""
    out = set()
    for m in _YEAR_RE.finditer(sentence):
        if _REFERENCE_YEAR_RE.search(sentence[max(0, m.start() - 16) : m.start()]):
            continue
        out.add(int(m.group(0)))
    return frozenset(out)


def parse_day(value: str | date | None) -> date | None:
    """A ``published`` value (ISO 8601, RFC 2822, "March 1, 2025", ...) as a date; None when
    unreadable."""
    if value is None or isinstance(value, date):
        return value
    text = value.strip()
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    try:
        return parsedate_to_datetime(text).date()
    except (TypeError, ValueError, IndexError):
        pass
    return dateline(text)  # "March 1, 2025", "1 Mar 2025", ...


def _url_time(url: str | None) -> TimeRef:
    if not url:
        return TimeRef()
    parts = urlsplit(url)
    path = f"{parts.path}?{parts.query}" if parts.query else parts.path
    m = _URL_DAY_RE.search(path)
    if m:
        try:
            return TimeRef(day=date(int(m.group(1)), int(m.group(2)), int(m.group(3))))
        except ValueError:
            pass
    return TimeRef(years=frozenset(int(y) for y in _URL_YEAR_RE.findall(path)))


def dateline(text: str | None, chars: int = DATELINE_CHARS) -> date | None:
    """The first full date (with day and year) in the first ``chars`` characters of a text."""
    if not text:
        return None
    for v in extract_values(text[:chars]):
        if v.kind == ValueKind.date and v.unit == "day" and v.value is not None:
            n = int(v.value)
            try:
                return date(n // 10000, n // 100 % 100, n % 100)
            except ValueError:
                continue
    return None


def document_time(
    published: str | date | None = None,
    url: str | None = None,
    title: str | None = None,
    text: str | None = None,
) -> TimeRef:
    """When an article or a source is from (see the module docstring for the order); an empty
    TimeRef when nothing places it."""
    day = parse_day(published)
    if day is not None:
        return TimeRef(day=day)
    if isinstance(published, str) and sentence_years(published):
        return TimeRef(years=sentence_years(published))  # "2025", "September 2025"
    from_url = _url_time(url)
    if from_url.day is not None:
        return from_url
    day = dateline(text)
    if day is not None:
        return TimeRef(day=day)
    years = from_url.years | sentence_years(title or "")
    return TimeRef(years=frozenset(years))
