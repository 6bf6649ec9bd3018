"""Writing extraction results: to the database in batches, or to Parquet shards; and `load`.

:class:`DatabaseSink` stores result batches (one transaction each, idempotent by content hash,
see :mod:`factcheck.db.bulk`) and syncs the claim index once at the end; :class:`ShardWriter`
writes them as Parquet shards; :func:`load_parquet` streams shards written by ``extract --out``
into the database, the same way.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from factcheck.errors import ConfigError, InputError
from factcheck.services.extract import ArticleResult
from factcheck.services.pipeline import PARQUET_FORMAT, Extracted, arrow_schema, from_record

if TYPE_CHECKING:
    import pyarrow as pa

    from factcheck.workspace import Workspace

log = logging.getLogger(__name__)

LOAD_BATCH = 256  # documents per transaction when loading shards


def _result(ex: Extracted, row: dict[str, Any]) -> ArticleResult:
    return ArticleResult(origin=ex.origin or row.get("origin") or "", article_id=ex.article.id,
                         title=ex.article.title, sentences=len(ex.sentences), claims=ex.claims)


class DatabaseSink:
    """Writes result batches to the database; builds the claim index once, at :meth:`close`."""

    def __init__(self, ws: Workspace) -> None:
        self.ws = ws
        self.vectors: dict[int, Any] = {}
        self.stored_any = False

    def write(self, batch: pa.Table) -> list[ArticleResult]:
        """Store one batch (one transaction); returns a result per document."""
        from factcheck.db.bulk import Batch, save_batch

        rows = batch.to_pylist()
        results: list[ArticleResult | None] = [None] * len(rows)
        todo: list[tuple[int, Extracted]] = []
        for i, row in enumerate(rows):
            if row.get("error"):
                results[i] = ArticleResult(origin=row.get("origin") or "", error=row["error"])
            elif row.get("skipped"):
                results[i] = _stored_result(self.ws, row)
            else:
                todo.append((i, from_record(row)))
        if todo:
            models = {row.get("model") for row in rows if row.get("model")}
            key = self.ws.embedder.cache_key  # model, and encoder unless torch
            model = key if models <= {key} else None
            if model is None:
                raise ConfigError(f"vectors were made with {sorted(models)}, but this database's "
                                  f"indexes use {key}; set --model / --encoder to match")
            saved = save_batch(self.ws.store, [Batch(ex.article, ex.sentences, ex.claims, ex.vectors)
                                               for _, ex in todo], model=model)
            for (i, ex), claims in zip(todo, saved):
                if claims is None:
                    results[i] = _stored_result(self.ws, {"id": ex.article.id, "origin": ex.origin})
                    continue
                self.stored_any = True
                res = _result(ex, rows[i])
                res.claims = claims
                results[i] = res
                self.vectors.update((int(c.id), v) for c, v in zip(claims, ex.vectors)  # type: ignore[arg-type]
                                    if v is not None)
        return [r for r in results if r is not None]

    def close(self) -> None:
        """Sync the claim index with everything stored (one build, not one per batch)."""
        if self.stored_any:
            self.ws.sync_index("claims", building=True, vectors=self.vectors)
        self.vectors = {}


def _stored_result(ws: Workspace, row: dict[str, Any]) -> ArticleResult:
    article_id = row["id"]
    return ArticleResult(origin=row.get("origin") or "", article_id=article_id, skipped=True,
                         sentences=len(ws.store.get_sentences(article_id)),
                         claims=ws.store.list_claims(article_id=article_id, include_dismissed=True))


class ShardWriter:
    """Writes result batches as Parquet shards ``part-00000.parquet``... into a folder (local or
    any pyarrow filesystem URI); each shard appears whole (temp file + rename locally)."""

    def __init__(self, out: str) -> None:
        import pyarrow.fs as pafs

        self.out = out
        if "://" in out:
            self.fs, self.root = pafs.FileSystem.from_uri(out)
        else:
            self.fs, self.root = pafs.LocalFileSystem(), str(Path(out).resolve())
        try:
            self.fs.create_dir(self.root, recursive=True)
            existing = self.fs.get_file_info(pafs.FileSelector(self.root, recursive=False))
        except OSError as e:
            raise ConfigError(f"{out}: cannot write here ({e}); choose another --out folder") from e
        self.n = sum(1 for i in existing if i.base_name.startswith("part-"))
        self.local = "://" not in out

    def write(self, batch: pa.Table) -> list[ArticleResult]:
        """Write one shard; returns a result per document (claims without ids)."""
        import pyarrow.parquet as pq

        if batch.num_rows:
            name = f"part-{self.n:05d}.parquet"
            self.n += 1
            path = f"{self.root}/{name}"
            if self.local:
                tmp = f"{self.root}/.{name}.tmp"
                pq.write_table(batch, tmp)
                os.replace(tmp, path)
            else:
                pq.write_table(batch, path, filesystem=self.fs)
        out = []
        for row in batch.to_pylist():
            if row.get("error"):
                out.append(ArticleResult(origin=row.get("origin") or "", error=row["error"]))
            else:
                ex = from_record(row)
                out.append(_result(ex, row))
        return out

    def close(self) -> None:
        """Nothing to finish: every shard is complete when written."""


def load_parquet(
    ws: Workspace,
    path: str,
    *,
    on_result: Callable[[ArticleResult], None] | None = None,
    batch_size: int = LOAD_BATCH,
) -> list[ArticleResult]:
    """Load Parquet shards written by ``extract --out`` (a folder or one file) into the database.

    Streams ``batch_size`` documents per transaction; articles already stored are skipped, so an
    interrupted load is finished by running it again. The claim index is synced once at the end.
    """
    try:
        import pyarrow.dataset as pads
    except ImportError as e:
        raise ConfigError("loading Parquet needs pyarrow: run `pip install pyarrow`") from e
    if "://" not in path and not Path(path).exists():
        raise InputError(f"{path}: no such file or folder; give the folder `extract --out` wrote")
    try:
        dataset = pads.dataset(path, format="parquet", exclude_invalid_files=False)
        fields = set(dataset.schema.names)
    except Exception as e:  # noqa: BLE001 - pyarrow raises several kinds for bad files
        raise InputError(f"{path}: not readable as Parquet shards ({e}); give the folder "
                         "`extract --out` wrote") from e
    expected = set(arrow_schema().names)
    if not expected <= fields:
        missing = ", ".join(sorted(expected - fields))
        raise InputError(f"{path}: not factcheck extraction shards (missing columns: {missing}); "
                         "write them with `factcheck extract ... --out DIR`")
    def tables() -> Iterator[pa.Table]:
        for batch in dataset.to_batches(batch_size=batch_size):
            table = pa_table(batch)
            formats = set(table.column("format").to_pylist()) - {None}
            if formats - {PARQUET_FORMAT}:
                raise InputError(f"{path}: shard format {sorted(formats)} is newer than this "
                                 f"factcheck reads ({PARQUET_FORMAT}); upgrade factcheck")
            yield table

    return drain(DatabaseSink(ws), tables(), on_result)


def drain(sink: DatabaseSink | ShardWriter, tables: Iterable[pa.Table],
          on_result: Callable[[ArticleResult], None] | None = None) -> list[ArticleResult]:
    """Write every table to the sink (closed at the end, also on error); a result per document."""
    results: list[ArticleResult] = []
    try:
        for table in tables:
            for res in sink.write(table):
                results.append(res)
                if on_result:
                    on_result(res)
    finally:
        sink.close()
    return results


def pa_table(batch: Any) -> pa.Table:
    """A pyarrow Table of a record batch."""
    import pyarrow as pa

    return pa.Table.from_batches([batch])
