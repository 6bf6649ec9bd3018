"""Per-workspace search state (BM25 indexes, corpora) and the thread policy for small query batches.
"""

from __future__ import annotations

import logging
import sys
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from factcheck.workspace import Workspace


log = logging.getLogger(__name__)

_caches: weakref.WeakKeyDictionary[Workspace, dict[str, Any]] = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()


def ws_cache(ws: Workspace) -> dict[str, Any]:
    """The search state kept for one workspace (dropped with it)."""
    with _cache_lock:
        cache = _caches.get(ws)
        if cache is None:
            cache = {"lock": threading.RLock()}
            _caches[ws] = cache
        return cache


SMALL_BATCH = 8


@contextmanager
def query_threads(n_queries: int) -> Iterator[None]:
    """Run a small batch of queries with one torch / FAISS thread.

    For one short text, intra-op parallelism saves little, and on a busy machine (other
    processes on every core) the threads' synchronisation dominates: on the 2-core benchmark
    machine under load a MiniLM query took ~740 ms with 2 threads and ~30 ms with 1, a 100k flat
    FAISS search 84 ms vs 13 ms. Batches larger than ``SMALL_BATCH`` keep the process settings.
    The thread counts are process-wide, so a concurrent large batch may briefly run on one thread.
    """
    if n_queries > SMALL_BATCH:
        yield
        return
    import faiss

    torch = sys.modules.get("torch")
    prev_t = torch.get_num_threads() if torch is not None else None
    prev_f = faiss.omp_get_max_threads()
    try:
        if torch is not None:
            torch.set_num_threads(1)
        faiss.omp_set_num_threads(1)
        yield
    finally:
        if torch is not None and prev_t is not None:
            torch.set_num_threads(prev_t)
        faiss.omp_set_num_threads(prev_f)

