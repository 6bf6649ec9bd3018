"""Derived search data saved between processes in the user's own cache folder (pickles).

The match corpus and the passages' BM25 take seconds to build for a large database and are the
same from one command to the next; each is saved under ``Settings.user_cache`` (never the index
folder: that may be shared by a team, and loading a pickle someone else could write would run
their code), keyed by what it was built from, and loaded only when the file is the user's own,
not writable by others, and built for the same key.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from factcheck.workspace import Workspace

log = logging.getLogger(__name__)


def cache_path(ws: Workspace, folder: str, fmt: int) -> Path:
    """The file of this database + index folder in ``<user cache>/<folder>``; the format is in
    the name, so a file of another format is never unpickled."""
    where = f"{ws.store.url}|{Path(ws.index_dir).resolve()}"
    name = hashlib.sha256(where.encode()).hexdigest()[:24]
    return ws.settings.user_cache / folder / f"{name}.v{fmt}.pkl"


def load(path: Path, key: str, fmt: int, what: str = "cache") -> dict[str, Any] | None:
    """The saved dict if the file is ours and was built for ``key`` in format ``fmt`` (else None)."""
    try:
        st = path.stat()
        if hasattr(os, "getuid") and (st.st_uid != os.getuid() or st.st_mode & 0o022):
            log.warning("%s: %s not owned by you or writable by others; ignoring it", path, what)
            return None
        with path.open("rb") as f:
            data = pickle.load(f)  # noqa: S301 - our own file in our own cache folder, checked above
    except FileNotFoundError:
        return None
    except Exception as e:  # noqa: BLE001 - a damaged cache is rebuilt, never fatal
        log.warning("%s: unreadable %s (%s); rebuilding it", path, what, e)
        return None
    if not isinstance(data, dict) or data.get("format") != fmt or data.get("key") != key:
        return None
    return data


def save(path: Path, data: dict[str, Any], what: str = "cache") -> None:
    """Write the dict atomically, readable by the user only (a failure is logged, not raised)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".cache.", suffix=".tmp")  # mode 0600
    except OSError as e:
        log.warning("%s: cannot save the %s (%s)", path, what, e)
        return
    try:
        with os.fdopen(fd, "wb") as f:
            pickle.dump(data, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        log.warning("%s: cannot save the %s (%s)", path, what, e)
