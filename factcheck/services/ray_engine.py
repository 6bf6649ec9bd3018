"""The Ray engine: extraction's heavy work on Ray Data, results written by one writer.

The pipeline: documents are extracted in batches by an actor pool (``map_batches`` with a
callable class: each actor loads the model once) calling
:func:`factcheck.services.pipeline.compute_documents`. Local files reach the actors as paths,
and each actor reads and parses its files itself with the local engine's readers; remote files
(any filesystem pyarrow supports, such as ``s3://`` and ``gs://``) are read by Ray tasks
(``read_binary_files``) and parsed by a small actor pool first; links and stdin are read here.
Results stream back to this process, which either writes them to the database
(:func:`factcheck.db.bulk.save_batch`: one transaction per batch, idempotent by content hash)
and builds the claim index once at the end, or writes Parquet shards (``--out``) for
:func:`factcheck.services.load.load_parquet` to load later.

Without an address a local Ray is started (and stopped) by the run; an already initialised Ray
(``ray.init`` by the caller, as the tests do) is used as it is.
"""

from __future__ import annotations

import fnmatch
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from factcheck.errors import ConfigError, FactcheckError, InputError
from factcheck.io.readers import ARTICLE_SUFFIXES, Document, expand_paths, read_bytes, read_paths
from factcheck.services.extract import GROUP_DOCS, ArticleResult, group_full, sentence_estimate
from factcheck.services.load import DatabaseSink, ShardWriter, drain
from factcheck.services.pipeline import (
    Extracted,
    arrow_schema,
    compute_documents,
    error_record,
    to_record,
)

if TYPE_CHECKING:
    import pyarrow as pa

    from factcheck.workspace import Workspace

log = logging.getLogger(__name__)

# Rows (files or documents) per actor call: the calls spread over the actors, two per actor
# at least, and at most CALL_ROWS each. Within a call the documents go through the model in
# groups of about EMBED_GROUP sentences, as on the local engine: groups of 32 documents (about
# 640 sentences) padded their batches more and took 1.2x as long.
CALL_ROWS = 1024
LOCAL_ACTORS = 4  # model actors on a local Ray at most (each holds its own copy of the model)
OUTPUT_BLOCK_BYTES = 4 << 20
WRITE_BATCH = 256  # documents per transaction / shard
CACHE_TEXTS = 100_000  # embeddings an extract actor keeps in memory (about 160 MB) at most
DOC_FIELDS = ("text", "id", "title", "url", "published", "origin", "error", "skip", "path")


@dataclass
class RayOptions:
    """How to run on Ray: cluster address, actors, CPUs and threads per actor, batch size."""

    address: str | None = None
    workers: int | None = None  # actors (default: a local Ray's cores up to 4, else CPUs // cpus)
    cpus_per_worker: float | None = None  # logical CPUs each actor reserves
    threads: int | None = None  # torch threads per actor
    docs_per_batch: int | None = None  # documents per model call (default: as the local engine)
    write_batch: int = WRITE_BATCH  # documents per database transaction (or Parquet shard)

    def __post_init__(self) -> None:
        if not self.address:
            self.address = os.environ.get("RAY_ADDRESS") or None  # Ray's own variable

    def sizing(self, ray: Any) -> tuple[float, int, int]:
        """(logical CPUs per actor, actors, torch threads per actor) for this run."""
        local = not self.address
        cores = os.cpu_count() or 1
        # Locally the actors share this machine's cores (half a core left for the writer): one
        # actor per core up to LOCAL_ACTORS, each with its share of torch threads. Measured at 2
        # cores on 20,000 sentences: 2 actors of 1 thread took 104-114 s, 1 actor of 2 threads
        # 115-129 s, the local engine 96-100 s (bench/scale.py, README "Scaling out").
        share = (self.workers or min(cores, LOCAL_ACTORS)) if local else 1
        cpus = self.cpus_per_worker or max(0.5, (cores - 0.5) / share)
        cluster_cpus = 0.0 if local else ray.cluster_resources().get("CPU", 1)
        workers = share if local else (self.workers or max(1, int(cluster_cpus // cpus)))
        threads = self.threads or (max(1, cores // workers) if local else max(1, int(cpus)))
        return cpus, workers, threads


def _ray() -> Any:
    try:
        import ray
    except ImportError as e:
        raise ConfigError(
            "the Ray engine needs Ray: run `pip install 'factcheck[ray]'` (or use --engine local)"
        ) from e
    return ray


def start_local_ray(ray: Any, num_cpus: int | None = None, **kwargs: Any) -> None:
    """``ray.init`` of a Ray on this machine whose workers run at this process's priority.

    Ray lowers its workers' priority by default (``nice`` 15) so that its own services stay
    responsive on a shared cluster node. On a machine that runs one extraction, that makes the
    model actor lose the CPU to anything else, this process's database writer and Ray's own
    services included: measured at 2 cores, the Ray engine took about twice as long as the local
    one at nice 15 and about as long at the same priority. ``RAY_worker_niceness`` set by the
    user wins."""
    os.environ.setdefault("RAY_worker_niceness", "0")
    ray.init(num_cpus=num_cpus or os.cpu_count() or 1, include_dashboard=False, log_to_driver=False,
             configure_logging=False, **kwargs)


@contextmanager
def ray_session(address: str | None = None) -> Iterator[Any]:
    """A connected Ray: the one already initialised, else a new local one (or ``address``) that
    is shut down on exit."""
    ray = _ray()
    for name in ("ray", "ray.data"):  # progress is the caller's; Ray's INFO lines are noise here
        logging.getLogger(name).setLevel(logging.WARNING)
    if ray.is_initialized():
        yield ray
        return
    kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                              "configure_logging": False}
    try:
        if address:
            ray.init(address=address, **kwargs)
        else:
            # workers inherit this environment (PYTHONPATH for a source checkout included)
            start_local_ray(ray)
    except Exception as e:  # noqa: BLE001 - connection errors of many kinds
        where = address or "a local Ray"
        raise ConfigError(f"cannot start or reach {where}: {e}; check --ray-address "
                          "(ray://HEAD:10001, or the address `ray start --head` printed)") from e
    try:
        yield ray
    finally:
        ray.shutdown()


# -- inputs -------------------------------------------------------------------------------
def _is_remote(item: str) -> bool:
    return "://" in item and not item.startswith(("http://", "https://", "file://"))


def _expand_remote(uri: str) -> list[str]:
    """Files of a remote URI: a file, a folder (recursive), or a glob in the last part."""
    import pyarrow.fs as pafs

    base, _, pattern = uri.rpartition("/")
    if any(ch in pattern for ch in "*?["):
        fs, root = pafs.FileSystem.from_uri(base)
        infos = fs.get_file_info(pafs.FileSelector(root, recursive=False))
        scheme = uri.split("://", 1)[0]
        return sorted(f"{scheme}://{i.path}" for i in infos
                      if i.type == pafs.FileType.File and fnmatch.fnmatch(i.base_name, pattern))
    return [uri]


def split_inputs(inputs: Iterable[str]) -> tuple[list[str], list[str], list[InputError]]:
    """(files Ray reads, links/stdin this process reads, errors) of the given inputs."""
    files: list[str] = []
    here: list[str] = []
    errors: list[InputError] = []
    for item in inputs:
        if item == "-" or item.startswith(("http://", "https://")):
            here.append(item)
        elif _is_remote(item):
            try:
                found = _expand_remote(item)
            except Exception as e:  # noqa: BLE001 - pyarrow filesystem errors
                errors.append(InputError(f"{item}: cannot list ({e}); check the URI and credentials"))
                continue
            if not found:
                errors.append(InputError(f"{item}: no files match"))
            files += found
        else:
            for p in expand_paths([item], ARTICLE_SUFFIXES):
                if isinstance(p, InputError):
                    errors.append(p)
                else:
                    files.append(str(Path(p).resolve()))
    return files, here, errors


def _doc_row(doc: Document | InputError, skip: bool = False) -> dict[str, Any]:
    if isinstance(doc, InputError):
        return {"text": "", "id": None, "title": None, "url": None, "published": None,
                "origin": str(doc).split(": ", 1)[0], "error": str(doc), "skip": False, "path": None}
    return {"text": doc.text, "id": doc.content_id(), "title": doc.title, "url": doc.url,
            "published": doc.published, "origin": doc.origin, "error": None, "skip": skip,
            "path": None}


def _path_row(path: str) -> dict[str, Any]:
    """A local file for the extract actor to read itself."""
    return {"text": "", "id": None, "title": None, "url": None, "published": None, "origin": path,
            "error": None, "skip": False, "path": path}


def _doc_table(rows: list[dict[str, Any]]) -> pa.Table:
    import pyarrow as pa

    types = {k: pa.string() for k in DOC_FIELDS}
    types["skip"] = pa.bool_()
    return pa.Table.from_pylist(rows, schema=pa.schema(types))


class ParseFiles:
    """Ray step: a batch of files' bytes -> their documents (errors as rows); documents already
    stored (``stored``: an object ref of a frozenset of article ids) are marked to skip."""

    def __init__(self, max_bytes: int, stored: frozenset[str] | None = None) -> None:
        self.max_bytes = max_bytes
        self.stored = stored

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        rows: list[dict[str, Any]] = []
        for data, path in zip(batch["bytes"], batch["path"]):
            for doc in read_bytes(bytes(data), str(path), max_bytes=self.max_bytes):
                skip = (self.stored is not None and isinstance(doc, Document)
                        and doc.content_id() in self.stored)
                rows.append(_doc_row(doc, skip))
        return {k: [r[k] for r in rows] for k in DOC_FIELDS}


class ExtractActor:
    """Ray actor: loads the models once, then extracts batches of documents.

    A row is a document (``text`` etc.), an input error, or a local file (``path``) that the actor
    reads and parses itself with the local engine's readers: reading in the actor that extracts
    costs no separate Ray tasks, and the model never waits for a reading stage to be scheduled.
    Documents go through the model in groups of about ``EMBED_GROUP`` sentences (the local
    engine's groups), or of ``docs_per_batch`` documents when that is given; each group comes
    out as one table, in input order.
    """

    def __init__(self, workspace: type, settings: dict[str, Any], threshold: float,
                 threads: int | None, docs_per_batch: int | None = None,
                 stored: frozenset[str] | None = None) -> None:
        from factcheck.config import Settings
        from factcheck.db.store import Store
        from factcheck.ml.embedder import Embedder

        cfg = Settings(**settings)
        if threads and cfg.encoder == "torch":
            import torch

            torch.set_num_threads(threads)
        # no database here: nothing is read from or written to one. A private in-memory store
        # caches the embeddings, as the local engine's database does: a sentence met again (a
        # repeated line, a syndicated article) is then scored from memory and its claim's vector
        # is not computed a second time (without it, 20k sentences with repeats took 1.5x longer)
        store = Store("sqlite://")
        self.ws = workspace(cfg, store=store, embedder=Embedder(
            cfg.model, store, batch_size=cfg.batch_size, encoder=cfg.encoder, cache_dir=cfg.user_cache))
        self._cache_from = 0  # ``embedder.encoded`` when the cache was last emptied
        self.threshold = threshold
        self.max_bytes = cfg.max_bytes
        self.docs_per_batch = max(1, docs_per_batch) if docs_per_batch else None
        self.stored = stored
        self.schema = arrow_schema()

    def _items(self, rows: list[dict[str, Any]]) -> Iterator[dict[str, Any] | Document]:
        """Each input row as a finished record (errors, skips) or a document to extract."""
        for r in rows:
            if r.get("path"):
                for doc in read_paths([r["path"]], max_bytes=self.max_bytes):
                    if isinstance(doc, InputError):
                        yield error_record(str(doc).split(": ", 1)[0], str(doc))
                    elif self.stored is not None and doc.content_id() in self.stored:
                        yield {**error_record(doc.origin, ""), "id": doc.content_id(), "error": None,
                               "skipped": True}
                    else:
                        yield doc
            elif r["error"]:
                yield error_record(r["origin"], r["error"])
            elif r["skip"]:
                yield {**error_record(r["origin"], ""), "id": r["id"], "error": None, "skipped": True}
            else:
                yield Document(text=r["text"], id=r["id"], title=r["title"], url=r["url"],
                               published=r["published"], origin=r["origin"])

    def _bound_cache(self) -> None:
        """Start the embedding cache afresh after ``CACHE_TEXTS`` new texts (bounded memory for
        an actor that lives through a long run)."""
        from factcheck.db.store import Store

        if self.ws.embedder.encoded - self._cache_from >= CACHE_TEXTS:
            old, self.ws.store = self.ws.store, Store("sqlite://")
            self.ws.embedder.store = self.ws.store
            old.dispose()
            self._cache_from = self.ws.embedder.encoded

    def _extract(self, items: list[dict[str, Any] | Document]) -> pa.Table:
        import pyarrow as pa

        self._bound_cache()

        docs = [d for d in items if isinstance(d, Document)]
        try:
            done = iter(compute_documents(self.ws, docs, self.threshold))
        except FactcheckError as e:
            done = iter([Extracted(article=None, error=f"{d.origin}: {e}", origin=d.origin)  # type: ignore[arg-type]
                         for d in docs])
        records = []
        for item in items:
            if isinstance(item, Document):
                ex = next(done)
                item = (error_record(ex.origin, ex.error) if ex.error
                        else to_record(ex, self.ws.embedder.cache_key))
            records.append(item)
        return pa.Table.from_pylist(records, schema=self.schema)

    def __call__(self, batch: pa.Table) -> Iterator[pa.Table]:
        items: list[dict[str, Any] | Document] = []
        n_docs = sentences = 0
        for item in self._items(batch.to_pylist()):
            items.append(item)
            if isinstance(item, Document):
                n_docs += 1
                sentences += sentence_estimate(item)
            full = (n_docs >= self.docs_per_batch if self.docs_per_batch
                    else group_full(sentences, n_docs))
            if full or len(items) >= 8 * GROUP_DOCS:
                yield self._extract(items)
                items, n_docs, sentences = [], 0, 0
        if items:
            yield self._extract(items)


def rows_per_call(rows: int, workers: int, docs_per_batch: int | None) -> int:
    """Input rows per actor call: ``docs_per_batch`` when given, else enough calls for two per
    actor (so that a cluster's actors all get work) of at most ``CALL_ROWS`` rows each."""
    if docs_per_batch:
        return docs_per_batch
    return max(1, min(CALL_ROWS, -(-rows // (2 * max(1, workers)))))


def build_dataset(ray: Any, ws: Workspace, inputs: Iterable[str], threshold: float,
                  opts: RayOptions, *, skip_stored: bool, allow_private: bool | None = None) -> Any:
    """The Ray Data pipeline over the inputs (lazy: nothing runs until it is iterated)."""
    import ray.data

    from factcheck.services.links import read_inputs

    ctx = ray.data.DataContext.get_current()
    ctx.execution_options.preserve_order = True  # output in input order, as the local engine
    ctx.enable_progress_bars = False  # the CLI shows its own
    # an actor's tables leave it in blocks of about one model group, not one block per call:
    # results then reach the writer (and the progress bar) while the actor goes on computing
    ctx.target_max_block_size = min(ctx.target_max_block_size, OUTPUT_BLOCK_BYTES)
    files, here, errors = split_inputs(inputs)
    stored = None
    if skip_stored:
        from factcheck.db.bulk import article_ids

        stored = frozenset(article_ids(ws.store))
    parts = []
    remote = [f for f in files if _is_remote(f)]
    if remote:  # read by Ray tasks (any filesystem pyarrow supports), parsed by a small pool
        raw = ray.data.read_binary_files(remote, include_paths=True, num_cpus=0.25,
                                         override_num_blocks=min(len(remote), 200))
        parts.append(raw.map_batches(ParseFiles, fn_constructor_kwargs={
            "max_bytes": ws.settings.max_bytes, "stored": stored}, batch_size=8,
            batch_format="numpy", num_cpus=0.25,
            compute=ray.data.ActorPoolStrategy(min_size=1, max_size=max(1, opts.workers or 1))))
    local_rows = [_doc_row(e) for e in errors]
    local_rows += [_path_row(f) for f in files if not _is_remote(f)]  # the extract actor reads them
    if here:
        have = None
        for doc in read_inputs(ws, here, allow_private=allow_private):
            if skip_stored and isinstance(doc, Document):
                if have is None:
                    from factcheck.db.bulk import article_ids

                    have = article_ids(ws.store)
                local_rows.append(_doc_row(doc, doc.content_id() in have))
            else:
                local_rows.append(_doc_row(doc))
    cpus, workers, threads = opts.sizing(ray)
    per_call = rows_per_call(len(local_rows) + len(remote), workers, opts.docs_per_batch)
    if local_rows:
        # blocks of one actor call each, so that the calls spread over a cluster's actors
        # (made here: a repartition would need CPUs that the actors hold on a small machine)
        table = _doc_table(local_rows)
        parts.insert(0, ray.data.from_arrow([table.slice(i, per_call)
                                             for i in range(0, len(table), per_call)]))
    if not parts:
        return None
    ds = parts[0] if len(parts) == 1 else parts[0].union(*parts[1:])
    return ds.map_batches(
        ExtractActor,
        fn_constructor_kwargs={"workspace": type(ws),
                               "settings": {**ws.settings.model_dump(mode="json"),
                                            "encoder": ws.embedder.encoder},
                               "threshold": threshold, "threads": threads,
                               "docs_per_batch": opts.docs_per_batch, "stored": stored},
        batch_size=per_call, batch_format="pyarrow", udf_modifying_row_count=True,
        compute=ray.data.ActorPoolStrategy(size=workers), num_cpus=cpus,
    )  # Ray Data restarts an actor that dies and retries its batch (max_restarts=-1 by default)


def extract_with_ray(
    ws: Workspace,
    inputs: Iterable[str],
    *,
    min_score: float | None = None,
    out: str | None = None,
    options: RayOptions | None = None,
    on_result: Callable[[ArticleResult], None] | None = None,
    allow_private: bool | None = None,
) -> list[ArticleResult]:
    """Extract on Ray: store results (claim index built once at the end), or with ``out`` write
    Parquet shards there and touch no database. Bad inputs become failed results; the run goes on.
    """
    opts = options or RayOptions()
    threshold = ws.min_score(min_score)
    inputs = list(inputs)
    results: list[ArticleResult] = []
    with ray_session(opts.address) as ray:
        ds = build_dataset(ray, ws, inputs, threshold, opts, skip_stored=out is None,
                           allow_private=allow_private)
        if ds is None:
            return results
        sink = ShardWriter(out) if out else DatabaseSink(ws)
        batches = ds.iter_batches(batch_size=opts.write_batch, batch_format="pyarrow")
        results = drain(sink, batches, on_result)
    return results


# -- sources: passages embedded on Ray ---------------------------------------------------------
class EmbedActor:
    """Ray actor: loads the embedding model once, then embeds batches of texts."""

    def __init__(self, model: str, batch_size: int, threads: int | None, encoder: str,
                 cache_dir: str | None) -> None:
        from pathlib import Path

        from factcheck.ml.embedder import Embedder

        if threads and encoder == "torch":
            import torch

            torch.set_num_threads(threads)
        self.embedder = Embedder(model, None, batch_size=batch_size, encoder=encoder,
                                 cache_dir=Path(cache_dir) if cache_dir else None)

    def __call__(self, batch: pa.Table) -> pa.Table:
        import pyarrow as pa

        vecs = self.embedder.encode(batch.column("text").to_pylist())
        return pa.table({"hash": batch.column("hash"),
                         "vector": pa.array(list(vecs), type=pa.list_(pa.float32()))})


def embed_with_ray(ws: Workspace, texts: dict[str, str], opts: RayOptions) -> int:
    """Embed ``{text hash: text}`` on Ray into the workspace's embedding cache; returns how many."""
    import numpy as np
    import pyarrow as pa

    if not texts:
        return 0
    with ray_session(opts.address) as ray:
        import ray.data

        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False
        cpus, workers, threads = opts.sizing(ray)
        table = pa.table({"hash": list(texts), "text": list(texts.values())})
        ds = ray.data.from_arrow(table).map_batches(
            EmbedActor,
            fn_constructor_kwargs={"model": ws.model_name, "batch_size": ws.settings.batch_size,
                                   "threads": threads, "encoder": ws.embedder.encoder,
                                   "cache_dir": str(ws.settings.user_cache)},
            batch_size=512, batch_format="pyarrow", compute=ray.data.ActorPoolStrategy(size=workers),
            num_cpus=cpus,
        )
        done = 0
        for batch in ds.iter_batches(batch_size=4096, batch_format="pyarrow"):
            vectors = {h: np.asarray(v, dtype=np.float32)
                       for h, v in zip(batch.column("hash").to_pylist(), batch.column("vector").to_pylist())}
            ws.store.cache_vectors(ws.embedder.cache_key, vectors)
            done += len(vectors)
    return done


def add_sources_with_ray(
    ws: Workspace,
    paths: list[str],
    *,
    options: RayOptions | None = None,
    on_result: Callable[[Any], None] | None = None,
    allow_private: bool | None = None,
) -> Any:
    """``sources add`` with the passages embedded on Ray: sources and passages are stored as by
    the local engine (no model needed), the new passages' vectors are computed by Ray actors into
    the embedding cache, and the passages index is then built from the cache (no model run here).
    """
    from factcheck.services.sources import add_sources
    from factcheck.text.sentences import text_hash

    report = add_sources(ws, paths, on_result=on_result, allow_private=allow_private, sync=False)
    rows = ws.store.index_rows("passages")
    by_hash = {text_hash(t): t for _, t in rows}
    cached = ws.store.cached_vectors(ws.embedder.cache_key, list(by_hash))
    missing = {h: t for h, t in by_hash.items() if h not in cached}
    n = embed_with_ray(ws, missing, options or RayOptions())
    log.info("embedded %d passages on Ray", n)
    if report.added or rows:
        ws.sync_index("passages", building=True)
        if report.added:
            ws.changed("passages")
    return report
