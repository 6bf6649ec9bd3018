"""Comparing the key values of a claim with those of a passage, in context.

A passage value equal to a claim value is a *match*; one of the same kind and unit but a
different number, said about the same thing, is a *conflict* (a possible contradiction). "The
same thing" is checked strictly, because a wrong flag sends a reviewer after a contradiction
that is not there (on real news pages most same-unit numbers are about something else):

* the same measure: a content word near the two values agrees ("turnout" / "turnout"), and for
  counts the counted noun is the same ("151 seats" / "152 seats");
* the same subject: the claim names someone or something (a capitalised name: "AfD",
  "Burnet County") and the passage sentence that holds the value names one of them too (a
  claim that names nothing raises no conflict);
* the same time: when the claim and the passage sentence both give years, one of them agrees
  (a passage about the 2021 election does not contradict a claim about 2025); a sentence
  without a year is placed by its document's date when the caller gives it (the claim's
  article, the passage's source: :mod:`factcheck.text.dates`), and then a passage from a page
  dated more than ``MAX_TIME_GAP_DAYS`` from the claim's article, or from an undated page, raises
  no conflict with a claim that can be placed in time;
* the subject of the value: the nearest name before it in its sentence (else after it) is the
  same on both sides ("CDU/CSU 208 seats" is not about the AfD's 151);
* not an increment: "one more cut" vs "two additional cuts" count from different baselines;
* not a bound: a hedged value ("at least 52", "nearly 82.5%", "beyond £450 million", "over the
  £400m mark") is not contradicted by another — except by a bound the other way that leaves no
  number between the two ("beyond £450 million" / "just shy of £450 million"); percentages
  differing by less than ``MIN_PERCENT_POINTS`` points are not flagged;
* not a superseded figure: a value the claim gives as an earlier count ("Earlier on Saturday the
  count stood at nine", "up from 43") is not contradicted by a later one;
* the same kind of quantity: when both values have a measure word next to them (the nearest of
  :data:`MEASURES` within ``MEASURE_WINDOW`` words), it is of the same kind — a valuation is
  not a funding round ("a $183 billion valuation" / "raised $100 billion in the round");
* the same order of magnitude: the two numbers are within a factor of ``MAX_CONFLICT_RATIO``
  (a refutation corrects a figure; "$45 billion" is another quantity than "$183 billion"),
  and dates conflict only within ``MAX_DATE_CONFLICT_DAYS`` of each other.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel

from factcheck.models import KeyValue, ValueKind
from factcheck.text.dates import TimeRef, same_time, sentence_years
from factcheck.text.tokens import FUNCTION_WORDS, NUMBER_WORDS, WORD_SPAN_RE, stem
from factcheck.text.values import comparable_value, values_conflict, values_equal

log = logging.getLogger(__name__)

MAX_CONFLICT_RATIO = 2.0
MAX_DATE_CONFLICT_DAYS = 7
MIN_PERCENT_POINTS = 0.5
_HEDGES = ("at least", "more than", "over", "about", "around", "nearly", "almost", "approximately",
           "roughly", "some", "up to", "fewer than", "less than", "under", "at most", "just shy of",
           "upwards of", "in excess of", "an estimated", "as many as", "close to")
# bounds: the value is a limit, not the figure ("beyond £450 million", "over the £400m mark")
_BOUNDS = ("beyond", "above", "below", "past", "surpass", "surpasses", "surpassed", "surpassing",
           "exceed", "exceeds", "exceeded", "exceeding", "top", "tops", "topped", "topping")
# a figure the sentence itself gives as superseded ("Earlier on Saturday the count stood at ...")
_SNAPSHOT_RE = re.compile(r"\b(?:earlier|initially|at first|previously|originally|at one point)\b", re.I)
_SUPERSEDED = ("up from", "down from", "revised from", "compared with", "compared to")
# which way a bound points: "beyond £450m" is a lower bound, "just shy of £450m" an upper one
_LOWER = frozenset(("at least", "more than", "over", "upwards of", "in excess of",
                    *(b for b in _BOUNDS if b != "below")))
_UPPER = frozenset(("fewer than", "less than", "under", "at most", "up to", "just shy of", "nearly",
                    "almost", "below"))
_INCLUSIVE = frozenset(("at least", "at most", "up to"))  # the bound itself is allowed
MEASURE_WINDOW = 4
# kinds of quantity named next to a money or percent value (word stems, see text.tokens.stem)
MEASURES = {
    "valuation": ("valuation", "valu", "value", "worth"),
    "funding": ("round", "rais", "raise", "fund", "investment", "invest", "financ", "financing"),
    "revenue": ("revenue", "sale", "turnover"),
    "profit": ("profit", "earning", "income", "loss"),
    "spending": ("spend", "spent", "budget", "outlay"),
    "debt": ("debt", "loan", "borrow", "borrowing"),
}
_MEASURE_OF = {w: kind for kind, words in MEASURES.items() for w in words}
_NAME_RE = re.compile(r"(?<![\w@#])(?:[A-Z][\w'’-]*[a-z][\w'’-]*|[A-Z]{2,})\b")
_INCREMENT_RE = re.compile(r"\b(?:more|additional|further|another|extra)\b", re.I)
_SENT_END = re.compile(r"[.!?]\s|\n")

# How much a shared value says about relevance (years and relative dates say little).
_VALUE_WEIGHT = {
    ValueKind.money: 1.0,
    ValueKind.percent: 1.0,
    ValueKind.count: 0.7,
    ValueKind.duration: 0.5,
    ValueKind.time: 0.5,
    ValueKind.date: 0.5,
}



def _related(a: str, b: str) -> bool:
    """Same stem, or one a prefix of the other ("valu" ~ "valuation")."""
    if a == b:
        return True
    short, long_ = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) >= 4 and long_.startswith(short):
        return True
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n >= 6


def _context(text: str, start: int, end: int, window: int = 5) -> list[str]:
    """Stemmed common nouns/verbs within ``window`` words either side of text[start:end].

    Function words, numbers and proper names (capitalised mid-sentence: "Anthropic") are left
    out: a shared name says the subject is the same, not the quantity.
    """
    words = [(m.start(), m.end(), m.group(0)) for m in WORD_SPAN_RE.finditer(text)]
    before = [w for w in words if w[1] <= start][-window:]
    after = [w for w in words if w[0] >= end][:window]
    out = []
    for s, _e, word in before + after:
        w = word.lower()
        if (w in FUNCTION_WORDS or w in NUMBER_WORDS or any(ch.isdigit() for ch in w)
                or len(w) < 3):
            continue
        if word[0].isupper() and text[max(0, s - 20) : s].rstrip()[-1:] not in ("", ".", "!", "?",
                                                                                 '"', "“"):
            continue
        out.append(stem(w))
    return out


def _same_subject(a_ctx: list[str], b_ctx: list[str]) -> bool:
    return any(_related(x, y) for x in a_ctx for y in b_ctx)


def names(text: str, openers: set[str] | None = None) -> set[str]:
    """Stems of the names in a text: capitalised words that are not function words, and
    acronyms ("AfD", "Burnet County", "SPD"). With ``openers``, the first word of a sentence
    counts only when its stem is in ``openers`` (names known from the other text)."""
    out = set()
    for m in _NAME_RE.finditer(text):
        word = m.group(0)
        w = word.lower().rstrip("'’s") if not word.isupper() else word.lower()
        if w in FUNCTION_WORDS or w in NUMBER_WORDS or len(w) < 2:
            continue
        before = text[max(0, m.start() - 3) : m.start()].rstrip()
        if (openers is not None and (not before or before[-1] in ".!?\"“\n")
                and not any(ch.isupper() for ch in word[1:]) and stem(w) not in openers):
            continue  # a sentence opener is a name only when known as one ("AfD" always is)
        out.add(stem(w))
    return out


def _sentence_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Offsets of the sentence of ``text`` around [start, end)."""
    a = 0
    for m in _SENT_END.finditer(text, 0, max(0, start)):
        a = m.end()
    m = _SENT_END.search(text, end)
    return a, m.start() + 1 if m else len(text)


def _sentence(text: str, start: int, end: int) -> str:
    """The sentence of ``text`` around [start, end)."""
    a, b = _sentence_span(text, start, end)
    return text[a:b]


def _measure(text: str, start: int, end: int) -> str | None:
    """The kind of quantity (:data:`MEASURES`) named nearest to the value at [start, end) in its
    sentence, within ``MEASURE_WINDOW`` words either side; None when none is named."""
    a, b = _sentence_span(text, start, end)
    words = [(m.start(), m.group(0).lower()) for m in WORD_SPAN_RE.finditer(text, a, b)]
    before = [w for s, w in words if s < start][-MEASURE_WINDOW:][::-1]
    after = [w for s, w in words if s >= end][:MEASURE_WINDOW]
    best: tuple[int, str] | None = None
    for side in (before, after):
        for dist, word in enumerate(side):
            kind = _MEASURE_OF.get(stem(word)) or _MEASURE_OF.get(word)
            if kind:
                if best is None or dist < best[0]:
                    best = (dist, kind)
                break
    return best[1] if best else None


def _subject(text: str, start: int, end: int) -> str | None:
    """Whom the value at [start, end) is said of: the stem of the nearest name before it in its
    sentence ("AfD with 152 seats", "The SPD will receive 121 seats"), else the nearest after
    it; None when the sentence names nothing."""
    sent_a = 0
    for m in _SENT_END.finditer(text, 0, max(0, start)):
        sent_a = m.end()
    m_end = _SENT_END.search(text, end)
    sent_b = m_end.start() if m_end else len(text)
    before: str | None = None
    after: str | None = None
    for m in _NAME_RE.finditer(text, sent_a, sent_b):
        one = names(m.group(0))  # this name alone (a wider slice could hold two: "CDU/CSU")
        if not one:
            continue
        if m.end() <= start:
            before = min(one)
        elif m.start() >= end and after is None:
            after = min(one)
    return before or after


def _day(v: float) -> date | None:
    """A date value (20250917 day, 202509 month) as its first day; None when unreadable."""
    try:
        n = int(v)
        if n > 10_000_000:
            return date(n // 10000, n // 100 % 100, n % 100)
        if n > 100_000:
            return date(n // 100, n % 100, 1)
    except ValueError:
        return None
    return None


def _close(c: KeyValue, p: KeyValue) -> bool:
    """The two numbers are near enough to be two statements of one quantity."""
    if c.kind == ValueKind.date:
        a, b = c.value, p.value
        if a is None or b is None:
            return False
        da, db = _day(a), _day(b)
        if da is None or db is None:
            return c.unit == "year" and abs(a - b) <= 1
        return abs((da - db).days) <= MAX_DATE_CONFLICT_DAYS
    a, b = comparable_value(c), comparable_value(p)  # "18 months" / "2 years", "25 bp" / "0.5 pp"
    if a is None or b is None or a <= 0 or b <= 0:
        return False
    return max(a, b) / min(a, b) <= MAX_CONFLICT_RATIO


# -- value comparison --------------------------------------------------------
class ValueMatch(BaseModel):
    """A claim value paired with a passage value (equal, or conflicting).

    ``claim`` offsets are into the claim's article (for a stored claim) or into the query text;
    ``passage`` offsets are into the *source* text, like the passage's own ``start``/``end``
    (highlight in the passage text at ``passage.start - suggestion.start``).
    """

    claim: KeyValue
    passage: KeyValue


def _numeric(kv: KeyValue) -> bool:
    return kv.value is not None and kv.kind in _VALUE_WEIGHT


def value_weight(kv: KeyValue) -> float:
    if kv.value is None:
        return 0.0 if kv.unit == "relative" else 0.2
    if kv.kind == ValueKind.date and kv.unit == "year":
        return 0.3
    return _VALUE_WEIGHT.get(kv.kind, 0.0)


class RejectedConflict(ValueMatch):
    """A claim value and a passage value of the same kind and unit that differ, but were not
    taken as a conflict; ``reason`` says which rule kept them apart (for error analysis)."""

    reason: str


@dataclass
class _Sides:
    """The two texts being compared, with what is worked out once per call."""

    claim_text: str
    claim_offset: int
    passage_text: str
    passage_offset: int
    claim_time: TimeRef | None
    passage_time: TimeRef | None
    _claim_names: set[str] | None = None

    def claim_names(self) -> set[str]:
        if self._claim_names is None:
            self._claim_names = names(self.claim_text)
        return self._claim_names

    def c_at(self, c: KeyValue) -> tuple[int, int]:
        return c.start - self.claim_offset, c.end - self.claim_offset

    def p_at(self, p: KeyValue) -> tuple[int, int]:
        return p.start - self.passage_offset, p.end - self.passage_offset


def _bound(text: str, start: int) -> str | None:
    """The hedge, bound or "superseded" phrase right before the value at ``start`` ("at least",
    "beyond", "up from", ...); None for a plain figure."""
    before = re.sub(r"\s+", " ", text[max(0, start - 24) : start].lower()).rstrip(" $£€~")
    bare = re.sub(r"(?:\s+(?:the|a|an))+$", "", before)
    found = [h for b in (before, bare) for h in (*_HEDGES, *_BOUNDS, *_SUPERSEDED)
             if b.endswith(h) and (len(b) == len(h) or not b[-len(h) - 1].isalnum())]
    return max(found, key=len) if found else None


def _hedged(text: str, start: int) -> bool:
    """The value at ``start`` is given as a bound or an approximation ("at least 52", "beyond
    £450 million", "over the £400m mark") or as a superseded figure ("up from 43")."""
    return _bound(text, start) is not None


def _opposite_bounds(sides: _Sides, c: KeyValue, p: KeyValue) -> bool:
    """One value is a lower bound and the other an upper bound that leave no number between
    them: "beyond £450 million" / "just shy of £450 million", "more than 50" / "under 40".
    Two such statements cannot both be true of one quantity, whatever the exact figure."""
    if c.kind != p.kind or c.unit != p.unit or c.value is None or p.value is None:
        return False
    cb = _bound(sides.claim_text, sides.c_at(c)[0])
    pb = _bound(sides.passage_text, sides.p_at(p)[0])
    for lo, lo_b, hi, hi_b in ((c, cb, p, pb), (p, pb, c, cb)):
        if lo_b in _LOWER and hi_b in _UPPER:
            if values_equal(lo, hi):  # "at least 450" and "at most 450" both hold at 450
                return lo_b not in _INCLUSIVE or hi_b not in _INCLUSIVE
            return float(lo.value) > float(hi.value)  # type: ignore[arg-type]
    return False


def _time_reason(c_sent: str, p_sent: str, sides: _Sides) -> str | None:
    """Why the two sentences are not about the same point in time; None when they may be.

    Years stated in the sentences come first ("in 2025" / "in 2021"); a sentence without one
    is placed by its document (the claim's article, the passage's source: see
    :func:`factcheck.text.dates.document_time`). When the claim can be placed and the caller
    gave the source's time, a passage that cannot be placed at all raises no conflict: an
    undated page ("the SPD's 153 seats") may well be about another election.
    """
    cy, py = sentence_years(c_sent), sentence_years(p_sent)
    if cy and py:
        return None if cy & py else "another year"
    c_ref = TimeRef(years=cy) if cy else sides.claim_time
    if c_ref is None or not c_ref.known or sides.passage_time is None:
        return None
    same = same_time(c_ref, TimeRef(years=py) if py else sides.passage_time)
    if same is None:
        return "undated passage"
    return None if same else "another time"


def _why_not(sides: _Sides, c: KeyValue, p: KeyValue, bounds: bool) -> str | None:
    """The rule that keeps claim value ``c`` and passage value ``p`` (same kind and unit,
    different numbers, or opposite ``bounds``) from being a conflict; None for a conflict."""
    if not _close(c, p):
        return "another magnitude"
    if not sides.claim_names():
        return "claim names nothing"  # nothing says the two numbers are about one thing
    c_sent = _sentence(sides.claim_text, *sides.c_at(c))
    p_sent = _sentence(sides.passage_text, *sides.p_at(p))
    if not sides.claim_names() & names(p_sent, sides.claim_names()):
        return "another subject"  # the passage sentence is about someone or something else
    c_subj = _subject(sides.claim_text, *sides.c_at(c))
    p_subj = _subject(sides.passage_text, *sides.p_at(p))
    if c_subj and p_subj and not _related(c_subj, p_subj):
        return "said of another name"  # "CDU 208 seats, AfD 152"
    if _INCREMENT_RE.search(c.text) or _INCREMENT_RE.search(p.text):
        return "increment"  # "one more cut" / "two additional cuts": not totals
    if not bounds and (_hedged(sides.claim_text, sides.c_at(c)[0])
                       or _hedged(sides.passage_text, sides.p_at(p)[0])):
        bounds = _opposite_bounds(sides, c, p)  # "more than 50" / "under 40"
        if not bounds:
            return "bound or approximation"  # "at least 52" is not contradicted by "51"
    if _SNAPSHOT_RE.search(c_sent):
        return "superseded count"  # "Earlier on Saturday the count stood at nine"
    if (not bounds and c.kind == ValueKind.percent
            and abs((comparable_value(c) or 0) - (comparable_value(p) or 0)) < MIN_PERCENT_POINTS):
        return "rounding"  # 16.4% vs 16.5%: a rounding or a later count
    reason = _time_reason(c_sent, p_sent, sides)
    if reason:
        return reason
    if c.kind != ValueKind.count:
        c_ctx = _context(sides.claim_text, *sides.c_at(c))
        p_ctx = _context(sides.passage_text, *sides.p_at(p))
        if not _same_subject(c_ctx, p_ctx):
            return "another measure"  # no content word in common near the two values
        c_kind = _measure(sides.claim_text, *sides.c_at(c))
        p_kind = _measure(sides.passage_text, *sides.p_at(p))
        if c_kind and p_kind and c_kind != p_kind:
            return "another kind of quantity"  # a valuation is not a funding round
    return None


def compare_values(
    claim_text: str,
    claim_offset: int,
    claim_values: Sequence[KeyValue],
    passage_text: str,
    passage_offset: int,
    passage_values: Sequence[KeyValue],
    *,
    claim_time: TimeRef | None = None,
    passage_time: TimeRef | None = None,
    rejected: list[RejectedConflict] | None = None,
) -> tuple[list[ValueMatch], list[ValueMatch]]:
    """(matches, conflicts) between the values of a claim and of a passage.

    ``*_offset`` is where ``*_text`` starts in the frame of the values' offsets (so
    ``text[v.start - offset : v.end - offset] == v.text``). A claim value with an equal passage
    value is matched and never in conflict; a conflict needs the same kind and unit, a different
    number (:func:`factcheck.text.values.values_conflict`) and — except for counts, whose counted noun
    already names the quantity — a shared content word near both values. Relative dates ("this
    year") are never compared. Opposite bounds that leave no number between them ("beyond £450
    million" / "just shy of £450 million") conflict even with equal numbers.

    ``claim_time``: when the claim's article is from (:func:`factcheck.text.dates.document_time`);
    ``passage_time``: when the passage's source is from — an empty TimeRef when the source was
    looked at and carries no date. A claim sentence without a year is placed by ``claim_time``, a
    passage sentence without one by ``passage_time``; two that cannot be the same time (days more
    than ``MAX_TIME_GAP_DAYS`` apart, or no common year) do not conflict, and when the claim is
    placed but the passage cannot be, neither do they. Left out (None, the default), only years
    stated in both sentences are compared. ``rejected``: when given, each pair of the same kind
    and unit that differs but is not a conflict is appended with the rule that kept it out.
    """
    sides = _Sides(claim_text, claim_offset, passage_text, passage_offset, claim_time, passage_time)
    matches: list[ValueMatch] = []
    conflicts: list[ValueMatch] = []
    cvals = [c for c in claim_values if _numeric(c) or (c.normalized and c.unit != "relative")]
    pvals = list(passage_values)
    equal_p: set[int] = set()
    matched_c: set[int] = set()
    opposite: set[tuple[int, int]] = set()  # equal numbers, bounds the other way
    for ci, c in enumerate(cvals):
        for pi, p in enumerate(pvals):
            if values_equal(c, p):
                if _opposite_bounds(sides, c, p):
                    opposite.add((ci, pi))
                    continue
                if ci not in matched_c:
                    matches.append(ValueMatch(claim=c, passage=p))
                matched_c.add(ci)
                equal_p.add(pi)
    for ci, c in enumerate(cvals):
        if ci in matched_c or not _numeric(c):
            continue
        for pi, p in enumerate(pvals):
            if pi in equal_p:
                continue
            bounds = (ci, pi) in opposite
            if not bounds and not values_conflict(c, p):
                continue
            reason = _why_not(sides, c, p, bounds)
            if reason is None:
                conflicts.append(ValueMatch(claim=c, passage=p))
            elif rejected is not None:
                rejected.append(RejectedConflict(claim=c, passage=p, reason=reason))
                log.debug("no conflict %r / %r: %s", c.text, p.text, reason)
    return matches, conflicts


# -- suggestions -------------------------------------------------------------
