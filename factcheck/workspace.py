"""The workspace: settings + database + embedder + FAISS indexes, the one service object.

The CLI builds one per command; the Streamlit app keeps one in ``st.cache_resource``.
Indexes are derived caches of the database: `sync_index` brings one up to date (incrementally
when only rows were added), `rebuild_index` rebuilds it from the database, and `open_index`
loads one for searching, refusing (or repairing, with ``repair=True``) a stale one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection

from factcheck.config import Settings
from factcheck.db.store import Store, index_kinds, index_source
from factcheck.errors import IndexStaleError
from factcheck.ml.embedder import Embedder, canonical_model_name

if TYPE_CHECKING:
    import numpy as np

    from factcheck.search.faiss_index import VectorIndex

log = logging.getLogger(__name__)


def _fidx() -> Any:
    """factcheck.search.faiss_index, imported on first use: a command that touches no index
    (a re-run of extract over stored articles) never imports faiss."""
    from factcheck.search import faiss_index

    return faiss_index


def fingerprint(rows: list[tuple[int, str]]) -> str:
    """:func:`factcheck.search.faiss_index.fingerprint` (imported lazily)."""
    return _fidx().fingerprint(rows)


def __getattr__(name: str) -> Any:
    if name == "HNSW_THRESHOLD":  # lazy, like faiss itself (tests and benches may set it here)
        return _fidx().HNSW_THRESHOLD
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

# Texts per embedder call when building an index: each call's vectors are committed to the cache
# (an interrupted build resumes there) and reported to the progress callback.
EMBED_STEP = 256

# Texts per model call when scoring: each call sorts its texts by length (little padding) and
# holds the scorer's states (4096 x 1 row x 384 floats = 6 MB for the branch; 31 MB for the
# format-2 scorer's 5 pooled layers).
SCORE_CHUNK = 4096

INDEX_KINDS = index_kinds()  # the built-in kinds; extensions may register more (db.store.register_index)
Progress = Callable[[int, int], None]


class Workspace:
    """Everything a command needs, created lazily (the model loads only when something is new)."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        store: Store | None = None,
        embedder: Embedder | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.store = store or Store(self.settings.url)
        self.embedder = embedder or Embedder(
            self.settings.model, self.store, batch_size=self.settings.batch_size,
            encoder=self.settings.encoder, cache_dir=self.settings.user_cache,
        )
        self._indexes: dict[str, tuple[str, VectorIndex]] = {}
        self._marks: dict[str, tuple[str, float]] = {}  # kind -> (watermark, when it was read)
        self._lock = threading.RLock()
        self._scorer: Any = None
        self._scoring_embedder: Embedder | None = None
        self._scores: dict[str, float] = {}  # text hash -> check-worthiness, this process only

    @property
    def index_dir(self) -> Path:
        """Folder holding the FAISS index directories."""
        return Path(self.settings.index_dir)

    @property
    def model_name(self) -> str:
        """Canonical embedding model name."""
        return self.embedder.model_name

    @property
    def encoder(self) -> str:
        """What runs the embedding model: ``torch`` or ``onnx-int8``."""
        return self.embedder.encoder

    @property
    def scorer(self) -> Any:
        """The check-worthiness model (loaded once)."""
        if self._scorer is None:
            from factcheck.services.train import load_scorer

            self._scorer = load_scorer(self.settings)  # the desk's adapted weights, if any
        return self._scorer

    def reset_scorer(self) -> None:
        """Forget the loaded scorer and its scores (after the weights changed)."""
        self._scorer = None
        self._scores.clear()

    def sentence_scores(
        self, texts: list[str], on_batch: Callable[[int], None] | None = None
    ) -> np.ndarray:
        """Check-worthiness of each text (see :meth:`score_and_embed`)."""
        return self.score_and_embed(texts, on_batch)[0]

    def score_and_embed(
        self, texts: list[str], on_batch: Callable[[int], None] | None = None
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Check-worthiness of each text, and the embeddings the same pass produced.

        One forward pass per new text feeds both the scorer (pooled hidden states) and the
        embedding cache (the sentence embedding the claim index uses). Returns the scores and
        ``{text hash: vector}`` for the texts embedded now by the index model (empty when the
        configured embedding model is not the one the scorer was trained on: the scorer's own
        model then scores, and the index model embeds only the claims, so scores stay calibrated
        whatever model the indexes use). Scores are remembered in memory; ``on_batch(n)`` reports
        each model batch (progress bars).
        """
        import numpy as np

        from factcheck.text.sentences import text_hash

        hashes = [text_hash(t) for t in texts]
        todo = {h: t for h, t in zip(hashes, texts) if h not in self._scores}
        if len(self._scores) + len(todo) > 200_000:  # bounded: a long-running app must not grow
            self._scores.clear()
        scorer, model = self.scorer, self.scoring_embedder
        items = list(todo.items())
        vectors: dict[str, np.ndarray] = {}
        for i in range(0, len(items), SCORE_CHUNK):  # bounded memory for hidden states
            part = items[i : i + SCORE_CHUNK]
            chunk = [t for _, t in part]
            if model is self.embedder:  # one pass: the embeddings are cached for the claim index
                vecs, states = model.embed_with_states(chunk, scorer.reads, on_batch)
                vectors.update((h, v) for (h, _), v in zip(part, vecs))
            else:  # the index model embeds only the claims
                _, states = model.encode_with_states(chunk, scorer.reads, on_batch)
            scores = scorer.score(chunk, states)
            self._scores.update((h, float(x)) for (h, _), x in zip(part, scores))
        return np.array([self._scores[h] for h in hashes], dtype=np.float32), vectors

    @property
    def scoring_embedder(self) -> Embedder:
        """The model the check-worthiness weights read (the index model when they match)."""
        name = canonical_model_name(self.scorer.model_name)
        if name == self.embedder.model_name:
            return self.embedder
        if self._scoring_embedder is None:
            log.info("scoring check-worthiness with %s (the indexes use %s)", name, self.model_name)
            own_loader = self.embedder._loader if self.embedder.encoder == "torch" else None
            self._scoring_embedder = Embedder(
                name, None, batch_size=self.embedder.batch_size, loader=own_loader,
                encoder=self.embedder.encoder, cache_dir=self.settings.user_cache,
            )
        return self._scoring_embedder

    def min_score(self, override: float | None = None) -> float:
        """Claim threshold: the override (`--min-score`, or the threshold of `--mode`), else
        FACTCHECK_MIN_SCORE, else the threshold of FACTCHECK_MODE (default ``thorough``, the
        trained recall-leaning threshold)."""
        if override is not None:
            return override
        if self.settings.min_score is not None:
            return self.settings.min_score
        from factcheck.ml.checkworthy import mode_threshold

        return mode_threshold(self.settings.mode)

    # -- freshness: one policy for indexes, search state and the app's memos ----
    def mark(self, kind: str) -> str:
        """The watermark of a kind (claims, passages, archive, verdicts) as this process knows it.

        The one freshness policy: everything derived from the rows of a kind -- its FAISS index,
        the BM25 over it, the match corpus, the app's memoised results -- is keyed by this mark.
        It is re-read from the database (one aggregate query) at most every ``recheck_s`` seconds
        of the kind (db.store.INDEX_SOURCES: claims and archive every time, passages every 2 s,
        verdicts every 2 minutes); a write through this workspace re-reads it at once
        (:meth:`changed`, :meth:`write`, every index sync). Rows another process adds are seen
        within that delay.
        """
        now = time.monotonic()
        with self._lock:
            known = self._marks.get(kind)
            if known is not None and now - known[1] < index_source(kind).recheck_s:
                return known[0]
        return self._read_mark(kind)

    def _read_mark(self, kind: str) -> str:
        mark = self.store.watermark(kind)
        with self._lock:
            self._marks[kind] = (mark, time.monotonic())
        return mark

    def changed(self, *kinds: str) -> None:
        """Say that this process just wrote rows of `kinds`: the next :meth:`mark` re-reads them."""
        with self._lock:
            for kind in kinds:
                self._marks.pop(kind, None)

    @contextmanager
    def write(self, *kinds: str) -> Iterator[Connection]:
        """A write transaction over rows of `kinds`; once it commits, :meth:`changed` (own writes
        are seen at once, whatever the recheck delay)."""
        try:
            with self.store.begin() as conn:
                yield conn
        finally:
            self.changed(*kinds)

    # -- indexes ------------------------------------------------------------
    def _batch_size(self, kind: str) -> int | None:
        """The model batch size for an index kind (source passages: ``passage_batch_size``)."""
        return self.settings.passage_batch_size if kind == "passages" else None

    def _vectors(
        self, texts: list[str], progress: Progress | None = None, batch_size: int | None = None
    ) -> np.ndarray:
        """Embeddings of ``texts`` (in their order), ``EMBED_STEP`` texts per embedder call.

        Each call caches its vectors (committed), so an interrupted build keeps what it finished
        and the next sync embeds only the rest. The texts go through the model longest first
        across the calls (as one ``SentenceTransformer.encode`` call would sort them), so
        batches hold texts of similar length whatever the step: little padding.
        """
        import numpy as np

        n = len(texts)
        if not n:
            return np.zeros((0, 0), np.float32)
        order = sorted(range(n), key=lambda i: -len(texts[i]))
        out: np.ndarray | None = None
        for a in range(0, n, EMBED_STEP):
            part = order[a : a + EMBED_STEP]
            vecs = self.embedder.embed([texts[i] for i in part], batch_size=batch_size)
            if out is None:
                out = np.empty((n, vecs.shape[1]), np.float32)
            out[part] = vecs
            if progress:
                progress(a + len(part), n)
        assert out is not None
        return out

    def rebuild_index(
        self, kind: str, progress: Progress | None = None, *, known: dict[int, np.ndarray] | None = None
    ) -> VectorIndex:
        """Rebuild one index from the database (embeddings come from the cache when present).

        ``known`` (row id -> embedding) are vectors the caller has in hand: used as they are.
        """
        import numpy as np

        known = known or {}
        with self._lock:
            mark = self._read_mark(kind)  # before the rows: a later change shows as a new mark
            rows = self.store.index_rows(kind)
            vecs = self._vectors([t for i, t in rows if i not in known], progress, self._batch_size(kind))
            if known and rows:
                computed = iter(vecs)
                vecs = np.vstack([known[i] if i in known else next(computed) for i, _ in rows])
            idx = _fidx().VectorIndex.build(
                self.index_dir, kind, self.model_name, [i for i, _ in rows], vecs, fingerprint(rows),
                encoder=self.encoder,
            )
            if not rows:
                idx.dimension = 0
            idx.save()
            self._indexes[kind] = (mark, idx)
            log.info("rebuilt index %s: %d vectors", kind, idx.count)
            return idx

    def sync_index(
        self, kind: str, progress: Progress | None = None, *, building: bool = False,
        vectors: dict[int, np.ndarray] | None = None,
    ) -> VectorIndex:
        """Bring an index up to date with the database: add new rows, else rebuild.

        ``building=True`` (extract, sources add, archive import) says the caller just added the
        rows: a missing index is then the first build, logged as information, not a warning.
        ``vectors`` (row id -> embedding) are what the caller just computed for its new rows:
        they go straight into the index instead of being read back from the cache.
        """
        return self._sync(kind, progress, building=building, vectors=vectors)[0]

    def _sync(
        self, kind: str, progress: Progress | None = None, *, building: bool = False,
        vectors: dict[int, np.ndarray] | None = None,
    ) -> tuple[VectorIndex, str]:
        """sync_index, also saying what it did: "ok", "updated" (rows added) or "rebuilt"."""
        with self._lock:
            mark = self._read_mark(kind)  # before the rows: a later change shows as a new mark
            rows = self.store.index_rows(kind)
            fp = fingerprint(rows)
            try:
                idx: VectorIndex | None = _fidx().VectorIndex.load(self.index_dir, kind)
            except IndexStaleError as e:
                first_build = building and not (self.index_dir / kind).exists()
                if rows:
                    (log.info if first_build else log.warning)(
                        "%s; rebuilding it from the database", str(e).split(":", 1)[0]
                    )
                idx = None
            same = idx is not None and (idx.model, idx.encoder) == (self.model_name, self.encoder)
            if idx is not None and not same:
                log.warning("index %r was built with model %r (%s encoder); rebuilding it with %r (%s)",
                            kind, idx.model, idx.encoder, self.model_name, self.encoder)
            if idx is not None and same:
                if idx.fingerprint == fp:
                    self._indexes[kind] = (mark, idx)
                    return idx, "ok"
                if self._update_in_place(kind, idx, rows, fp, progress, vectors or {}):
                    self._indexes[kind] = (mark, idx)
                    return idx, "updated"
        return self.rebuild_index(kind, progress, known=vectors), "rebuilt"

    def _update_in_place(
        self, kind: str, idx: VectorIndex, rows: list[tuple[int, str]], fp: str,
        progress: Progress | None, known: dict[int, np.ndarray],
    ) -> bool:
        """Bring `idx` to `rows` by adding new rows and removing gone ones, if that is safe.

        Safe when every row the index holds still has the text it was embedded from: the
        index's fingerprint must equal the fingerprint of its kept rows plus the removed rows
        as the database still has them (a dismissed claim keeps its text). Otherwise, or when
        the index would cross into HNSW, or HNSW tombstones would pile up: False (rebuild).
        """
        import numpy as np

        have = set(idx.ids().tolist())
        db_ids = {i for i, _ in rows}
        gone = have - db_ids
        threshold = globals().get("HNSW_THRESHOLD") or _fidx().HNSW_THRESHOLD
        if idx.kind == "flat" and len(rows) > threshold:
            return False
        before = [r for r in rows if r[0] in have]
        if gone:
            if not idx.can_remove(list(gone)):
                return False
            old = self.store.index_rows_by_id(kind, gone)
            if len(old) != len(gone):  # rows deleted outright: their texts are unknown
                return False
            before = sorted(before + old)
        if fingerprint(before) != idx.fingerprint:
            return False
        new = [r for r in rows if r[0] not in have]
        if not idx.can_add([i for i, _ in new]):
            return False  # a tombstoned id is back (e.g. a claim restored): rebuild
        vecs = self._vectors([t for i, t in new if i not in known], progress, self._batch_size(kind))
        if known and new:
            computed = iter(vecs)
            vecs = np.vstack([known[i] if i in known else next(computed) for i, _ in new])
        idx.remove(sorted(gone), fp)
        idx.add([i for i, _ in new], vecs, fp)
        idx.save()
        log.info("index %s: added %d vectors, removed %d", kind, len(new), len(gone))
        return True

    def ensure_indexes(
        self, progress: Callable[[str, int, int], None] | None = None
    ) -> list[dict[str, Any]]:
        """Startup check: make every index match the database (the app and CLI call this on start).

        Each index manifest is compared with the database (model and fingerprint of the rows);
        a current index is just loaded, one with only new rows is updated incrementally, and a
        stale, missing, corrupt or other-model index is rebuilt from the database (embeddings come
        from the cache). `progress(kind, done, total)` reports embedding progress. Returns one row
        per index: ``{"index", "action": "ok"|"updated"|"rebuilt", "count", "problem"}`` where
        `problem` is what was wrong before (None when it was fine).
        """
        report = []
        for kind in index_kinds():
            problem = None
            with self._lock:
                mark = self._read_mark(kind)
                rows = self.store.index_rows(kind)
                try:
                    idx = _fidx().VectorIndex.load(self.index_dir, kind)
                    problem = idx.check(self.model_name, None, fingerprint(rows), self.encoder)
                except IndexStaleError as e:
                    problem = str(e)
                if problem is None:
                    self._indexes[kind] = (mark, idx)
                    report.append({"index": kind, "action": "ok", "count": idx.count, "problem": None})
                    continue
            log.info("%s", problem)
            step = None if progress is None else (lambda done, total, k=kind: progress(k, done, total))
            idx, action = self._sync(kind, step)
            report.append({"index": kind, "action": action, "count": idx.count, "problem": problem})
        return report

    def open_index(self, kind: str, *, repair: bool = False) -> VectorIndex:
        """The index for searching; stale/missing raises IndexStaleError unless `repair`."""
        with self._lock:
            mark = self.mark(kind)
            cached = self._indexes.get(kind)
            if cached and cached[0] == mark:
                return cached[1]
            if repair:
                return self.sync_index(kind)
            idx = _fidx().VectorIndex.load(self.index_dir, kind)
            problem = idx.check(self.model_name, None, fingerprint(self.store.index_rows(kind)), self.encoder)
            if problem:
                raise IndexStaleError(problem)
            self._indexes[kind] = (mark, idx)
            return idx

    def index_status(self) -> list[dict[str, Any]]:
        """One row per index: name, count, kind, model, encoder (what built it), and ok or what is
        wrong (an index built by another encoder than the configured one is reported stale)."""
        out = []
        for kind in index_kinds():
            rows = self.store.index_rows(kind)
            row: dict[str, Any] = {"index": kind, "rows": len(rows)}
            try:
                idx = _fidx().VectorIndex.load(self.index_dir, kind)
                row.update(count=idx.count, kind=idx.kind, model=idx.model, encoder=idx.encoder)
                row["problem"] = idx.check(self.model_name, None, fingerprint(rows), self.encoder)
            except IndexStaleError as e:
                row.update(count=0, kind=None, model=None, encoder=None, problem=str(e))
            if row["problem"] and not rows and row.get("count", 0) == 0:
                row["problem"] = None if "missing" in str(row["problem"]) else row["problem"]
            row["ok"] = row["problem"] is None
            out.append(row)
        return out

    def search(self, kind: str, texts: list[str], k: int, *, repair: bool = False) -> tuple[
        np.ndarray, np.ndarray
    ]:
        """(scores, ids) of the k nearest rows of an index for each text."""
        import numpy as np

        idx = self.open_index(kind, repair=repair)
        if idx.count == 0:
            n = len(texts)
            return np.zeros((n, 0), np.float32), np.zeros((n, 0), np.int64)
        vecs = self.embedder.embed(texts, remember=False)
        return idx.search(vecs, k)
