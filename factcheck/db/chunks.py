"""Bounded ``IN (...)`` lists: SQLite caps bound parameters per statement, and long lists are slow."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

IN_CHUNK = 500


def in_chunks(items: Sequence[T], size: int = IN_CHUNK) -> Iterator[list[T]]:
    """Consecutive slices of at most `size` items (for ``column.in_(chunk)`` and batched inserts)."""
    items = list(items)
    for i in range(0, len(items), size):
        yield items[i : i + size]
