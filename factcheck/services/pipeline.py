"""The per-document work of extraction as one pure function over a batch, and its records.

Both engines call :func:`compute_documents`: the local engine in this process, the Ray engine in
an actor pool (:mod:`factcheck.services.ray_engine`). It reads nothing from and writes nothing to
the database (the embedding cache aside, when the workspace's embedder has a store). Its output,
:class:`Extracted`, is written by :class:`factcheck.db.bulk.BulkWriter` or to Parquet as one row
per document (:func:`to_record` / :func:`from_record`, schema :func:`arrow_schema`).

The Parquet schema is derived from the pydantic models: an article's fields, then
``sentences`` (list of Sentence fields without ``article_id``) and ``claims`` (list of Claim
fields as extraction produces them, each with its ``key_values`` and its embedding ``vector``),
plus ``error`` (the one-line error of a document that failed, else null), ``skipped`` (true for
a document already in the database: nothing was computed), ``model`` (the
embedding model the vectors came from) and ``format`` (:data:`PARQUET_FORMAT`).
"""

from __future__ import annotations

import logging
import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from factcheck.models import Article, Claim, KeyValue, Sentence
from factcheck.text.sentences import split_sentences, text_hash

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

    from factcheck.io.readers import Document
    from factcheck.workspace import Workspace

log = logging.getLogger(__name__)

PARQUET_FORMAT = 1
# Claim fields that extraction does not produce (set by the database or by review)
CLAIM_SKIP = ("id", "article_id", "status", "origin", "version", "created_at", "updated_at")
SENTENCE_SKIP = ("article_id",)


@dataclass
class Extracted:
    """One document's extraction, not yet stored: claims have no ids yet."""

    article: Article
    sentences: list[Sentence] = field(default_factory=list)
    claims: list[Claim] = field(default_factory=list)
    vectors: list[np.ndarray | None] = field(default_factory=list)  # one per claim
    error: str | None = None
    origin: str = ""


def compute_documents(
    ws: Workspace,
    docs: Sequence[Document],
    threshold: float,
    on_embedded: Callable[[int], None] | None = None,
) -> list[Extracted]:
    """Split, score, type and embed a batch of documents (one model pass for all their sentences).

    Every claim gets its vector: whole-sentence claims from the pass that scored them, compound
    parts (and all claims, when the scorer reads another model than the index) in one more call.
    Raises FactcheckError when the model fails (the whole batch failed).
    """
    import numpy as np

    from factcheck.services.extract import analyse, to_article
    split = [(doc, split_sentences(doc.text)) for doc in docs]
    texts = [doc.text[a:b] for doc, spans in split for a, b in spans]
    if texts:
        scores, vectors = ws.score_and_embed(texts, on_embedded)
    else:
        scores, vectors = np.zeros(0, dtype=np.float32), {}
    out: list[Extracted] = []
    at = 0
    for doc, spans in split:
        doc_scores, at = scores[at : at + len(spans)], at + len(spans)
        article = to_article(doc)
        sents, claims = analyse(article.id, article.text, None, threshold, spans=spans,
                                scores=doc_scores)
        out.append(Extracted(article=article, sentences=sents, claims=claims, origin=doc.origin))
    hashes = {text_hash(c.text): c.text for ex in out for c in ex.claims}
    missing = [t for h, t in hashes.items() if h not in vectors]
    if missing:
        vectors.update(zip((text_hash(t) for t in missing), ws.embedder.embed(missing)))
    for ex in out:
        ex.vectors = [vectors.get(text_hash(c.text)) for c in ex.claims]
    return out


# -- Parquet records ------------------------------------------------------------------------
def _arrow_type(annotation: Any, skip: Sequence[str] = ()) -> pa.DataType:
    import pyarrow as pa

    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if float in args:  # int | float: a number as float64 (the model makes whole ones ints again)
            return _arrow_type(float)
        return _arrow_type(args[0])
    if origin is list:
        return pa.list_(_arrow_type(typing.get_args(annotation)[0]))
    if isinstance(annotation, type):
        if issubclass(annotation, BaseModel):
            return pa.struct(_fields(annotation, skip))
        if issubclass(annotation, Enum) or annotation is str:
            return pa.string()
        if annotation is bool:
            return pa.bool_()
        if annotation is int:
            return pa.int64()
        if annotation is float:
            return pa.float64()
        if annotation is datetime:
            return pa.timestamp("us", tz="UTC")
    return pa.string()  # anything else (dicts): JSON text


def _fields(model: type[BaseModel], skip: Sequence[str] = ()) -> list[pa.Field]:
    import pyarrow as pa

    return [pa.field(name, _arrow_type(f.annotation)) for name, f in model.model_fields.items()
            if name not in skip]


def arrow_schema() -> pa.Schema:
    """The Parquet schema of extraction output: one row per document (see the module docstring)."""
    import pyarrow as pa

    claim = pa.struct(_fields(Claim, CLAIM_SKIP) + [pa.field("vector", pa.list_(pa.float32()))])
    return pa.schema(
        _fields(Article)
        + [
            pa.field("sentences", pa.list_(pa.struct(_fields(Sentence, SENTENCE_SKIP)))),
            pa.field("claims", pa.list_(claim)),
            pa.field("error", pa.string()),
            pa.field("skipped", pa.bool_()),
            pa.field("model", pa.string()),
            pa.field("format", pa.int32()),
        ]
    )


def _plain(model: BaseModel, skip: Sequence[str] = ()) -> dict[str, Any]:
    data = model.model_dump(mode="python", exclude=set(skip))
    for key, value in data.items():
        if isinstance(value, Enum):
            data[key] = value.value
    return data


def to_record(ex: Extracted, model: str) -> dict[str, Any]:
    """One document's extraction as a Parquet row (plain Python values)."""
    import numpy as np

    row = _plain(ex.article)
    row["sentences"] = [_plain(s, SENTENCE_SKIP) for s in ex.sentences]
    claims = []
    for c, v in zip(ex.claims, ex.vectors or [None] * len(ex.claims)):
        data = _plain(c, CLAIM_SKIP)
        data["key_values"] = [_plain(kv) for kv in c.key_values]
        data["vector"] = None if v is None else np.asarray(v, dtype=np.float32).tolist()
        claims.append(data)
    row.update(claims=claims, error=ex.error, skipped=False, model=model, format=PARQUET_FORMAT)
    return row


def error_record(origin: str, error: str) -> dict[str, Any]:
    """The row of a document that could not be read or extracted."""
    return {"id": "", "text": "", "origin": origin, "sentences": [], "claims": [], "error": error,
            "skipped": False, "model": None, "format": PARQUET_FORMAT}


def from_record(row: dict[str, Any]) -> Extracted:
    """The :class:`Extracted` of a Parquet row (inverse of :func:`to_record`)."""
    import numpy as np

    if row.get("error"):
        return Extracted(article=Article(id=row.get("id") or "", text=""), error=row["error"],
                         origin=row.get("origin") or "")
    fields = {k: row.get(k) for k in Article.model_fields if row.get(k) is not None}
    article = Article.model_validate(fields)
    sents = [Sentence(article_id=article.id, **s) for s in row.get("sentences") or []]
    claims: list[Claim] = []
    vectors: list[np.ndarray | None] = []
    for c in row.get("claims") or []:
        c = dict(c)
        vec = c.pop("vector", None)
        c["key_values"] = [KeyValue.model_validate(kv) for kv in c.get("key_values") or []]
        claims.append(Claim(article_id=article.id, **c))
        vectors.append(None if vec is None else np.asarray(vec, dtype=np.float32))
    return Extracted(article=article, sentences=sents, claims=claims, vectors=vectors,
                     origin=article.origin or "")


def estimate_documents(inputs: Sequence[str]) -> int | None:
    """How many documents these inputs hold, for a progress bar's ETA (None when unknown).

    A JSONL file counts its non-blank lines, a CSV file its lines less the header (a cell with
    line breaks makes this an over-estimate), a link or any other file one; folders are walked.
    Remote URIs and stdin make the total unknown.
    """
    from pathlib import Path

    from factcheck.io.readers import ARTICLE_SUFFIXES, expand_paths

    total = 0
    for item in inputs:
        if item.startswith(("http://", "https://")):
            total += 1
            continue
        if item == "-" or "://" in item:
            return None
        for p in expand_paths([item], ARTICLE_SUFFIXES):
            if not isinstance(p, Path):
                continue
            suffix = p.suffix.lower()
            if suffix in (".jsonl", ".ndjson", ".csv"):
                try:
                    with p.open("rb") as fh:
                        lines = sum(1 for line in fh if line.strip())
                except OSError:
                    lines = 1
                total += max(0, lines - 1) if suffix == ".csv" else lines
            else:
                total += 1
    return total
