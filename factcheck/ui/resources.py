"""The one ``st.cache_resource`` place: the Workspace (database engine, embedder, FAISS indexes).

One Workspace per distinct settings (``FACTCHECK_*`` environment) per server process, shared by
every browser session. The embedding model loads lazily inside it (in a background thread at
start, so the queue shows at once); indexes are loaded once and kept.

On first start (a database without articles) :func:`ensure_ready` extracts and indexes the sample
data with a progress bar: ``sample_data/articles`` (and ``sample_data/sources`` and
``sample_data/archive`` when the library can read them). ``FACTCHECK_SAMPLE_DATA`` names another
folder, or disables this with ``0``/``off``.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from collections.abc import Callable
from pathlib import Path

import streamlit as st
from pydantic import ValidationError

from factcheck.config import Settings
from factcheck.db.store import articles
from factcheck.errors import FactcheckError
from factcheck.io.readers import expand_paths
from factcheck.ui.safe_html import md
from factcheck.workspace import INDEX_KINDS, Workspace

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]
_ready: weakref.WeakSet[Workspace] = weakref.WeakSet()
_warmers: weakref.WeakKeyDictionary[Workspace, threading.Thread] = weakref.WeakKeyDictionary()
_boot_errors: weakref.WeakKeyDictionary[Workspace, list[str]] = weakref.WeakKeyDictionary()
_boot_lock = threading.Lock()


@st.cache_resource(show_spinner="Opening the database…")
def _open_workspace(settings_json: str) -> Workspace:
    settings = Settings.model_validate_json(settings_json)
    ws = Workspace(settings)
    log.info("workspace opened on %s", settings.url)
    return ws


def workspace() -> Workspace:
    """The shared Workspace for the current settings (cached across reruns and sessions).

    Bad settings (an unreadable database URL, a broken verdict-scale file, ...) stop the page with
    the library's one-line message instead of a traceback.
    """
    try:
        settings = Settings()
        ws = _open_workspace(settings.model_dump_json())
        ws.settings.verdict_scale()
    except (FactcheckError, ValidationError) as e:
        st.error("Cannot start: " + md(e), icon=":material/error:")
        st.caption("Fix the FACTCHECK_* settings (see the README) and reload the page.")
        st.stop()
    return ws


def sample_dir() -> Path | None:
    """The sample data folder used on first start, or None."""
    env = os.environ.get("FACTCHECK_SAMPLE_DATA")
    if env is not None:
        if env.strip().lower() in ("", "0", "off", "no", "none", "false"):
            return None
        return Path(env).expanduser()
    for base in (Path.cwd(), REPO_ROOT):
        if (base / "sample_data").is_dir():
            return base / "sample_data"
    return None


def warm_model(ws: Workspace) -> None:
    """In the background (once per workspace): load the model, build the in-memory search indexes.

    The queue shows at once; by the time a claim is opened, the embedding model, the BM25 index
    over the passages and the earlier-fact-check corpus are usually ready.
    """
    with _boot_lock:
        if ws in _warmers:
            return
        thread = threading.Thread(target=_warm, args=(ws,), name="factcheck-warm", daemon=True)
        _warmers[ws] = thread
        thread.start()


def _warm(ws: Workspace) -> None:
    try:
        _ = ws.embedder.model
    except Exception:  # noqa: BLE001 - reported again, with its message, on first real use
        log.exception("loading the embedding model failed")
        return
    try:
        from factcheck.search import archive_match, evidence

        evidence.passage_lexicon(ws)
        archive_match.match_corpus(ws)
    except Exception:  # noqa: BLE001 - the page builds them itself (and reports errors) if needed
        log.warning("warming the search indexes failed", exc_info=True)


def wait_model(ws: Workspace) -> None:
    """Block until the background warm-up (if any) is finished, with a spinner."""
    thread = _warmers.get(ws)
    if thread is not None and thread.is_alive():
        with st.spinner("Loading the embedding model and search indexes (first use only)…"):
            thread.join()


def _progress_cb(bar: st.delta_generator.DeltaGenerator, label: str) -> Callable[[int, int], None]:
    def update(done: int, total: int) -> None:
        bar.progress(min(done / total, 1.0) if total else 1.0, text=f"{label}: {done:,}/{total:,}")

    return update


def bootstrap(ws: Workspace) -> dict[str, int]:
    """Extract the sample articles, add the sample sources and archive, then sync every index.

    Shows progress bars in the current page; returns counts of what was added.
    """
    done: dict[str, int] = {}
    errors: list[str] = []
    data = sample_dir()
    first_start = ws.store.count(articles) == 0
    if first_start and data is not None and data.is_dir():
        st.info("First start: preparing the sample data (this happens once).")
        arts = data / "articles"
        if arts.is_dir():
            files = [p for p in expand_paths([str(arts)]) if not isinstance(p, Exception)]
            bar = st.progress(0.0, text="Extracting the sample articles…")
            seen = [0]

            def on_article(_res: object) -> None:
                seen[0] += 1
                bar.progress(min(seen[0] / max(len(files), 1), 1.0),
                             text=f"Extracting the sample articles: {seen[0]}/{len(files)}")

            from factcheck.services.extract import extract_paths

            results = extract_paths(ws, [str(arts)], on_result=on_article)
            done["articles"] = sum(1 for r in results if not r.error and not r.skipped)
            errors += [r.error for r in results if r.error]
        srcs = data / "sources"
        if srcs.is_dir():
            from factcheck.services.sources import add_sources

            bar = st.progress(0.0, text="Adding the sample sources…")
            n = [0]

            def on_source(_res: object) -> None:
                n[0] += 1
                bar.progress(0.5, text=f"Adding the sample sources: {n[0]} read")

            report = add_sources(ws, [srcs], on_result=on_source)
            done["sources"] = report.added
            errors += report.errors
        arch = data / "archive"
        if arch.is_dir():
            with st.spinner("Importing the sample archive of earlier fact-checks…"):
                done["archive"], archive_errors = _import_archive_folder(ws, arch)
            errors += archive_errors
    for kind in INDEX_KINDS:
        bar = st.progress(0.0, text=f"Checking the {kind} index…")
        try:
            ws.sync_index(kind, progress=_progress_cb(bar, f"Indexing {kind}"))
        except FactcheckError as e:
            errors.append(f"{kind} index: {e}")
        bar.empty()
    _boot_errors[ws] = errors
    return done


def _import_archive_folder(ws: Workspace, folder: Path) -> tuple[int, list[str]]:
    """Import every archive file (CSV, ClaimReview JSON/JSON-LD/JSONL) in a folder."""
    from factcheck.services.archive import import_archive

    added, errors = 0, []
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix.lower() in (".csv", ".json", ".jsonld", ".jsonl"):
            report = import_archive(ws, path)
            added += report.added
            errors += report.errors
    return added, errors


def ensure_ready(ws: Workspace) -> None:
    """First call per workspace: bootstrap the sample data if the database is empty, sync indexes.

    Later calls return at once. Concurrent sessions wait for the first one to finish.
    """
    if ws in _ready:
        return
    with _boot_lock:
        if ws in _ready:
            return
        box = st.empty()
        with box.container():
            bootstrap(ws)
        box.empty()
        _ready.add(ws)
    if ws.store.count(articles):
        warm_model(ws)


def startup_errors(ws: Workspace) -> list[str]:
    """What failed while preparing the data at start (shown once per browser session)."""
    return list(_boot_errors.get(ws, []))


def forget(ws: Workspace) -> None:
    """Make the next :func:`ensure_ready` run the start-up steps again (tests)."""
    _ready.discard(ws)
