"""FAISS index directories: build, add, search, save/load, with a JSON manifest.

Layout of ``indexes/<name>/``::

    manifest.json        format version, model, dimension, metric, count, kind, fingerprint, file
    <name>-<tag>.faiss   the one binary file the manifest names

Crash safety: a save writes a *new* ``.faiss`` file (temp + ``os.replace``), then replaces the
manifest (temp + ``os.replace``), then deletes the old file. A process killed at any point leaves
a manifest that names a complete file, so the previous index stays loadable. Saves into one
directory are serialised across processes (``flock`` on the directory, where available), so several
app servers sharing an index folder never delete each other's files; a save also removes the
temp files a killed process left behind.

Vectors are L2-normalised and searched by inner product (cosine similarity). IDs are the
database row ids (claim ids, passage ids, archive seq), kept by ``IndexIDMap2``. Up to
``HNSW_THRESHOLD`` vectors the index is exact (Flat); above it, HNSW (see ``bench/ingest.py``).

Removing rows (a dismissed claim): Flat removes the vectors; HNSW cannot, so their ids are kept
as tombstones in the manifest (``"deleted"``) and filtered out during the graph search (a FAISS
``IDSelector``). ``count`` is the number of live vectors; the file holds ``count + len(deleted)``.
Once tombstones pass ``MAX_TOMBSTONES`` of the file, the caller rebuilds.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from factcheck.errors import IndexStaleError

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
HNSW_THRESHOLD = 200_000
HNSW_M = 32
HNSW_EF_SEARCH = 128
HNSW_EF_CONSTRUCTION = 80
METRIC = "inner_product"
MAX_TOMBSTONES = 0.2  # share of an HNSW file's vectors that may be deleted before a rebuild


def fingerprint(rows: Sequence[tuple[int, str]]) -> str:
    """A digest of (id, text) rows: equal iff the same ids carry the same texts."""
    h = hashlib.sha256()
    for row_id, text in rows:
        h.update(str(row_id).encode())
        h.update(b"\x1f")
        h.update(hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest())
        h.update(b"\x1e")
    return f"{len(rows)}:{h.hexdigest()[:32]}"


def _new_faiss(dim: int, count: int) -> Any:
    if count > HNSW_THRESHOLD:
        inner = faiss.IndexHNSWFlat(dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        inner.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        inner.hnsw.efSearch = HNSW_EF_SEARCH
        return faiss.IndexIDMap2(inner)
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def _dir_lock(path: Path) -> Iterator[None]:
    """An exclusive inter-process lock on an index directory (no-op where flock is missing)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: single-process use
        yield
        return
    fd = os.open(path, os.O_RDONLY)  # lock the directory itself: no extra file in it
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


@dataclass
class VectorIndex:
    """One FAISS index directory and its manifest."""

    directory: Path
    name: str
    model: str
    dimension: int
    fingerprint: str = ""
    index: Any = None
    manifest: dict[str, Any] = field(default_factory=dict)
    deleted: set[int] = field(default_factory=set)  # HNSW tombstones (see module docstring)
    encoder: str = "torch"  # what ran the model: torch or onnx-int8 (manifests before it: torch)
    _skip: Any = field(default=None, repr=False)  # search parameters skipping `deleted`, built once

    @property
    def count(self) -> int:
        """Number of live vectors."""
        return 0 if self.index is None else int(self.index.ntotal) - len(self.deleted)

    @property
    def kind(self) -> str:
        """"flat" or "hnsw"."""
        if self.index is None:
            return "flat"
        inner = faiss.downcast_index(self.index.index)
        return "hnsw" if isinstance(inner, faiss.IndexHNSW) else "flat"

    # -- building -----------------------------------------------------------
    @classmethod
    def build(
        cls,
        directory: Path,
        name: str,
        model: str,
        ids: Sequence[int],
        vectors: np.ndarray,
        fp: str,
        *,
        encoder: str = "torch",
    ) -> VectorIndex:
        """A new index over these vectors (not yet saved); `encoder` ran the model."""
        dim = int(vectors.shape[1]) if len(vectors) else 0
        idx = cls(Path(directory), name, model, dim, fp, encoder=encoder)
        if dim:
            idx.index = _new_faiss(dim, len(ids))
            idx.index.add_with_ids(
                np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64)
            )
        return idx

    def ids(self) -> np.ndarray:
        """The ids of the live vectors."""
        if self.index is None or self.count == 0:
            return np.zeros(0, dtype=np.int64)
        ids = faiss.vector_to_array(self.index.id_map).astype(np.int64)
        if self.deleted:
            ids = ids[~np.isin(ids, np.fromiter(self.deleted, np.int64))]
        return ids

    def can_remove(self, ids: Sequence[int]) -> bool:
        """Whether `remove(ids)` works in place (HNSW: while tombstones stay few)."""
        if self.kind == "flat" or self.index is None:
            return True
        return len(self.deleted) + len(ids) <= MAX_TOMBSTONES * int(self.index.ntotal)

    def remove(self, ids: Sequence[int], fp: str) -> None:
        """Remove vectors by id (Flat: really; HNSW: as tombstones); `fp` becomes the fingerprint."""
        gone = np.asarray(sorted(set(int(i) for i in ids)), dtype=np.int64)
        if len(gone) and self.index is not None:
            if self.kind == "flat":
                self.index.remove_ids(gone)
            else:
                self.deleted.update(gone.tolist())
                self._skip = None
        self.fingerprint = fp

    def can_add(self, ids: Sequence[int]) -> bool:
        """False when an id is tombstoned: its old vector is still in the HNSW graph."""
        return not self.deleted or self.deleted.isdisjoint(int(i) for i in ids)

    def add(self, ids: Sequence[int], vectors: np.ndarray, fp: str) -> None:
        """Add vectors with ids; `fp` becomes the new fingerprint.

        ValueError when `can_add(ids)` is False; the caller rebuilds.
        """
        if not self.can_add(ids):
            raise ValueError(f"index {self.name!r}: an id to add was deleted; rebuild the index")
        if len(ids):
            if self.index is None:
                self.dimension = int(vectors.shape[1])
                self.index = _new_faiss(self.dimension, len(ids))
            self.index.add_with_ids(
                np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64)
            )
        self.fingerprint = fp

    def search(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) of the k nearest, each shape (n, k'); slots FAISS cannot fill have id -1."""
        n = len(vectors)
        if self.index is None or self.count == 0 or k <= 0:
            return np.zeros((n, 0), np.float32), np.zeros((n, 0), np.int64)
        k = min(k, self.count)
        x = np.ascontiguousarray(vectors, dtype=np.float32)
        if not self.deleted:
            return self.index.search(x, k)
        if self._skip is None:  # the selectors must outlive the parameters: keep all three
            batch = faiss.IDSelectorBatch(np.fromiter(self.deleted, np.int64))
            keep = faiss.IDSelectorNot(batch)
            self._skip = (batch, keep, faiss.SearchParametersHNSW(sel=keep, efSearch=HNSW_EF_SEARCH))
        return self.index.search(x, k, params=self._skip[2])

    # -- persistence ----------------------------------------------------------
    @property
    def path(self) -> Path:
        """The index directory."""
        return self.directory / self.name

    def save(self) -> None:
        """Write the index file and manifest atomically (see module docstring)."""
        self.path.mkdir(parents=True, exist_ok=True)
        with _dir_lock(self.path):
            self._save_locked()
        log.info("saved index %s (%d vectors)", self.path, self.count)

    def _save_locked(self) -> None:
        for stale in self.path.glob(".*.tmp"):  # left by a process killed mid-save
            stale.unlink(missing_ok=True)
        old = self._read_manifest()
        filename = None
        if self.index is not None:
            filename = f"{self.name}-{secrets.token_hex(4)}.faiss"
            data = faiss.serialize_index(self.index).tobytes()
            _atomic_write_bytes(self.path / filename, data)
        self.manifest = {
            "format_version": FORMAT_VERSION,
            "name": self.name,
            "model": self.model,
            "encoder": self.encoder,
            "dimension": self.dimension,
            "metric": METRIC,
            "normalized": True,
            "kind": self.kind,
            "count": self.count,
            "deleted": sorted(self.deleted),
            "fingerprint": self.fingerprint,
            "file": filename,
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        text = json.dumps(self.manifest, indent=2) + "\n"
        _atomic_write_bytes(self.path / "manifest.json", text.encode())
        old_file = (old or {}).get("file")
        if old_file and old_file != filename:
            (self.path / old_file).unlink(missing_ok=True)
        for stray in self.path.glob(f"{self.name}-*.faiss"):
            if stray.name != filename:
                stray.unlink(missing_ok=True)

    def _read_manifest(self) -> dict[str, Any] | None:
        try:
            return json.loads((self.path / "manifest.json").read_text())
        except (OSError, ValueError):
            return None

    @classmethod
    def load(cls, directory: Path, name: str) -> VectorIndex:
        """Load an index directory; IndexStaleError (naming the fix) if missing or unreadable.

        If another process replaced the index between our reading the manifest and the file
        (the old file is deleted after a save), the new manifest is read and loading retried.
        """
        for attempt in range(3):
            try:
                return cls._load_once(directory, name)
            except IndexStaleError as e:
                tried = e.args[1] if len(e.args) > 1 else None
                now = VectorIndex(Path(directory), name, "", 0)._read_manifest() or {}
                if attempt == 2 or tried is None or now.get("file") == tried:
                    raise IndexStaleError(e.args[0]) from e
                log.info("index %s changed while loading; reading it again", name)
        raise AssertionError("unreachable")  # pragma: no cover

    @classmethod
    def _load_once(cls, directory: Path, name: str) -> VectorIndex:
        path = Path(directory) / name
        fix = f"run `factcheck index rebuild` (index dir {directory})"
        try:
            manifest = json.loads((path / "manifest.json").read_text())
        except FileNotFoundError:
            raise IndexStaleError(f"index {name!r} is missing: {fix}") from None
        except (OSError, ValueError) as e:
            raise IndexStaleError(f"index {name!r} has an unreadable manifest ({e}): {fix}") from e
        if manifest.get("format_version") != FORMAT_VERSION:
            raise IndexStaleError(
                f"index {name!r} has format {manifest.get('format_version')}, expected "
                f"{FORMAT_VERSION}: {fix}"
            )
        idx = cls(
            Path(directory),
            name,
            manifest.get("model", ""),
            int(manifest.get("dimension") or 0),
            manifest.get("fingerprint", ""),
            manifest=manifest,
            deleted={int(i) for i in manifest.get("deleted") or []},
            encoder=manifest.get("encoder") or "torch",
        )
        if manifest.get("file"):
            try:
                idx.index = faiss.read_index(str(path / manifest["file"]))
            except Exception as e:  # noqa: BLE001 - faiss raises RuntimeError on corruption
                raise IndexStaleError(
                    f"index {name!r} file is unreadable ({e}): {fix}", manifest["file"]
                ) from e
            if idx.index.ntotal != manifest.get("count", -1) + len(idx.deleted):
                raise IndexStaleError(f"index {name!r} count differs from its manifest: {fix}")
            if isinstance(faiss.downcast_index(idx.index.index), faiss.IndexHNSW):
                faiss.downcast_index(idx.index.index).hnsw.efSearch = HNSW_EF_SEARCH
        return idx

    def check(self, model: str, dimension: int | None, fp: str, encoder: str | None = None) -> str | None:
        """A message if this index does not fit the model/encoder/dimension/fingerprint, else None
        (``encoder`` None: not compared)."""
        fix = "run `factcheck index rebuild`"
        if self.model != model:
            return f"index {self.name!r} was built with model {self.model!r}, not {model!r}: {fix}"
        if encoder is not None and self.encoder != encoder:
            return (f"index {self.name!r} was built with the {self.encoder} encoder, not {encoder}: {fix} "
                    f"(or set FACTCHECK_ENCODER={self.encoder})")
        if dimension and self.dimension and self.dimension != dimension:
            return (
                f"index {self.name!r} has dimension {self.dimension}, the model gives "
                f"{dimension}: {fix}"
            )
        if self.fingerprint != fp:
            return (
                f"index {self.name!r} is stale (built from {self.manifest.get('count', self.count)} "
                f"rows, fingerprint {self.fingerprint}; database now {fp}): {fix}"
            )
        return None
