"""Uploads: traversal names, size limits, zip bombs, PDFs with caps (factcheck.uploads)."""

from __future__ import annotations

import io
import zipfile
import zlib

import pytest

from factcheck.errors import InputError
from factcheck.io.readers import Document
from factcheck.io.uploads import check_upload, check_zip, read_upload, safe_upload_name


def make_pdf(texts: list[str], *, raw_stream: bytes | None = None, filters: str = "") -> bytes:
    """A small valid PDF, one page per text (or one page whose content stream is `raw_stream`)."""
    pages = texts if raw_stream is None else ["raw"]
    n = len(pages)
    font = 3 + 2 * n
    objs = [b"<</Type/Catalog/Pages 2 0 R>>",
            f"<</Type/Pages/Kids[{' '.join(f'{3 + 2 * i} 0 R' for i in range(n))}]/Count {n}>>".encode()]
    for i, text in enumerate(pages):
        content = raw_stream if raw_stream is not None else f"BT /F1 12 Tf 72 712 Td ({text}) Tj ET".encode()
        objs.append(f"<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents {4 + 2 * i} 0 R"
                    f"/Resources<</Font<</F1 {font} 0 R>>>>>>".encode())
        objs.append(b"<</Length %d%s>>stream\n" % (len(content), filters.encode()) + content + b"\nendstream")
    objs.append(b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>")
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, obj in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize(("name", "safe"), [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\windows\\system32\\cmd.exe", "cmd.exe"),
    ("/abs/path/report.txt", "report.txt"),
    ("C:\\Users\\x\\a.txt", "a.txt"),
    ("..", "upload"),
    ("", "upload"),
    ("....//....//", "upload"),
    (".bashrc", "bashrc"),
    ("CON.txt", "_CON.txt"),
    ("a\x00b\nc.txt", "abc.txt"),
    ("<script>alert(1)</script>.html", "script_.html"),
    ("rm -rf $(x);.txt", "rm -rf _(x)_.txt"),
    ("Grüße aus Köln.md", "Grüße aus Köln.md"),
    ("\u202etxt.exe", "txt.exe"),
])
def test_safe_upload_names(name, safe):
    assert safe_upload_name(name) == safe


def test_long_names_keep_their_suffix():
    safe = safe_upload_name("x" * 500 + ".jsonl")
    assert len(safe) == 120 and safe.endswith(".jsonl")


def test_read_upload_reads_text_under_a_hostile_name():
    [doc] = read_upload("../../../tmp/evil.txt", b"The company is valued at $380 billion.")
    assert isinstance(doc, Document) and doc.origin == "evil.txt" and "380" in doc.text


@pytest.mark.parametrize(("name", "data", "message"), [
    ("a.txt", b"", "empty"),
    ("a.txt", b"x" * 101, "over the 100-byte limit"),
    ("a.exe", b"MZ...", "unsupported file type '.exe'"),
    ("noext", b"hello", "unsupported file type '(no suffix)'"),
])
def test_refused_uploads_say_why(name, data, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_upload(name, data, max_bytes=100)
    [err] = read_upload(name, data, max_bytes=100)
    assert isinstance(err, InputError) and message in str(err)


def test_docx_zip_bomb_is_reported_as_a_bomb():
    bomb = _zip({"word/document.xml": b"\0" * 30_000_000})
    assert len(bomb) < 100_000
    [err] = read_upload("report.docx", bomb)
    assert isinstance(err, InputError) and "zip bomb" in str(err)


def test_zip_with_many_members_is_refused():
    with pytest.raises(InputError, match="members"):
        check_zip(_zip({f"f{i}": b"" for i in range(50)}), "x.zip", max_members=10)


def test_zip_magic_under_a_text_name_is_checked_too():
    [err] = read_upload("notes.txt", _zip({"a": b"\0" * 30_000_000}))
    assert "zip bomb" in str(err)


def test_harmless_docx_is_unsupported_and_broken_zip_is_broken():
    [err] = read_upload("ok.docx", _zip({"word/document.xml": b"<w:document/>"}))
    assert ".docx files are not supported" in str(err)
    [err] = read_upload("bad.docx", b"PK\x03\x04garbage")
    assert "broken archive" in str(err)


def test_pdf_pages_are_read_and_capped():
    pdf = make_pdf(["Hello world", "Second page", "Third page"])
    [doc] = read_upload("r.pdf", pdf)
    assert isinstance(doc, Document) and "Second page" in doc.text and doc.title == "r"
    [err] = read_upload("r.pdf", pdf, max_pdf_pages=2)
    assert isinstance(err, InputError) and "3 pages is over the 2-page limit" in str(err)


def test_pdf_compression_bomb_is_refused_cleanly():
    bomb = zlib.compress(b"0" * 100_000_000, 9)
    [err] = read_upload("bomb.pdf", make_pdf([], raw_stream=bomb, filters="/Filter/FlateDecode"))
    assert isinstance(err, InputError) and "bomb.pdf" in str(err)


def test_broken_and_empty_pdfs():
    for data in (b"%PDF-1.4 garbage", make_pdf(["Hi"])[:200], b"\0" * 50):
        [err] = read_upload("x.pdf", data)
        assert isinstance(err, InputError) and str(err).startswith("x.pdf: ")
    [err] = read_upload("blank.pdf", make_pdf([""]))
    assert "no text layer" in str(err)
