"""Quote and number checks of a claim against its evidence.

Evidence is the passages the reviewer linked to the claim, or — when none are linked yet — the
top suggested passages (:func:`factcheck.search.evidence.suggest`, ``SUGGESTED`` of them).

**Quote check.** Each quotation in the claim (quote marks paired across the claim's paragraph,
so a multi-sentence quote counts; at least ``MIN_QUOTE_WORDS`` words) is looked for in the full
text of each evidence source, word by word, ignoring case and punctuation:

* ``verbatim`` — the same words in the same order;
* ``altered`` — a close variant (difflib ratio >= ``ALTERED_RATIO`` over the aligned region),
  with a word diff: ``[-nut-]{+nuts+} jobs`` (``[-claim words-]{+source words+}``);
* ``not_found`` — nothing close in any evidence source.

**Number check.** Each key value of the claim is compared with the values in each evidence
passage (:func:`factcheck.text.compare.compare_values`): ``match`` (same quantity after
normalisation), ``mismatch`` (a different value for the same kind of quantity — e.g. claim
$380 billion vs source $350 billion valuation), or ``absent``. A mismatch also needs the same
point in time: the claim is placed by the years in its sentence, else by its article's date, a
passage by the years in its sentence, else by its source's date (published, URL, dateline,
title; :mod:`factcheck.text.dates`); a suggested source that nothing dates raises no mismatch
against a claim that is dated. A value's status is ``match``
if any passage matches, else ``mismatch`` if any conflicts, else ``absent``; every finding is
listed with spans, and every mismatch and altered quote is also a one-line ``flag`` (except a
mismatch from a source that also states the claimed value, or from a weak suggestion: see
:func:`_flags`).

Offsets: claim-side spans are into the claim's article text, source-side spans into the source
text (like passage ``start``/``end``).
"""

from __future__ import annotations

import difflib
import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import sqlalchemy as sa
from pydantic import BaseModel, Field

from factcheck.db.store import evidence_links, passages, sources
from factcheck.errors import InputError
from factcheck.models import Claim, ClaimType, KeyValue
from factcheck.search.evidence import Suggestion, source_times, suggest
from factcheck.text.compare import compare_values
from factcheck.text.dates import TimeRef, document_time
from factcheck.text.sentences import paragraph_span
from factcheck.text.speakers import quote_regions
from factcheck.text.values import extract_values

if TYPE_CHECKING:
    from factcheck.workspace import Workspace

log = logging.getLogger(__name__)

MIN_QUOTE_WORDS = 2
ALTERED_RATIO = 0.6
SUGGESTED = 5
FLAG_MIN_SCORE = 0.5

_WORD_RE = re.compile(r"[\w'’]+")


class EvidenceRef(BaseModel):
    """A passage the checks were run against."""

    passage_id: int
    source_id: str
    source_title: str | None = None
    source_url: str | None = None
    start: int
    end: int
    text: str
    linked: bool = Field(description="linked by a reviewer (else a suggestion)")
    stance: str | None = None
    score: float | None = Field(default=None, description="the suggestion's source score")
    source_date: str | None = Field(
        default=None, description="when the source is from, as the number check placed it: a day "
        "(2025-02-27) or year(s) (2025), from its published date, URL, dateline or title; None "
        "when nothing dates it")


class DiffOp(BaseModel):
    """One step of a word diff: claim words vs source words."""

    op: Literal["equal", "replace", "delete", "insert"]
    claim: str = ""
    source: str = ""


class QuoteFinding(BaseModel):
    """The closest occurrence of a quote in one evidence source."""

    source_id: str
    source_title: str | None = None
    source_url: str | None = None
    passage_id: int | None = None
    status: Literal["verbatim", "altered", "not_found"]
    similarity: float
    start: int | None = Field(default=None, description="aligned region in the source text")
    end: int | None = None
    source_text: str | None = None
    diff: list[DiffOp] = Field(default_factory=list)
    diff_text: str = ""


class QuoteCheck(BaseModel):
    """One quotation of the claim and where (and how exactly) the evidence has it."""

    quote: str
    start: int = Field(description="offset of the quote in the claim's article text")
    end: int
    status: Literal["verbatim", "altered", "not_found"]
    best: QuoteFinding | None = None
    findings: list[QuoteFinding] = Field(default_factory=list)


class ValueFinding(BaseModel):
    """A passage value equal to (match) or conflicting with (mismatch) a claim value."""

    status: Literal["match", "mismatch"]
    passage_id: int
    source_id: str
    source_title: str | None = None
    passage_value: KeyValue = Field(description="offsets into the source text")


class NumberCheck(BaseModel):
    """One key value of the claim against the evidence."""

    claim_value: KeyValue
    status: Literal["match", "mismatch", "absent"]
    findings: list[ValueFinding] = Field(default_factory=list)


class CheckReport(BaseModel):
    """Quote and number checks of one claim."""

    claim_id: int | None = None
    text: str
    evidence_from: Literal["linked", "suggested", "none"]
    evidence: list[EvidenceRef] = Field(default_factory=list)
    quotes: list[QuoteCheck] = Field(default_factory=list)
    numbers: list[NumberCheck] = Field(default_factory=list)
    flags: list[str] = Field(default_factory=list, description="mismatches and altered quotes")


# -- word alignment ----------------------------------------------------------
def _words(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group(0).lower().replace("’", "'").strip("'"))
            for m in _WORD_RE.finditer(text)]


def _diff_text(ops: list[DiffOp]) -> str:
    parts = []
    for op in ops:
        if op.op == "equal":
            parts.append(op.claim)
        else:
            if op.claim:
                parts.append(f"[-{op.claim}-]")
            if op.source:
                parts.append(f"{{+{op.source}+}}")
    return " ".join(parts)


def find_quote(
    quote: str, source_text: str, source_words: list[tuple[int, int, str]] | None = None
) -> tuple[str, float, int | None, int | None, list[DiffOp]]:
    """Look for ``quote`` in ``source_text``: (status, similarity, start, end, word diff).

    Comparison is by words, ignoring case and punctuation. ``start``/``end`` is the aligned
    region in ``source_text`` (None when not found). ``source_words``: the source's words when
    the caller has them already (several quotes against one source are split once).
    """
    q = _words(quote)
    s = source_words if source_words is not None else _words(source_text)
    if not q or not s:
        return "not_found", 0.0, None, None, []
    qn = [w for *_, w in q]
    sn = [w for *_, w in s]
    m = len(qn)
    # verbatim: contiguous run of the same words
    first = qn[0]
    for j, w in enumerate(sn):
        if w == first and sn[j : j + m] == qn:
            return "verbatim", 1.0, s[j][0], s[j + m - 1][1], [
                DiffOp(op="equal", claim=quote[q[0][0] : q[-1][1]],
                       source=source_text[s[j][0] : s[j + m - 1][1]])
            ]
    # altered: best window around anchors (the rarest quote words)
    freq: dict[str, int] = {}
    for w in sn:
        freq[w] = freq.get(w, 0) + 1
    anchors = sorted({(freq.get(w, 0), i, w) for i, w in enumerate(qn) if freq.get(w, 0)})
    if not anchors:
        return "not_found", 0.0, None, None, []
    tried: set[int] = set()
    best: tuple[float, int, int] | None = None
    budget = 400
    for _, i, w in anchors[:8]:
        for j, sw in enumerate(sn):
            if sw != w:
                continue
            lo = max(0, j - i - 3)
            if lo in tried:
                continue
            tried.add(lo)
            hi = min(len(sn), j + (m - i) + 3)
            sm = difflib.SequenceMatcher(None, qn, sn[lo:hi], autojunk=False)
            blocks = [b for b in sm.get_matching_blocks() if b.size]
            if not blocks:
                continue
            a, b = lo + blocks[0].b, lo + blocks[-1].b + blocks[-1].size
            matched = sum(bl.size for bl in blocks)
            ratio = 2.0 * matched / (m + (b - a))
            if best is None or ratio > best[0]:
                best = (ratio, a, b)
            budget -= 1
            if budget <= 0:
                break
        if budget <= 0:
            break
    if best is None:
        return "not_found", 0.0, None, None, []
    ratio, a, b = best
    if ratio < ALTERED_RATIO:
        return "not_found", round(ratio, 3), None, None, []
    ops: list[DiffOp] = []
    sm = difflib.SequenceMatcher(None, qn, sn[a:b], autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        claim_part = quote[q[i1][0] : q[i2 - 1][1]] if i2 > i1 else ""
        src_part = source_text[s[a + j1][0] : s[a + j2 - 1][1]] if j2 > j1 else ""
        ops.append(DiffOp(op=tag, claim=claim_part, source=src_part))  # type: ignore[arg-type]
    return "altered", round(ratio, 3), s[a][0], s[b - 1][1], ops


# -- evidence ----------------------------------------------------------------
def _evidence(
    ws: Workspace, claim: Claim, suggested: Sequence[Suggestion] | None = None
) -> tuple[str, list[EvidenceRef]]:
    p, s, ln = passages, sources, evidence_links
    q = (
        sa.select(p.c.id, p.c.source_id, s.c.title, s.c.url, p.c.start, p.c.end, p.c.text,
                  ln.c.stance)
        .select_from(ln.join(p, p.c.id == ln.c.passage_id).join(s, s.c.id == p.c.source_id))
        .where(ln.c.claim_id == claim.id)
        .order_by(ln.c.id)
    )
    with ws.store.engine.connect() as conn:
        rows = conn.execute(q).all()
    if rows:
        return "linked", [
            EvidenceRef(passage_id=r[0], source_id=r[1], source_title=r[2], source_url=r[3],
                        start=r[4], end=r[5], text=r[6], linked=True, stance=r[7])
            for r in rows
        ]
    if suggested is None:
        sugg = suggest(ws, claim_id=claim.id, k=SUGGESTED)
    else:
        sugg = list(suggested)[:SUGGESTED]
    if not sugg:
        return "none", []
    return "suggested", [
        EvidenceRef(passage_id=x.passage_id, source_id=x.source_id, source_title=x.source_title,
                    source_url=x.source_url, start=x.start, end=x.end, text=x.text, linked=False,
                    score=x.score)
        for x in sugg
    ]


def _source_texts(ws: Workspace, ids: list[str]) -> dict[str, str]:
    with ws.store.engine.connect() as conn:
        q = sa.select(sources.c.id, sources.c.text).where(sources.c.id.in_(ids))
        return {r[0]: r[1] for r in conn.execute(q)}


def claim_quotes(article_text: str, claim: Claim) -> list[tuple[int, int]]:
    """Spans (article offsets) of the quotations inside a claim.

    Quote marks are paired over the claim's paragraph, so the part of a multi-sentence quote that
    falls inside the claim is found even when its marks are in other sentences. A claim of type
    ``quote`` without any marks is taken whole.
    """
    para = paragraph_span(article_text, claim.start)
    spans = []
    for a, b in quote_regions(article_text, *para):
        lo, hi = max(a, claim.start), min(b, claim.end)
        if hi > lo:
            chunk = article_text[lo:hi]
            left = len(chunk) - len(chunk.lstrip(" ,.;:!?—–-"))
            right = len(chunk.rstrip(" ,.;:!?—–-"))
            if right > left and len(_words(chunk[left:right])) >= MIN_QUOTE_WORDS:
                spans.append((lo + left, lo + right))
    if not spans and claim.type == ClaimType.quote:
        spans.append((claim.start, claim.end))
    return spans


# -- the checks --------------------------------------------------------------
def check_quotes(
    ws: Workspace, quotes: list[tuple[str, int, int]], evidence: list[EvidenceRef]
) -> list[QuoteCheck]:
    """Quote check of (quote text, start, end) items against the evidence sources."""
    if not quotes:
        return []
    order = list(dict.fromkeys(e.source_id for e in evidence))
    texts = _source_texts(ws, order)
    meta = {e.source_id: e for e in evidence}
    words = {sid: _words(text) for sid, text in texts.items()}  # once per source, not per quote
    out = []
    for quote, qs, qe in quotes:
        findings: list[QuoteFinding] = []
        for sid in order:
            text = texts.get(sid)
            if text is None:
                continue
            status, sim, a, b, ops = find_quote(quote, text, words[sid])
            if status == "not_found":
                continue
            pid = _passage_at(ws, sid, a, b, evidence)
            ev = meta[sid]
            findings.append(QuoteFinding(
                source_id=sid, source_title=ev.source_title, source_url=ev.source_url,
                passage_id=pid, status=status, similarity=sim, start=a, end=b,
                source_text=text[a:b] if a is not None else None, diff=ops,
                diff_text=_diff_text(ops),
            ))
        rank = {"verbatim": 0, "altered": 1}
        findings.sort(key=lambda f: (rank[f.status], -f.similarity))
        best = findings[0] if findings else None
        out.append(QuoteCheck(quote=quote, start=qs, end=qe,
                              status=best.status if best else "not_found", best=best,
                              findings=findings))
    return out


def _passage_at(ws: Workspace, source_id: str, a: int | None, b: int | None,
                evidence: list[EvidenceRef]) -> int | None:
    if a is None or b is None:
        return None
    for e in evidence:
        if e.source_id == source_id and e.start <= a and b <= e.end:
            return e.passage_id
    with ws.store.engine.connect() as conn:
        q = (
            sa.select(passages.c.id)
            .where(passages.c.source_id == source_id, passages.c.start <= a, passages.c.end >= b)
            .order_by(passages.c.index)
            .limit(1)
        )
        row = conn.execute(q).first()
        if row is None:
            q = (
                sa.select(passages.c.id)
                .where(passages.c.source_id == source_id, passages.c.start <= a,
                       passages.c.end > a)
                .order_by(passages.c.index)
                .limit(1)
            )
            row = conn.execute(q).first()
    return int(row[0]) if row else None


def _checkable(kv: KeyValue) -> bool:
    return not (kv.value is None and kv.unit == "relative") and bool(kv.value is not None
                                                                       or kv.normalized)


def _passage_time(ev: EvidenceRef, times: dict[str, TimeRef] | None) -> TimeRef | None:
    """The time to compare the claim's with for this evidence (None: do not compare documents).

    A page nothing dates raises no conflict with a dated claim when it is only a suggestion (it
    may be about another election or another year); a reviewer's link says the page is about
    the claim, so an undated linked page is compared by the years in its sentences only.
    """
    if times is None:
        return None
    t = times.get(ev.source_id)
    if t is None or (ev.linked and not t.known):
        return None
    return t


def check_numbers(
    text: str,
    offset: int,
    values: list[KeyValue],
    evidence: list[EvidenceRef],
    claim_time: TimeRef | None = None,
    times: dict[str, TimeRef] | None = None,
) -> list[NumberCheck]:
    """Number check of claim values (offsets in the ``offset`` frame) against evidence passages.

    ``claim_time``: when the claim's article is from; ``times``: when each evidence source is
    from (:func:`source_times`). With them, a passage about another time (or a suggested page
    that nothing dates, against a claim that is dated) raises no mismatch; see
    :func:`factcheck.text.compare.compare_values`.
    """
    checks = [NumberCheck(claim_value=v, status="absent") for v in values if _checkable(v)]
    if not checks:
        return []
    for ev in evidence:
        pvals = extract_values(ev.text, ev.start)
        matches, conflicts = compare_values(text, offset, [c.claim_value for c in checks],
                                            ev.text, ev.start, pvals, claim_time=claim_time,
                                            passage_time=_passage_time(ev, times))
        for status, pairs in (("match", matches), ("mismatch", conflicts)):
            for pair in pairs:
                for c in checks:
                    if c.claim_value == pair.claim:
                        c.findings.append(ValueFinding(
                            status=status, passage_id=ev.passage_id, source_id=ev.source_id,
                            source_title=ev.source_title, passage_value=pair.passage,
                        ))
                        break
    for c in checks:
        kinds = {f.status for f in c.findings}
        c.status = "match" if "match" in kinds else "mismatch" if "mismatch" in kinds else "absent"
    return checks


def _flags(quotes: list[QuoteCheck], numbers: list[NumberCheck],
           evidence: list[EvidenceRef] | None = None) -> list[str]:
    """One line per number mismatch and altered or missing quote.

    A mismatch is not flagged when the same source also states the claimed value (its other
    number is about something else), nor when it comes from a suggestion (not a reviewer's link)
    whose source score is below ``FLAG_MIN_SCORE`` (likely not about the claim at all).
    """
    weak = {e.passage_id for e in evidence or [] if not e.linked and (e.score or 0.0) < FLAG_MIN_SCORE}
    flags = []
    for n in numbers:
        stated = {f.source_id for f in n.findings if f.status == "match"}
        for f in n.findings:
            if f.status == "mismatch" and f.source_id not in stated and f.passage_id not in weak:
                flags.append(
                    f"number mismatch: claim says {n.claim_value.text!r}, "
                    f"{f.source_title or f.source_id} says {f.passage_value.text!r} "
                    f"(passage {f.passage_id})"
                )
    for q in quotes:
        if q.status == "not_found":
            flags.append(f"quote not found in the evidence: {q.quote[:80]!r}")
        for f in q.findings:
            if f.status == "altered":
                flags.append(f"quote differs in {f.source_title or f.source_id}: {f.diff_text}")
    return flags


def _dated(ws: Workspace, evidence: list[EvidenceRef]) -> dict[str, TimeRef]:
    """:func:`source_times` of the evidence sources, also noted on each evidence item."""
    times = source_times(ws, sorted({e.source_id for e in evidence})) if evidence else {}
    for e in evidence:
        t = times.get(e.source_id)
        e.source_date = t.iso() if t is not None else None
    return times


def check_claim(
    ws: Workspace, claim_id: int, suggested: Sequence[Suggestion] | None = None
) -> CheckReport:
    """Quote and number checks of a stored claim against its linked (else suggested) evidence.

    ``suggested``: the claim's suggestions when the caller already has them (the review page
    does), so that they are not searched for twice; the first ``SUGGESTED`` are used.
    Raises NotFoundError for an unknown claim id.
    """
    claim = ws.store.get_claim(int(claim_id))
    article = ws.store.get_article(claim.article_id)
    evidence_from, evidence = _evidence(ws, claim, suggested)
    quotes = [(article.text[a:b], a, b) for a, b in claim_quotes(article.text, claim)]
    qc = check_quotes(ws, quotes, evidence) if evidence else [
        QuoteCheck(quote=q, start=a, end=b, status="not_found") for q, a, b in quotes
    ]
    claim_time = document_time(article.published, article.url, article.title, article.text)
    times = _dated(ws, evidence)
    nc = check_numbers(claim.text, claim.start, list(claim.key_values), evidence, claim_time, times)
    return CheckReport(claim_id=claim.id, text=claim.text, evidence_from=evidence_from,
                       evidence=evidence, quotes=qc, numbers=nc, flags=_flags(qc, nc, evidence))


def check_text(ws: Workspace, text: str) -> CheckReport:
    """The same checks for free text (quotes paired in the text; evidence = suggestions)."""
    if not text.strip():
        raise InputError("empty text; give the claim text to check")
    sugg = suggest(ws, text=text, k=SUGGESTED)
    evidence = [
        EvidenceRef(passage_id=x.passage_id, source_id=x.source_id, source_title=x.source_title,
                    source_url=x.source_url, start=x.start, end=x.end, text=x.text, linked=False,
                    score=x.score)
        for x in sugg
    ]
    fake = Claim(article_id="", sentence_index=0, start=0, end=len(text), text=text)
    quotes = [(text[a:b], a, b) for a, b in claim_quotes(text, fake)]
    qc = check_quotes(ws, quotes, evidence) if evidence else [
        QuoteCheck(quote=q, start=a, end=b, status="not_found") for q, a, b in quotes
    ]
    nc = check_numbers(text, 0, extract_values(text), evidence, None, _dated(ws, evidence))
    return CheckReport(text=text, evidence_from="suggested" if evidence else "none",
                       evidence=evidence, quotes=qc, numbers=nc, flags=_flags(qc, nc, evidence))
