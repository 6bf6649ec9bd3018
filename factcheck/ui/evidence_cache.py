"""Memoised evidence look-ups for the review page, and prefetching of the next claim.

Suggestions (:func:`factcheck.search.evidence.suggest`), earlier fact-checks
(:func:`factcheck.search.archive_match.match`) and quote/number checks
(:func:`factcheck.services.checks.check_claim`)
are the slow part of showing a claim. Their results are kept per workspace, keyed by what they
depend on — the claim text (or version) and a watermark of the rows searched — so a re-render
after a click costs nothing, and any new source, archive entry or verdict changes the key.

All keys use :meth:`Workspace.mark`, the one freshness policy. Earlier fact-checks include this
desk's own verdicts, and the matching corpus is refitted when they change (slow on a large
archive), so the verdicts watermark is re-read only every two minutes: a save does not trigger a
refit on its own re-render, and new verdicts show up as matches within two minutes. Checks are
keyed by the claim's span and text (not its version, which every save bumps) and the evidence they use.

While the reviewer reads a claim, :func:`prefetch` computes the same three results for the next
claim of the queue in a background thread, so "Next" usually opens instantly. No streamlit here.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from factcheck.models import Claim
from factcheck.workspace import Workspace

log = logging.getLogger(__name__)

K_SUGGEST = 5
K_MATCH = 3
MAX_ENTRIES = 2048


class Memo:
    """A small thread-safe LRU of computed results (one per workspace)."""

    def __init__(self, size: int = MAX_ENTRIES) -> None:
        self.size = size
        self.data: OrderedDict[tuple, Any] = OrderedDict()
        self.lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: tuple, compute: Callable[[], Any]) -> Any:
        with self.lock:
            if key in self.data:
                self.data.move_to_end(key)
                self.hits += 1
                return self.data[key]
            self.misses += 1
        value = compute()  # outside the lock: a slow search must not block other sessions
        with self.lock:
            self.data[key] = value
            self.data.move_to_end(key)
            while len(self.data) > self.size:
                self.data.popitem(last=False)
        return value


_memos: weakref.WeakKeyDictionary[Workspace, Memo] = weakref.WeakKeyDictionary()
_prefetching: weakref.WeakKeyDictionary[Workspace, tuple[int, threading.Thread]] = (
    weakref.WeakKeyDictionary()
)
_lock = threading.Lock()


def memo(ws: Workspace) -> Memo:
    with _lock:
        m = _memos.get(ws)
        if m is None:
            m = _memos[ws] = Memo()
        return m


def passages_mark(ws: Workspace) -> str:
    """The passages watermark the evidence search uses (:meth:`Workspace.mark`)."""
    return ws.mark("passages")


def matches_mark(ws: Workspace) -> str:
    """The archive and verdicts watermarks matching uses (:meth:`Workspace.mark`)."""
    return f"{ws.mark('archive')}#{ws.mark('verdicts')}"


def suggestions(ws: Workspace, claim: Claim, mark: str, *, text: str | None = None,
                k: int = K_SUGGEST) -> list[Any]:
    """Suggested passages for the claim, or for free `text` (searched in the same sources)."""
    from factcheck.search import evidence

    if text is None:
        key = ("suggest", int(claim.id), claim.text, mark, k)  # type: ignore[arg-type]
        return memo(ws).get(key, lambda: evidence.suggest(ws, claim_id=int(claim.id), k=k))  # type: ignore[arg-type]
    return memo(ws).get(("suggest-text", text, mark, k), lambda: evidence.suggest(ws, text=text, k=k))


def earlier_checks(ws: Workspace, claim: Claim, mark: str, k: int = K_MATCH) -> list[Any]:
    """Earlier fact-checks (archive and this desk's verdicts) matching the claim."""
    from factcheck.search import archive_match

    key = ("match", int(claim.id), claim.text, mark, k)  # type: ignore[arg-type]
    return memo(ws).get(key, lambda: archive_match.match(ws, int(claim.id), k=k))  # type: ignore[arg-type]


def check_report(ws: Workspace, claim: Claim, mark: str, linked_ids: list[int]) -> Any:
    """Quote and number checks against the linked (else suggested) evidence."""
    from factcheck.services import checks

    key = ("checks", int(claim.id), claim.start, claim.end, claim.text, mark,  # type: ignore[arg-type]
           tuple(linked_ids))

    def compute() -> Any:
        # unlinked claims are checked against the suggestions the page shows: searched once
        found = None if linked_ids else suggestions(ws, claim, mark, k=max(K_SUGGEST, checks.SUGGESTED))
        return checks.check_claim(ws, int(claim.id), suggested=found)  # type: ignore[arg-type]

    return memo(ws).get(key, compute)


def warm(ws: Workspace, claim_id: int) -> None:
    """Compute everything the review page needs for a claim (errors are ignored)."""
    from factcheck.services import review as rv

    try:
        claim = ws.store.get_claim(claim_id)
        pmark = passages_mark(ws)
        suggestions(ws, claim, pmark)
        check_report(ws, claim, pmark, [lk.passage_id for lk in rv.links_for(ws, claim_id)])
        earlier_checks(ws, claim, matches_mark(ws))
    except Exception as e:  # noqa: BLE001 - a prefetch must never disturb the page
        log.debug("prefetch of claim %s failed: %s", claim_id, e)


def prefetch(ws: Workspace, claim_id: int | None) -> None:
    """Warm a claim in the background (at most one prefetch per workspace at a time)."""
    if claim_id is None:
        return
    with _lock:
        running = _prefetching.get(ws)
        if running is not None and running[1].is_alive():
            return
        thread = threading.Thread(target=warm, args=(ws, int(claim_id)), name="factcheck-prefetch",
                                  daemon=True)
        _prefetching[ws] = (int(claim_id), thread)
        thread.start()


def wait_prefetch(ws: Workspace, claim_id: int, timeout: float = 10.0) -> None:
    """If this very claim is being prefetched, wait for it instead of computing it twice."""
    running = _prefetching.get(ws)
    if running is not None and running[0] == int(claim_id) and running[1].is_alive():
        running[1].join(timeout)
