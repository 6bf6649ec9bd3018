"""The verdict CSV format: columns (from :class:`ExportRow`), cells, and formula neutralising.

RFC 4180 (comma, ``"`` quoting, CRLF rows); the caller chooses the stream and its encoding.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from factcheck.models import ClaimStatus, ClaimType
from factcheck.text.values import format_value

if TYPE_CHECKING:
    pass


EVIDENCE_FIELD_SEP = " | "
"""Separator between URL, stance and passage text of one evidence link in the CSV cell."""
EVIDENCE_LINK_SEP = "\n"
"""Separator between evidence links in the CSV cell (passage text has its whitespace collapsed)."""
KEY_VALUE_SEP = "; "
"""Separator between key values in the CSV cell."""


# ---------------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------------
class ExportRow(BaseModel):
    """One CSV row. Field order is the column order; descriptions are the column documentation."""

    claim_id: int = Field(description="Claim id in the database (`factcheck review CLAIM_ID`).")
    article_id: str = Field(description="Article id: the external id, else `sha256:` + content hash.")
    article_title: str | None = Field(default=None, description="Article title (empty if unknown).")
    article_url: str | None = Field(default=None, description="Article URL (empty if unknown).")
    claim_text: str = Field(description="The claim, exactly as in the article (`article[start:end]`).")
    start: int = Field(description="Character offset of the claim start in the article text.")
    end: int = Field(description="Character offset just past the claim end.")
    type: ClaimType = Field(
        description="quantity, quote, event, attribution, policy, prediction, comparison or other."
    )
    speaker: str | None = Field(default=None, description="Who made the claim, if attributed.")
    key_values: str = Field(
        default="",
        description=(
            "Numbers, dates and amounts in the claim, each as `kind: text (value as a person "
            "writes it)`, separated by `; `, e.g. `money: $68.1 billion (68.1 billion USD); "
            "percent: 5% (5 %); date: Jan. 5, 2024 (2024-01-05)`."
        ),
    )
    checkworthiness: float = Field(description="Check-worthiness score 0..1 (4 decimals).")
    status: ClaimStatus = Field(
        description="new, in_review, needs_second_review, done (dismissed only with --status dismissed)."
    )
    verdict: str | None = Field(default=None, description="Verdict label from the scale (empty if none).")
    rationale: str | None = Field(default=None, description="The reviewer's rationale.")
    evidence: str = Field(
        default="",
        description=(
            "Linked evidence, one link per line (line break inside the cell), each "
            "`URL | stance | passage text`; the URL falls back to `source:<id>` and passage "
            "whitespace is collapsed to single spaces, so split lines on `\\n` and each line "
            "on the first two ` | `."
        ),
    )
    reviewer: str | None = Field(default=None, description="Who saved the verdict.")
    reviewed_at: str | None = Field(
        default=None, description="When the verdict was saved, ISO 8601 UTC: `2025-03-01T14:05:09Z`."
    )


COLUMNS: tuple[str, ...] = tuple(ExportRow.model_fields)
"""CSV header, in order."""

_TRIGGERS = frozenset("=+-@\t\r")


def neutralise(cell: str) -> str:
    """Make a cell inert for spreadsheets (OWASP CSV injection, as written): every cell starting
    with ``=``, ``+``, ``-``, ``@``, tab or carriage return gets a leading ``'``.

    Spreadsheets parse ``-5% growth`` as a formula too (and show ``#NAME?``), so signed numbers
    are no exception. ``pd.read_csv(..., dtype=str)`` reads the ``'`` back as part of the cell.
    """
    if cell and cell[0] in _TRIGGERS:
        return "'" + cell
    return cell


def iso_utc(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def key_values_cell(values: Any) -> str:
    if values.__class__ is str:  # raw JSON text (selected without SQLAlchemy's JSON processing)
        if values in ("[]", "null", ""):
            return ""
        values = json.loads(values)
    parts = []
    for kv in values or ():
        text = f"{kv.get('kind')}: {kv.get('text')}"
        human = format_value(kv.get("kind"), kv.get("value"), kv.get("unit"), kv.get("normalized") or "")
        if human:
            text += f" ({human})"
        parts.append(text)
    return KEY_VALUE_SEP.join(parts)



_TEXT_COLUMNS = tuple(
    i for i, f in enumerate(ExportRow.model_fields.values()) if f.annotation in (str, str | None)
)
"""Indices of the free-text columns (the only ones that can hold a formula)."""


def _safe_row(row: tuple[Any, ...]) -> list[Any]:
    out = list(row)
    for i in _TEXT_COLUMNS:
        v = out[i]
        if v and v.__class__ is str and v[0] in _TRIGGERS:
            out[i] = neutralise(v)
    return out


def write_csv(rows: Iterable[tuple[Any, ...]], handle: Any) -> int:
    """Write the header and `rows` (values in :data:`COLUMNS` order) to a text stream, free-text
    cells neutralised; returns the number of rows."""
    writer = csv.writer(handle, dialect="excel", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    count = [0]

    def safe() -> Iterator[list[Any]]:
        for row in rows:
            count[0] += 1
            yield _safe_row(row)

    writer.writerows(safe())
    return count[0]



def columns_doc() -> str:
    """The CSV columns as a Markdown table (for the README)."""
    lines = ["| column | meaning |", "|---|---|"]
    for name, fld in ExportRow.model_fields.items():
        meaning = (fld.description or "").replace("|", r"\|")
        lines.append(f"| `{name}` | {meaning} |")
    return "\n".join(lines)


