"""One base error for the whole library. Every message says what went wrong and how to fix it."""

from __future__ import annotations


class FactcheckError(Exception):
    """Base class for all factcheck errors; ``str(err)`` is a one-line, user-facing message."""

    exit_code: int = 1


class InputError(FactcheckError):
    """A file or record that cannot be read (empty, binary, malformed...)."""


class NotFoundError(FactcheckError):
    """An unknown id (claim, passage, source, article...)."""


class IndexStaleError(FactcheckError):
    """A FAISS index that does not match the database or the configured model."""


class ConfigError(FactcheckError):
    """A setting that cannot be used (bad model name, bad database URL...)."""


class ConflictError(FactcheckError):
    """A write that lost an optimistic-concurrency race; the caller should re-read and re-apply."""

    exit_code = 3
