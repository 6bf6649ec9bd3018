"""Atomic file writes: a temporary file beside the target, then :func:`os.replace`.

A reader never sees half a file, and a failed write leaves the previous file as it was. The new
file gets the permissions the user's umask gives (not the 0600 of a temporary file).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from factcheck.errors import InputError


def _umask() -> int:
    """The process umask, read without changing it (os.umask would, for every thread, briefly)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def atomic_write(path: str | Path, write: Callable[[Any], Any], *, mode: str, **open_kw: Any) -> Any:
    """Write through `write(handle)` into a temp file beside `path`, then rename it into place."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"{target}: folder {folder} does not exist; create it or pick another path")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, mode, **open_kw) as handle:
            result = write(handle)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a new file follows the umask
        os.replace(tmp, target)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"{target}: cannot write ({e.strerror}); check the path and permissions") from e
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return result


