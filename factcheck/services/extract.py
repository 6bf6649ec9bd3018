"""Article -> sentences -> check-worthy claims (typed, with key values and speakers).

Every sentence runs through the model once: that forward pass gives the hidden states the
check-worthiness scorer reads and the sentence embedding (cached by model + text hash) that the
claim index uses for claims that are whole sentences.

A sentence becomes a claim when its score reaches the threshold, or when it is a quotation with
an identified speaker (quotes are checked for accuracy whatever their content). Bylines, bare
subheads, photo captions, lines that report the reporting ("did not respond to a request for
comment") and a last sentence cut off mid-way by an excerpt are never claims unless ``min_score``
is 0, where every sentence is returned with its score so a corpus can be ranked. A compound
sentence may yield several claims (see :func:`factcheck.text.split_compound`).
"""

from __future__ import annotations

import bisect
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from factcheck.errors import FactcheckError, InputError
from factcheck.io.readers import Document
from factcheck.models import Article, Claim, ClaimType, Sentence
from factcheck.services.links import provenance, read_inputs
from factcheck.text.sentences import (
    END_PUNCT,
    cut_off_tail,
    is_heading_or_caption,
    paragraph_spans_at,
    split_compound,
    split_sentences,
)

if TYPE_CHECKING:
    import numpy as np

    from factcheck.workspace import Workspace

log = logging.getLogger(__name__)

_BYLINE = re.compile(
    r"(contributed (?:to )?(?:this|the) (?:report|story|article)|^(?:reporting|writing|editing)"
    r" by\b|^copyright\b|^©|all rights reserved|^(?:photo|image|video)(?: credit)?:|"
    r"^(?:read more|related|advertisement|sign up)\b)",
    re.IGNORECASE,
)
# lines that report the reporting, not the news: "X did not respond to a request for comment",
# "declined to comment", "This was reported by the Federal Election Commission" (only when the
# line states no number of its own)
_REPORTING = re.compile(
    r"(?:\b(?:did not|didn't|does not|doesn't|has not|hasn't|have not|haven't|could not|couldn't)"
    r"\s+(?:immediately\s+)?(?:respond|reply|return|answer)\w*\b.{0,80}?\b(?:request|requests|"
    r"message|messages|call|calls|e-?mails?|inquir(?:y|ies)|questions?)\b"
    r"|\b(?:declined|refused)\s+to\s+comment\b|\bcould\s+not\s+(?:immediately\s+)?be\s+reached\b"
    r"|\bdid\s+not\s+(?:immediately\s+)?(?:comment|respond)\b"
    r"|^(?:this|that|it|the\s+news)\s+(?:was|were|has\s+been|had\s+been)\s+(?:first\s+)?"
    r"(?:reported|announced|confirmed|stated)\s+(?:by|in|on)\b)",
    re.IGNORECASE,
)
_DIGIT = re.compile(r"\d")
# a byline that leads the first paragraph: "USA Today, by Jeanine Santucci, Joel Shannon, and Zac
# Anderson: A day after ..." -- the claim starts after it
_NAME = r"[A-Z][\w.'\u2019-]*(?:\s+[A-Z][\w.'\u2019-]*){0,3}"
_BYLINE_LEAD = re.compile(
    rf"(?:[A-Z][\w.&'\u2019-]*(?:\s+[A-Z][\w.&'\u2019-]*){{0,4}},\s+)?[Bb]y\s+{_NAME}"
    rf"(?:,\s+(?:and\s+)?{_NAME}|\s+and\s+{_NAME}){{0,9}}\s*:\s+"
)
MIN_QUOTE_WORDS = 3
# How many earlier sentences of its paragraph a quote without an attribution looks back through
# for one (bounded, so a paragraph of thousands of quoted sentences stays linear).
LOOKBACK = 20
# Sentences run through the model per call, across documents. Each call sorts its texts by length
# so batches carry little padding: on 2,000 ClaimBuster sentences one call of 2,000 took 10.6 s,
# four calls of 500 took 13.4 s (2 cores). Memory per call is the texts plus (n, 5, 384) floats.
EMBED_GROUP = 4096
GROUP_DOCS = 1024  # documents per group at most (many tiny documents)


def sentence_estimate(doc: Document) -> int:
    """About how many sentences a document has, without splitting it (for grouping)."""
    return doc.text.count("\n") + doc.text.count(". ") + 1


def group_full(sentences: int, documents: int) -> bool:
    """Whether a group of documents is ready for one model call (both engines group so)."""
    return sentences >= EMBED_GROUP or documents >= GROUP_DOCS


@dataclass
class ArticleResult:
    """What extraction did with one document."""

    origin: str
    article_id: str | None = None
    title: str | None = None
    sentences: int = 0
    claims: list[Claim] = field(default_factory=list)
    skipped: bool = False
    error: str | None = None
    vectors: dict[int, Any] = field(default_factory=dict, repr=False)  # claim id -> embedding

    @property
    def by_type(self) -> Counter:
        """Claim counts by type."""
        return Counter(c.type.value for c in self.claims)


def is_boilerplate(sentence: str, paragraph: str) -> bool:
    """Bylines, credits, bare subheads (a one-line paragraph with no end punctuation) and lines
    that report the reporting ("... did not respond to a request for comment", "This was reported
    by ...") when they state no number."""
    s = sentence.strip()
    if _BYLINE.search(s):
        return True
    if _REPORTING.search(s) and not _DIGIT.search(s):
        return True
    if s == paragraph.strip() and not s.endswith(END_PUNCT) and len(s.split()) <= 14:
        return True
    return False


def _quoted_words(start: int, end: int, regions: list[tuple[int, int]], text: str) -> int:
    from factcheck.text.speakers import regions_overlapping

    words = 0
    for a, b in regions_overlapping(regions, start, end):
        lo, hi = max(a, start), min(b, end)
        if hi > lo:
            words += len(text[lo:hi].split())
    return words


def analyse(
    article_id: str,
    text: str,
    scores_for: Callable[[list[str]], Sequence[float]] | None,
    min_score: float,
    *,
    spans: list[tuple[int, int]] | None = None,
    scores: Sequence[float] | None = None,
) -> tuple[list[Sentence], list[Claim]]:
    """Split, score and pick claims of one text (nothing is stored).

    ``scores_for(texts)`` gives each sentence's check-worthiness (``Workspace.sentence_scores``);
    a caller that has already split and scored the text passes ``spans`` and ``scores`` instead.
    """
    # numpy and the weights, speaker and value rules: imported when a text is analysed (a re-run
    # over stored files analyses nothing)
    from factcheck.ml.checkworthy import classify_type
    from factcheck.text.speakers import Attributor, quote_regions, regions_overlapping
    from factcheck.text.values import extract_values

    if spans is None:
        spans = split_sentences(text)
    texts = [text[s:e] for s, e in spans]
    if not spans:
        return [], []
    if scores is None:
        assert scores_for is not None, "give scores_for or scores"
        scores = scores_for(texts)
    scores = [float(x) for x in scores]
    sentences = [
        Sentence(article_id=article_id, index=i, start=s, end=e, text=t, score=round(sc, 4))
        for i, ((s, e), t, sc) in enumerate(zip(spans, texts, scores))
    ]
    paragraphs = paragraph_spans_at(text, (s for s, _ in spans))
    by_para: dict[tuple[int, int], list[int]] = {}
    for i, p in enumerate(paragraphs):
        by_para.setdefault(p, []).append(i)
    regions_by_para: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for p in paragraphs:
        if p not in regions_by_para:
            regions_by_para[p] = quote_regions(text, *p)
    attributor = Attributor(text)
    cut_off = len(sentences) - 1 if min_score > 0 and cut_off_tail(text, spans) else None
    region_speaker: dict[tuple[int, int], str] = {}
    claims: list[Claim] = []
    for i, sent in enumerate(sentences):
        para = paragraphs[i]
        regions = regions_by_para[para]
        mine = regions_overlapping(regions, sent.start, sent.end)
        speaker = attributor.attribution(sent.start, sent.end, regions)
        quoted = _quoted_words(sent.start, sent.end, regions, text)
        words = max(1, len(sent.text.split()))
        opens_with_quote = sent.text[:1] in "\"“„«"
        is_quote = quoted >= MIN_QUOTE_WORDS and (
            quoted / words >= 0.4 or quoted >= 8 or opens_with_quote
        )
        if is_quote and speaker is None:
            speaker = next((region_speaker[r] for r in mine if r in region_speaker), None)
        if is_quote and speaker is None:
            # the attribution may stand in the next sentence or any earlier one of the paragraph
            same_para = by_para[para]
            at = bisect.bisect_left(same_para, i)
            order = same_para[at + 1 : at + 2] + same_para[max(0, at - LOOKBACK) : at][::-1]
            for j in order:
                speaker = attributor.attribution(sentences[j].start, sentences[j].end, regions)
                if speaker:
                    break
        if speaker:
            for r in mine:
                region_speaker.setdefault(r, speaker)
        keep = sent.score >= min_score or (is_quote and speaker is not None)
        if min_score > 0 and (
            is_boilerplate(sent.text, sent.text if para == (sent.start, sent.end) else "")
            or is_heading_or_caption(text, sent.start, sent.end)
            or i == cut_off
        ):
            keep = False
        if not keep:
            continue
        lead = _BYLINE_LEAD.match(sent.text) if min_score > 0 else None
        body = sent.start + (lead.end() if lead else 0)
        for a, b in split_compound(text[body : sent.end], body):
            claim_text = text[a:b]
            values = extract_values(claim_text, a)
            ctype = classify_type(claim_text, values)
            part_quoted = _quoted_words(a, b, regions, text)
            if is_quote and part_quoted >= MIN_QUOTE_WORDS:
                ctype = ClaimType.quote
            elif ctype is ClaimType.quote and not is_quote:
                ctype = classify_type(claim_text.replace('"', "").replace("“", "").replace("”", ""),
                                      values)
            claims.append(
                Claim(
                    article_id=article_id,
                    sentence_index=i,
                    start=a,
                    end=b,
                    text=claim_text,
                    type=ctype,
                    score=sent.score,
                    speaker=speaker,
                    key_values=values,
                )
            )
    return sentences, claims


def to_article(doc: Document) -> Article:
    """An Article from an ingested document."""
    return Article(
        id=doc.content_id(),
        title=doc.title,
        url=doc.url,
        published=doc.published,
        text=doc.text,
        origin=doc.origin,
        **provenance(doc),
    )


def extract_document(
    ws: Workspace, doc: Document, *, min_score: float | None = None
) -> ArticleResult:
    """Extract and store one document (already-stored ids are skipped, nothing re-embedded)."""
    result = _extract_group(ws, [doc], min_score)[0]
    if not result.skipped and not result.error:
        ws.sync_index("claims", building=True, vectors=result.vectors)
    result.vectors = {}
    return result


def _stored(ws: Workspace, doc: Document) -> ArticleResult:
    article_id = doc.content_id()
    return ArticleResult(
        origin=doc.origin, article_id=article_id, title=doc.title, skipped=True,
        sentences=len(ws.store.get_sentences(article_id)),
        claims=ws.store.list_claims(article_id=article_id, include_dismissed=True),
    )


def _extract_group(
    ws: Workspace,
    docs: list[Document],
    min_score: float | None,
    on_embedded: Callable[[int], None] | None = None,
) -> list[ArticleResult]:
    """Extract a group of documents, forward: each is split once, all their sentences are scored
    and embedded in one model call, each document is saved, and the claims' vectors are kept for
    the index (``ArticleResult.vectors``). A document that fails is reported, the others go on.
    Documents already stored are answered from the database in one lookup for the whole group.
    """
    results: list[ArticleResult] = []
    todo: list[tuple[int, Document]] = []
    ids = [doc.content_id() for doc in docs]
    stored = ws.store.stored_extractions(ids)
    for doc, article_id in zip(docs, ids):
        if article_id in stored:
            count, claims = stored[article_id]
            results.append(ArticleResult(origin=doc.origin, article_id=article_id, title=doc.title,
                                         skipped=True, sentences=count, claims=claims))
        else:
            results.append(ArticleResult(origin=doc.origin, article_id=article_id, title=doc.title))
            todo.append((len(results) - 1, doc))
    if not todo:
        return results
    from factcheck.services.pipeline import compute_documents

    threshold = ws.min_score(min_score)
    try:
        computed = compute_documents(ws, [doc for _, doc in todo], threshold, on_embedded)
    except FactcheckError as e:
        for pos, doc in todo:
            results[pos].error = f"{doc.origin}: {e}"
        return results
    for (pos, doc), ex in zip(todo, computed):
        res = results[pos]
        try:
            if ws.store.has_article(res.article_id):  # stored by another process meanwhile
                results[pos] = _stored(ws, doc)
                continue
            res.sentences = len(ex.sentences)
            res.claims = ws.store.save_extraction(ex.article, ex.sentences, ex.claims)
            res.vectors = {int(c.id): v for c, v in zip(res.claims, ex.vectors)  # type: ignore[arg-type]
                           if v is not None}
        except FactcheckError as e:
            res.error = f"{doc.origin}: {e}"
    return results


def extract_paths(
    ws: Workspace,
    paths: Iterable[str],
    *,
    min_score: float | None = None,
    on_result: Callable[[ArticleResult], None] | None = None,
    on_embedded: Callable[[int], None] | None = None,
    allow_private: bool | None = None,
) -> list[ArticleResult]:
    """Extract every document under `paths` (files, folders, ``-`` and http(s) links, mixed);
    bad files and failing links are reported, the batch goes on.

    A link is fetched (:func:`factcheck.services.links.read_inputs`); its article's ``url`` is the
    final URL after redirects and it keeps the requested URL, fetch time and HTTP status.
    ``on_result`` gets each article's result, ``on_embedded(n)`` each model batch of n sentences.
    Documents are read in groups of about ``EMBED_GROUP`` sentences (full model batches across
    documents); the claim index gets the new claims' vectors once at the end.
    """
    items = read_inputs(ws, paths, allow_private=allow_private)
    return extract_documents(ws, items, min_score=min_score, on_result=on_result,
                             on_embedded=on_embedded)


def extract_documents(
    ws: Workspace,
    items: Iterable[Document | InputError],
    *,
    min_score: float | None = None,
    on_result: Callable[[ArticleResult], None] | None = None,
    on_embedded: Callable[[int], None] | None = None,
) -> list[ArticleResult]:
    """Extract documents (error items are reported as failed results), forward, in groups; the
    claim index is synced once at the end. :func:`extract_paths` and feed polling use it."""
    results: list[ArticleResult] = []
    group: list[Document | InputError] = []
    vectors: dict[int, np.ndarray] = {}
    sentences_in_group = 0

    def flush() -> None:
        docs = [item for item in group if isinstance(item, Document)]
        done = iter(_extract_group(ws, docs, min_score, on_embedded))
        for item in group:
            if isinstance(item, InputError):
                res = ArticleResult(origin=getattr(item, "url", None) or str(item).split(": ", 1)[0],
                                    error=str(item))
            else:
                res = next(done)
                vectors.update(res.vectors)
                res.vectors = {}
            results.append(res)
            if on_result:
                on_result(res)
        group.clear()

    for item in items:
        group.append(item)
        if isinstance(item, Document):
            sentences_in_group += sentence_estimate(item)
        if group_full(sentences_in_group, len(group)):
            flush()
            sentences_in_group = 0
    flush()
    if any(not r.skipped and not r.error for r in results):
        ws.sync_index("claims", building=True, vectors=vectors)
    return results


def claim_json(claim: Claim) -> dict:
    """The stable JSON shape of a claim (the `extract --json` contract)."""
    return {
        "article_id": claim.article_id,
        "claim_id": claim.id,
        "text": claim.text,
        "start": claim.start,
        "end": claim.end,
        "type": claim.type.value,
        "score": claim.score,
        "speaker": claim.speaker,
        "values": [
            {
                "kind": v.kind.value,
                "text": v.text,
                "start": v.start,
                "end": v.end,
                "value": v.value,
                "unit": v.unit,
            }
            for v in claim.key_values
        ],
    }
