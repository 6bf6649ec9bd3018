"""factcheck: a fact-check annotation toolkit.

The library API: a :class:`Workspace` (settings, database, embedder, indexes) and one function
per action, e.g. :func:`extract_paths`, :func:`similar_claims`. Names are imported lazily so
``import factcheck.errors`` (and the CLI's ``--help``) stay instant.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.2.0"

_EXPORTS = {
    "FactcheckError": "errors",
    "Settings": "config",
    "Workspace": "workspace",
    "extract_document": "services.extract",
    "extract_paths": "services.extract",
    "similar_claims": "search.claims",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module 'factcheck' has no attribute {name!r}")
