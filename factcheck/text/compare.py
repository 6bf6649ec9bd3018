"""Comparing the key values of a claim with those of a passage, in context.

A passage value equal to a claim value is a *match*; one of the same kind and unit but a
different number, said about the same thing (a content word near the two values agrees), is a
*conflict*.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from pydantic import BaseModel

from factcheck.models import KeyValue, ValueKind
from factcheck.text.tokens import FUNCTION_WORDS, NUMBER_WORDS, WORD_SPAN_RE, stem
from factcheck.text.values import values_conflict, values_equal

log = logging.getLogger(__name__)

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


def compare_values(
    claim_text: str,
    claim_offset: int,
    claim_values: Sequence[KeyValue],
    passage_text: str,
    passage_offset: int,
    passage_values: Sequence[KeyValue],
) -> tuple[list[ValueMatch], list[ValueMatch]]:
    """(matches, conflicts) between the values of a claim and of a passage.

    ``*_offset`` is where ``*_text`` starts in the frame of the values' offsets (so
    ``text[v.start - offset : v.end - offset] == v.text``). A claim value with an equal passage
    value is matched and never in conflict; a conflict needs the same kind and unit, a different
    number (:func:`factcheck.text.values.values_conflict`) and — except for counts, whose counted noun
    already names the quantity — a shared content word near both values. Relative dates ("this
    year") are never compared.
    """
    matches: list[ValueMatch] = []
    conflicts: list[ValueMatch] = []
    cvals = [c for c in claim_values if _numeric(c) or (c.normalized and c.unit != "relative")]
    pvals = list(passage_values)
    equal_p: set[int] = set()
    matched_c: set[int] = set()
    for ci, c in enumerate(cvals):
        for pi, p in enumerate(pvals):
            if values_equal(c, p):
                if ci not in matched_c:
                    matches.append(ValueMatch(claim=c, passage=p))
                matched_c.add(ci)
                equal_p.add(pi)
    for ci, c in enumerate(cvals):
        if ci in matched_c or not _numeric(c):
            continue
        c_ctx: list[str] | None = None
        for pi, p in enumerate(pvals):
            if pi in equal_p or not values_conflict(c, p):
                continue
            if c.kind != ValueKind.count:
                if c_ctx is None:
                    c_ctx = _context(claim_text, c.start - claim_offset, c.end - claim_offset)
                p_ctx = _context(passage_text, p.start - passage_offset, p.end - passage_offset)
                if not _same_subject(c_ctx, p_ctx):
                    continue
            conflicts.append(ValueMatch(claim=c, passage=p))
    return matches, conflicts


# -- suggestions -------------------------------------------------------------
