"""Helpers of the AppTest tests (the fixtures are in ``tests/ui/conftest.py``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import REPO

APP = str(REPO / "app.py")
SAMPLE = REPO / "sample_data"
TIMEOUT = 300


def page(name: str) -> str:
    return f"factcheck/ui/pages/{name}.py"


def _env(mp: pytest.MonkeyPatch, folder: Path, model) -> None:
    import factcheck.ml.embedder

    mp.setattr(factcheck.ml.embedder, "load_model", lambda name=None: model)
    mp.setenv("FACTCHECK_DB", str(folder / "fc.db"))
    mp.setenv("FACTCHECK_INDEX_DIR", str(folder / "indexes"))
    mp.setenv("FACTCHECK_SAMPLE_DATA", str(SAMPLE))
    mp.delenv("FACTCHECK_VERDICTS", raising=False)
    mp.delenv("FACTCHECK_MIN_SCORE", raising=False)


def ok(at):
    """Assert the last run raised nothing; return the AppTest."""
    assert not at.exception, "\n".join(e.message + "\n" + "\n".join(e.stack_trace) for e in at.exception)
    return at


def table(at, column: str):
    """The first dataframe shown with this column (read-only tables carry no key in AppTest)."""
    for df in at.dataframe:
        value = df.value
        if column in value.columns:
            return value
    raise AssertionError(f"no table with a {column!r} column")


def htmls(at) -> str:
    """Every st.html body shown, one string."""
    return "\n".join(h.proto.body for h in at.get("html"))


def texts(at) -> str:
    """Everything shown as markdown/html/text/captions/messages, one string (Markdown escapes undone)."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [t.value for t in at.text]
    parts.append(htmls(at))
    for kind in ("success", "error", "warning", "info"):
        parts += [m.value for m in getattr(at, kind)]
    return re.sub(r"\\(.)", r"\1", "\n".join(str(p) for p in parts))


def _db(folder: Path) -> sa.Engine:
    return sa.create_engine(f"sqlite:///{folder / 'fc.db'}")


def claim_with(db, needle: str) -> int:
    with db.connect() as conn:
        row = conn.execute(
            sa.text("SELECT id FROM claims WHERE text LIKE :t AND status != 'dismissed' ORDER BY id"),
            {"t": f"%{needle}%"},
        ).first()
    assert row is not None, f"no claim containing {needle!r}"
    return int(row[0])


def one(db, sql: str, **params):
    with db.connect() as conn:
        return conn.execute(sa.text(sql), params).first()
