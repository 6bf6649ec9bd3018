"""Hostile uploads: safe names, size limits, zip bombs, capped PDF reading.

The app's upload widgets hand every file to :func:`read_upload`, which never raises: it returns
:class:`~factcheck.io.readers.Document` items and :class:`~factcheck.errors.InputError` items with
one-line messages. Before any parsing it

* reduces the uploaded name to a harmless base name (:func:`safe_upload_name`: no directories,
  no ``..``, no control or shell characters, no Windows device names, bounded length) — the name
  is only ever a label, but it is also safe to use as a file name;
* refuses empty files, files over the size limit, and unsupported types;
* inspects ZIP containers (``.docx``, ``.odt``, ``.epub``, ``.zip`` or anything starting with the
  ZIP magic) by *streaming* their members with a cap, so a zip bomb is reported as one, whatever
  sizes its directory claims — and then refuses the container, as no ZIP format is supported;
* reads PDFs through pypdf with a page cap and a text cap (pypdf itself caps stream
  decompression), turning any parser failure into an :class:`InputError`.
"""

from __future__ import annotations

import io
import logging
import re
import unicodedata
import zipfile
from pathlib import PurePosixPath

from factcheck.errors import InputError
from factcheck.io.readers import ARTICLE_SUFFIXES, MAX_BYTES, PDF_SUFFIXES, Document, read_bytes

log = logging.getLogger(__name__)

SUPPORTED_SUFFIXES = frozenset(ARTICLE_SUFFIXES | PDF_SUFFIXES)
ZIP_SUFFIXES = frozenset({".docx", ".odt", ".epub", ".zip", ".xlsx", ".pptx"})
ZIP_MAGIC = b"PK\x03\x04"
MAX_NAME_CHARS = 120
MAX_SUFFIX_CHARS = 16
MAX_PDF_PAGES = 500
MAX_PDF_CHARS = 5_000_000
MAX_ZIP_MEMBERS = 2_000
MAX_ZIP_UNCOMPRESSED = 100_000_000
MAX_ZIP_RATIO = 200
_WINDOWS_DEVICES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                    *(f"lpt{i}" for i in range(10))}
_UNSAFE = re.compile(r"[^\w .()+,=@-]")  # \w is Unicode-aware: letters and digits stay


def safe_upload_name(name: str) -> str:
    """A harmless base name for an uploaded file (never empty, never a path).

    ``"../../etc/passwd"`` -> ``"passwd"``; ``"C:\\\\x\\\\a.txt"`` -> ``"a.txt"``; ``".."`` -> ``"upload"``;
    ``"CON.txt"`` -> ``"_CON.txt"``. Unicode letters are kept (NFC); control characters, path
    separators and shell/HTML metacharacters become ``_``; leading dots (hidden files) and
    trailing dots/spaces go; the result has at most 120 characters, keeping the suffix.
    """
    name = unicodedata.normalize("NFC", str(name))
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C" or ch in "/\\")
    name = re.split(r"[/\\]", name)[-1]  # the last path component, Windows or POSIX
    name = _UNSAFE.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip(" ._")
    name = re.sub(r"_{2,}", "_", name)
    if not name or set(name) <= {".", "_"}:
        return "upload"
    if name.split(".")[0].strip().lower() in _WINDOWS_DEVICES:
        name = "_" + name
    if len(name) > MAX_NAME_CHARS:
        path = PurePosixPath(name)
        suffix = path.suffix if 1 < len(path.suffix) <= MAX_SUFFIX_CHARS else ""
        name = name[: len(name) - len(suffix)][: MAX_NAME_CHARS - len(suffix)].rstrip(" .") + suffix
    return name


def suffix_of(name: str) -> str:
    """Lower-case suffix of a (safe) name: ``"Report.PDF"`` -> ``".pdf"``."""
    return PurePosixPath(name).suffix.lower()


def check_zip(
    data: bytes, name: str, *, max_members: int = MAX_ZIP_MEMBERS,
    max_uncompressed: int = MAX_ZIP_UNCOMPRESSED, max_ratio: int = MAX_ZIP_RATIO,
) -> None:
    """Raise InputError for a ZIP that is broken or a decompression bomb.

    Members are decompressed as a stream and counted (declared sizes are not trusted); reading
    stops as soon as the total passes `max_uncompressed` or `max_ratio` times the upload size.
    """
    limit = min(max_uncompressed, max_ratio * max(len(data), 1))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            members = zf.infolist()
            if len(members) > max_members:
                raise InputError(f"{name}: archive has {len(members):,} members (limit "
                                 f"{max_members:,}); refusing a possible zip bomb")
            total = 0
            for info in members:
                if info.is_dir():
                    continue
                with zf.open(info) as member:
                    while chunk := member.read(1 << 16):
                        total += len(chunk)
                        if total > limit:
                            raise InputError(
                                f"{name}: archive expands to over {limit:,} bytes from "
                                f"{len(data):,}; refusing a zip bomb"
                            )
    except InputError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError, OSError,
            EOFError, ValueError) as e:
        raise InputError(f"{name}: broken archive ({e}); re-save the file") from e


def check_upload(name: str, data: bytes, *, max_bytes: int = MAX_BYTES) -> str:
    """The safe name of an acceptable upload, or InputError saying why it is refused."""
    safe = safe_upload_name(name)
    if not data:
        raise InputError(f"{safe}: file is empty; give a file with text in it")
    if len(data) > max_bytes:
        raise InputError(f"{safe}: {len(data):,} bytes is over the {max_bytes:,}-byte limit; split "
                         "the file or raise FACTCHECK_MAX_BYTES")
    suffix = suffix_of(safe)
    if suffix in ZIP_SUFFIXES or data.startswith(ZIP_MAGIC):
        check_zip(data, safe)
        raise InputError(f"{safe}: {suffix or 'ZIP'} files are not supported; save the document as "
                         ".txt, .html or .pdf")
    if suffix not in SUPPORTED_SUFFIXES:
        kinds = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise InputError(f"{safe}: unsupported file type {suffix or '(no suffix)'!r}; use {kinds}")
    return safe


def pdf_text(
    data: bytes, name: str, *, max_pages: int = MAX_PDF_PAGES, max_chars: int = MAX_PDF_CHARS
) -> str:
    """Text of a PDF with caps on pages and characters; any parser failure is an InputError."""
    from pypdf import PdfReader

    parts: list[str] = []
    size = 0
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise InputError(f"{name}: the PDF is encrypted; save an unprotected copy")
        n = len(reader.pages)
        if n > max_pages:
            raise InputError(f"{name}: {n:,} pages is over the {max_pages:,}-page limit; split the PDF")
        for page in reader.pages:
            text = (page.extract_text() or "").strip()
            if text:
                parts.append(text)
                size += len(text)
                if size > max_chars:
                    raise InputError(f"{name}: over {max_chars:,} characters of text; split the PDF")
    except InputError:
        raise
    except RecursionError as e:
        raise InputError(f"{name}: unreadable PDF (nested too deeply); export it to text first") from e
    except Exception as e:  # noqa: BLE001 - pypdf raises many kinds on hostile files
        raise InputError(f"{name}: unreadable PDF ({type(e).__name__}); export it to text first") from e
    text = "\n\n".join(parts)
    if not text:
        raise InputError(f"{name}: the PDF has no text layer (scanned?); OCR it or paste the text")
    return text


def read_upload(
    name: str, data: bytes, *, max_bytes: int = MAX_BYTES, max_pdf_pages: int = MAX_PDF_PAGES
) -> list[Document | InputError]:
    """Documents of one uploaded file, or InputErrors; never raises for any bytes or name."""
    try:
        safe = check_upload(name, data, max_bytes=max_bytes)
        if suffix_of(safe) in PDF_SUFFIXES:
            text = pdf_text(data, safe, max_pages=max_pdf_pages)
            return [Document(text=text, title=PurePosixPath(safe).stem, origin=safe)]
        items: list[Document | InputError] = [
            InputError(f"{d.origin or safe}: no text in it; give a file with text")
            if isinstance(d, Document) and not d.text.strip() else d
            for d in read_bytes(data, safe, max_bytes=max_bytes)
        ]
        return items or [InputError(f"{safe}: no records in the file; give at least one with text")]
    except InputError as e:
        return [e]
    except Exception as e:  # noqa: BLE001 - last line of defence for the app
        log.exception("unexpected error reading upload %r", name)
        return [InputError(f"{safe_upload_name(name)}: could not read the file ({type(e).__name__})")]
