"""Reading input documents: .txt .md .html .jsonl .csv (and stdin), with clear per-file errors.

Readers yield records or :class:`InputError` items, so a batch goes on past a bad file or a bad
line and the caller decides the exit code. Ids: an ``id`` field in JSONL/CSV is kept (external
ids let users join results back to their own data); without one, the id is the content hash.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from factcheck.errors import InputError
from factcheck.text.sentences import text_hash

log = logging.getLogger(__name__)

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
RECORD_SUFFIXES = {".jsonl", ".ndjson", ".csv", ".parquet"}
PDF_SUFFIXES = {".pdf"}
ARTICLE_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | RECORD_SUFFIXES
MAX_BYTES = 20_000_000

csv.field_size_limit(MAX_BYTES)


@dataclass
class Document:
    """A text with optional metadata, before it becomes an Article or Source."""

    text: str
    id: str | None = None
    title: str | None = None
    url: str | None = None
    published: str | None = None
    origin: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def content_id(self) -> str:
        """The external id, else ``sha256:<first 16 hex>`` of the text."""
        return self.id or f"sha256:{text_hash(self.text)[:16]}"


def decode_bytes(data: bytes, name: str) -> str:
    """Decode file bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else cp1252; binary fails.

    A file that holds only a BOM or (any Unicode) whitespace is reported as empty.
    """
    text = _decode(data, name)
    if not text.strip():
        raise InputError(f"{name}: file is empty; give a file with text in it")
    return text


def _decode(data: bytes, name: str) -> str:
    if not data.strip():
        raise InputError(f"{name}: file is empty; give a file with text in it")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise InputError(f"{name}: bad UTF-16 text ({e.reason}); re-save as UTF-8") from e
    if b"\x00" in data[:8192]:
        raise InputError(f"{name}: looks binary (NUL bytes); give a text, HTML, CSV or JSONL file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    text = data.decode("cp1252", errors="replace")
    bad = text.count("\ufffd")
    if bad > max(3, len(text) // 100):
        raise InputError(f"{name}: not UTF-8 and not readable as Windows-1252; re-save as UTF-8")
    log.warning("%s: not UTF-8, decoded as Windows-1252", name)
    return text


def html_to_text(html: str, name: str) -> tuple[str, str | None]:
    """Main text and title of an HTML page (trafilatura), falling back to all visible text."""
    text, title, _ = read_html(html, name)
    return text, title


def read_html(html: str, name: str) -> tuple[str, str | None, str | None]:
    """Main text, title and published date (``2025-02-24``, from the page's metadata; None when
    it gives none) of an HTML page. The date places the page in time for the number check."""
    import trafilatura

    text = trafilatura.extract(html, include_comments=False, include_tables=False, favor_recall=True)
    title = published = None
    meta = trafilatura.extract_metadata(html)
    if meta is not None:
        title, published = meta.title, meta.date
    if not text:
        from lxml import html as lxml_html

        try:
            text = lxml_html.fromstring(html).text_content()
        except Exception:  # noqa: BLE001 - lxml raises many kinds on junk
            text = ""
    if not text or not text.strip():
        raise InputError(f"{name}: no main text found in the HTML; save the article as .txt")
    return text, title, published


def pdf_to_text(data: bytes, name: str) -> str:
    """Text of a PDF (pypdf), pages separated by blank lines."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [p.extract_text() or "" for p in reader.pages]
    except (PdfReadError, ValueError, KeyError, OSError) as e:
        raise InputError(f"{name}: unreadable PDF ({e}); export it to text first") from e
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text:
        raise InputError(f"{name}: the PDF has no text layer (scanned?); OCR it or paste the text")
    return text


def _first_line_title(text: str) -> str | None:
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line[:200]
    return None


def _record(fields: dict[str, Any], name: str, text_key: str = "text") -> Document:
    text = fields.get(text_key)
    if not isinstance(text, str) or not text.strip():
        raise InputError(f"{name}: no `{text_key}` value; every record needs non-empty text")
    rid = fields.get("id")
    rid = None if rid is None or str(rid).strip() == "" else str(rid).strip()

    def opt(key: str) -> str | None:
        v = fields.get(key)
        return None if v is None or str(v).strip() == "" else str(v).strip()

    known = {"id", text_key, "title", "url", "published"}
    extra = {k: v for k, v in fields.items() if k not in known and k}
    return Document(
        text=text,
        id=rid,
        title=opt("title"),
        url=opt("url"),
        published=opt("published"),
        origin=name,
        extra=extra,
    )


def jsonl_objects(
    text: str, name: str, what: str = "a `text` field"
) -> Iterator[tuple[str, dict[str, Any]] | InputError]:
    """(``file:line``, object) of each non-blank JSONL line, or an InputError naming the line."""
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{name}:{lineno}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            yield InputError(f"{where}: invalid JSON ({e.msg}); fix or remove the line")
            continue
        if not isinstance(obj, dict):
            yield InputError(f"{where}: expected a JSON object with {what}")
            continue
        yield where, obj


def read_jsonl(text: str, name: str) -> Iterator[Document | InputError]:
    """Records of a JSONL file; a bad line yields an InputError naming file and line."""
    for item in jsonl_objects(text, name):
        if isinstance(item, InputError):
            yield item
            continue
        where, obj = item
        try:
            yield _record(obj, where)
        except InputError as e:
            yield e


def read_parquet(data: bytes, name: str) -> Iterator[Document | InputError]:
    """Records of a Parquet file (columns as in JSONL: text, id, title, url, published, ...)."""
    try:
        import pyarrow.parquet as pq

        table = pq.read_table(io.BytesIO(data))
    except ImportError as e:
        raise InputError(f"{name}: reading Parquet needs pyarrow; run `pip install pyarrow`") from e
    except Exception as e:  # noqa: BLE001 - pyarrow raises several kinds for bad files
        raise InputError(f"{name}: not a readable Parquet file ({e}); check the file") from e
    if "text" not in table.column_names:
        raise InputError(f"{name}: no `text` column; a Parquet input needs one (and may have id, "
                         "title, url, published)")
    for i, row in enumerate(table.to_pylist(), 1):
        try:
            yield _record(row, f"{name}:{i}")
        except InputError as e:
            yield e


def csv_rows(
    text: str,
    name: str,
    check_header: Callable[[list[str]], str | None],
    *,
    delimiters: str = ",;\t",
) -> Iterator[tuple[str, dict[str, str]] | InputError]:
    """(``file:line``, fields) of each CSV row, or InputErrors naming file and line.

    The dialect is sniffed; header names are lower-cased. `check_header` returns an error
    message (the fix) for an unusable header, else None. Rows with the wrong number of fields are
    reported and skipped; a quoting error stops the file (the rest cannot be trusted).
    """
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=delimiters)
    except csv.Error:
        dialect = csv.excel_tab if delimiters == "\t" else csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        yield InputError(f"{name}: empty CSV; the first row must be a header")
        return
    except csv.Error as e:
        yield InputError(f"{name}:1: malformed CSV header ({e}); fix the quoting")
        return
    problem = check_header(header)
    if problem:
        yield InputError(f"{name}:1: {problem}")
        return
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            yield InputError(f"{name}:{line}: malformed CSV ({e}); fix the quoting")
            return
        where = f"{name}:{line}"
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            yield InputError(
                f"{where}: {len(row)} fields, header has {len(header)}; quote cells with commas"
            )
            continue
        yield where, dict(zip(header, row))


def read_csv(text: str, name: str) -> Iterator[Document | InputError]:
    """Records of a CSV file with a `text` column (+ optional id, title, url, published)."""

    def check(header: list[str]) -> str | None:
        if "text" in header:
            return None
        return f"no `text` column in the header {header[:8]}; add one"

    for item in csv_rows(text, name, check):
        if isinstance(item, InputError):
            yield item
            continue
        where, fields = item
        try:
            yield _record(fields, where)
        except InputError as e:
            yield e


def read_bytes(data: bytes, name: str, *, max_bytes: int = MAX_BYTES) -> Iterator[Document | InputError]:
    """Documents in one file's bytes, dispatched on the file suffix."""
    if len(data) > max_bytes:
        yield InputError(
            f"{name}: {len(data):,} bytes is over the {max_bytes:,}-byte limit; split the file "
            "or raise FACTCHECK_MAX_BYTES"
        )
        return
    suffix = Path(name).suffix.lower()
    try:
        if suffix in PDF_SUFFIXES:
            text = pdf_to_text(data, name)
            yield Document(text=text, title=Path(name).stem, origin=name)
            return
        if suffix == ".parquet":
            yield from read_parquet(data, name)
            return
        text = decode_bytes(data, name)
        if suffix in {".jsonl", ".ndjson"}:
            yield from read_jsonl(text, name)
        elif suffix == ".csv":
            yield from read_csv(text, name)
        elif suffix in HTML_SUFFIXES:
            body, title, published = read_html(text, name)
            yield Document(text=body, title=title or Path(name).stem, published=published, origin=name)
        else:
            yield Document(text=text, title=_first_line_title(text), origin=name)
    except InputError as e:
        yield e


def expand_paths(paths: list[str], suffixes: set[str] = ARTICLE_SUFFIXES) -> Iterator[Path | str]:
    """Files named or found under folders (sorted), '-' for stdin; missing paths raise InputError."""
    for p in paths:
        if p == "-":
            yield "-"
            continue
        path = Path(p)
        if path.is_dir():
            found = sorted(f for f in path.rglob("*") if f.is_file() and f.suffix.lower() in suffixes)
            if not found:
                log.warning("%s: no %s files in this folder", p, "/".join(sorted(suffixes)))
            yield from found
        elif path.exists():
            yield path
        else:
            yield InputError(f"{p}: no such file or folder")  # type: ignore[misc]


def read_paths(
    paths: list[str], *, max_bytes: int = MAX_BYTES, suffixes: set[str] = ARTICLE_SUFFIXES
) -> Iterator[Document | InputError]:
    """Every document in these paths; errors are yielded, never raised."""
    for item in expand_paths(paths, suffixes):
        if isinstance(item, InputError):
            yield item
            continue
        if item == "-":
            data = sys.stdin.buffer.read()
            yield from read_bytes(data, "<stdin>.txt", max_bytes=max_bytes)
            continue
        try:
            size = item.stat().st_size
            if size > max_bytes:
                yield InputError(
                    f"{item}: {size:,} bytes is over the {max_bytes:,}-byte limit; split the file "
                    "or raise FACTCHECK_MAX_BYTES"
                )
                continue
            data = item.read_bytes()
        except OSError as e:
            yield InputError(f"{item}: cannot read ({e.strerror})")
            continue
        yield from read_bytes(data, str(item), max_bytes=max_bytes)
