import json

import pytest

from factcheck.errors import InputError
from factcheck.io.readers import Document, decode_bytes, read_bytes, read_paths


def _docs(items):
    return [i for i in items if isinstance(i, Document)]


def _errs(items):
    return [str(i) for i in items if isinstance(i, InputError)]


def test_txt_title_and_content_id():
    [doc] = read_bytes(b"# Headline\n\nBody text.", "a.md")
    assert doc.title == "Headline" and doc.id is None
    assert doc.content_id().startswith("sha256:")
    assert doc.content_id() == Document(text=doc.text).content_id()


def test_jsonl_keeps_external_ids_and_reports_bad_lines():
    lines = [
        json.dumps({"id": "ext-1", "text": "One.", "title": "T", "url": "https://x"}),
        "{not json",
        json.dumps({"id": "ext-2"}),
        json.dumps([1, 2]),
        "",
        json.dumps({"text": "Two."}),
    ]
    items = list(read_bytes("\n".join(lines).encode(), "in.jsonl"))
    docs = _docs(items)
    assert [d.content_id() for d in docs][0] == "ext-1"
    assert docs[0].url == "https://x" and docs[1].id is None
    errs = _errs(items)
    assert len(errs) == 3
    assert errs[0].startswith("in.jsonl:2: invalid JSON")
    assert errs[1].startswith("in.jsonl:3:") and "text" in errs[1]
    assert errs[2].startswith("in.jsonl:4:")


def test_csv_quoting_and_malformed_rows():
    data = 'id,title,text\n1,A,"Hello, world.\nSecond line."\n2,B\n3,C,"Fine."\n'
    items = list(read_bytes(data.encode(), "in.csv"))
    docs = _docs(items)
    assert [d.id for d in docs] == ["1", "3"]
    assert docs[0].text == "Hello, world.\nSecond line."
    [e] = _errs(items)
    assert e.startswith("in.csv:4:") and "fields" in e


def test_csv_without_text_column():
    [e] = list(read_bytes(b"id,body\n1,x\n", "in.csv"))
    assert isinstance(e, InputError) and "no `text` column" in str(e)


@pytest.mark.parametrize(
    "data,needle",
    [(b"", "empty"), (b"   \n", "empty"), (b"\x00\x01\x02binary\x00", "binary")],
)
def test_bad_bytes(data, needle):
    [e] = list(read_bytes(data, "bad.txt"))
    assert isinstance(e, InputError) and str(e).startswith("bad.txt:") and needle in str(e)


def test_non_utf8_is_decoded_as_cp1252():
    assert decode_bytes("caf\u00e9 d\u00e9j\u00e0".encode("cp1252"), "x.txt") == "café déjà"
    assert decode_bytes("\ufeffBOM text".encode("utf-8"), "x.txt") == "BOM text"
    assert decode_bytes("utf16 text".encode("utf-16"), "x.txt") == "utf16 text"


def test_oversized(tmp_path):
    p = tmp_path / "big.txt"
    p.write_text("word " * 1000)
    [e] = list(read_paths([str(p)], max_bytes=100))
    assert isinstance(e, InputError) and "limit" in str(e) and str(p) in str(e)


def test_html_main_text():
    html = (
        "<html><head><title>Ban story</title></head><body><nav>Home | News</nav>"
        "<article><h1>Ban story</h1><p>President Trump ordered the U.S. government on Friday "
        "to stop using Anthropic's products. The company is valued at $380 billion and plans "
        "an IPO this year, according to people familiar with the matter.</p></article>"
        "<footer>Copyright</footer></body></html>"
    )
    [doc] = list(read_bytes(html.encode(), "page.html"))
    assert "$380 billion" in doc.text and "<p>" not in doc.text
    assert doc.title == "Ban story"
    assert doc.published is None  # no date in the page: none guessed
    dated = html.replace("</title>", '</title><meta property="article:published_time" '
                         'content="2026-02-27T10:00:00Z">')
    [doc] = list(read_bytes(dated.encode(), "page.html"))
    assert doc.published == "2026-02-27"  # places the page in time for the number check


def test_folder_recursion_and_missing_path(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.txt").write_text("A text.")
    (tmp_path / "sub" / "b.md").write_text("B text.")
    (tmp_path / "skip.bin").write_bytes(b"\x00")
    items = list(read_paths([str(tmp_path), str(tmp_path / "nope.txt")]))
    assert sorted(d.text for d in _docs(items)) == ["A text.", "B text."]
    assert any("no such file" in e for e in _errs(items))
