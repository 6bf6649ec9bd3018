"""Hostile input, property-based (hypothesis): extraction, ingest, uploads, JSONL import, links.

The default run is quick and deterministic (``FACTCHECK_FUZZ_EXAMPLES``, default 150 examples per
property); ``bench/fuzz.py`` runs the same properties with 10,000 generated inputs each (JSONL
import: ``FACTCHECK_FUZZ_IMPORT_EXAMPLES``, 1,000 dumps, as each needs its own database).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factcheck.errors import FactcheckError, InputError
from factcheck.io.readers import Document, read_bytes
from factcheck.io.uploads import MAX_NAME_CHARS, read_upload, safe_upload_name
from tests.io.test_uploads import make_pdf

EXAMPLES = int(os.environ.get("FACTCHECK_FUZZ_EXAMPLES", "150"))
IMPORT_EXAMPLES = int(os.environ.get("FACTCHECK_FUZZ_IMPORT_EXAMPLES", str(min(EXAMPLES, 1000))))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 150,  # the quick default run is deterministic; big runs explore
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
FUZZ_IMPORT = settings(FUZZ, max_examples=IMPORT_EXAMPLES)  # ~25 ms per example: a fresh database each

# -- generated documents -------------------------------------------------------------------------
FRAGMENTS = [
    "The company is valued at $380 billion.",
    "Unemployment fell to 3.5% in May.",
    'He said: "We will not comply with this order, ever."',
    "“It’s over,” she said.",
    "Dr. Smith of the U.S. Dept. of State arrived at 5:01 p.m. ET.",
    "Prices rose 12 percent.",
    "The six-month phaseout starts Jan. 1, 2026.",
    "Exports fell by -3.2% y/y…",
    "(See also: p. 4.)",
    "— Reporting by A. Person",
    "Q: Really?! A: Yes.",
    "€1,5 Mrd.",
    "¥300",
    "1/2 of 10",
    "3..4",
    "\n\n",
    "\r\n",
    "\t",
    "  ",
    "\u200b",
    "\u00a0",
    "\u2028",
    "\ufeff",
    "\u202e",
    "e\u0301",
    "👍🏽",
    "🇺🇸",
    "ﬁ",
    "İ",
    "ß",
    "中文句子。",
    "مرحبا.",
    "$",
    "%",
    '"',
    "“",
    "”",
    "'",
    "‘",
    "’",
    ".",
    "?",
    "!",
    ":",
    ";",
    "…",
    "-",
    "—",
    "(",
    ")",
    "[",
    "]",
    "0",
    "1,000",
    "1.5",
    "2019",
    "said",
    "says Trump.",
    "according to officials",
    "billion",
    "million",
    "percent",
]
fragment = st.sampled_from(FRAGMENTS)
any_text = st.text(st.characters(codec="utf-8"), max_size=40)
documents = st.lists(st.one_of(fragment, fragment, any_text), max_size=40).map(" ".join) | st.text(
    max_size=300
)


def _scores(texts):
    """Deterministic fake check-worthiness: a score from the text's hash."""
    return [(hash(t) % 1000) / 1000 for t in texts]


@FUZZ
@given(text=documents, min_score=st.sampled_from([0.0, 0.5, 1.01]))
def test_extraction_offsets_are_always_exact(text, min_score):
    from factcheck.services.extract import analyse

    sentences, claims = analyse("doc", text, _scores, min_score)
    for i, s in enumerate(sentences):
        assert s.index == i
        assert 0 <= s.start < s.end <= len(text) and text[s.start : s.end] == s.text
    assert all(a.end <= b.start for a, b in zip(sentences, sentences[1:])), "sentences overlap"
    for c in claims:
        assert 0 <= c.start < c.end <= len(text) and text[c.start : c.end] == c.text
        sent = sentences[c.sentence_index]
        assert sent.start <= c.start and c.end <= sent.end
        for v in c.key_values:
            assert c.start <= v.start < v.end <= c.end and text[v.start : v.end] == v.text


# -- ingest: arbitrary bytes under every reader ------------------------------------------------------
def _jsonl_bytes():
    value = st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
        max_leaves=6,
    )
    record = st.dictionaries(
        st.sampled_from(["id", "text", "title", "url", "published", "x"]), value, max_size=5
    )
    line = st.one_of(
        record.map(json.dumps), st.text(max_size=40), documents.map(lambda t: json.dumps({"text": t}))
    )
    return st.lists(line, max_size=8).map(lambda ls: "\n".join(ls).encode("utf-8", "surrogatepass"))


def _csv_bytes():
    cell = st.one_of(
        st.text(max_size=20), st.sampled_from(['"', '""', ",", ";", "\t", "\n", "\r"]), documents
    )
    row = st.lists(cell, max_size=5).map(lambda cs: ",".join(cs))
    head = st.sampled_from(["text", "id,text", "text,title,url", "Text;Id", "a,b", ""])
    return st.tuples(head, st.lists(row, max_size=6)).map(
        lambda hr: "\n".join([hr[0], *hr[1]]).encode("utf-8", "surrogatepass")
    )


def _html_bytes():
    tag = st.sampled_from(
        [
            "<p>",
            "</p>",
            "<div>",
            "</div>",
            "<script>",
            "</script>",
            "<title>",
            "</title>",
            "<html><body>",
            "</body></html>",
            "<br>",
            "<!--",
            "-->",
            "<![CDATA[",
            "&amp;",
            "&#0;",
            "&#xD800;",
            "<a href='javascript:alert(1)'>",
            "<meta charset=x>",
        ]
    )
    return st.lists(st.one_of(tag, documents), max_size=20).map(
        lambda p: "".join(p).encode("utf-8", "surrogatepass")
    )


raw_bytes = st.one_of(
    st.binary(max_size=2000),
    documents.map(lambda t: t.encode("utf-8", "surrogatepass")),
    documents.map(lambda t: b"\xff\xfe" + t.encode("utf-16-le", "surrogatepass")),
    documents.map(lambda t: t.encode("cp1252", "replace")),
    _jsonl_bytes(),
    _csv_bytes(),
    _html_bytes(),
)
SUFFIXES = [".txt", ".md", ".csv", ".jsonl", ".ndjson", ".html", ".htm"]


@FUZZ
@given(data=raw_bytes, suffix=st.sampled_from(SUFFIXES))
def test_ingest_never_raises(data, suffix):
    items = list(read_bytes(data, f"doc{suffix}"))
    for item in items:
        assert isinstance(item, Document | InputError), item
        if isinstance(item, Document):
            assert isinstance(item.text, str)
        else:
            assert str(item).startswith("doc") and "\n" not in str(item).strip()


# -- uploads: names and bytes ---------------------------------------------------------------------
names = st.one_of(
    st.text(max_size=300),
    st.lists(
        st.sampled_from(
            [
                "..",
                ".",
                "/",
                "\\",
                "C:",
                "etc",
                "passwd",
                "~",
                "%2e%2e",
                "\x00",
                "CON",
                "a.txt",
                ".pdf",
                " ",
                "\n",
                "‮",
                "／",
                "․․",
            ]
        ),
        max_size=12,
    ).map("".join),
)


@FUZZ
@given(name=names)
def test_safe_upload_name_cannot_escape_a_folder(name, tmp_path_factory):
    safe = safe_upload_name(name)
    assert safe and len(safe) <= MAX_NAME_CHARS
    assert "/" not in safe and "\\" not in safe and "\x00" not in safe
    assert safe not in (".", "..") and not safe.startswith(".")
    assert not any(ord(ch) < 32 or ch in "<>:\"|?*'`$;&" for ch in safe)
    base = Path("/srv/uploads")
    assert (base / safe).resolve().parent == base.resolve()
    assert safe_upload_name(safe) == safe  # idempotent


PDF_SEED = make_pdf(["Hello world"])


@st.composite
def mutated_pdf(draw):
    data = bytearray(PDF_SEED)
    for _ in range(draw(st.integers(0, 6))):
        op = draw(st.sampled_from(["flip", "cut", "insert"]))
        pos = draw(st.integers(0, len(data) - 1))
        if op == "flip":
            data[pos] = draw(st.integers(0, 255))
        elif op == "cut":
            del data[pos : pos + draw(st.integers(1, 40))]
        else:
            data[pos:pos] = draw(
                st.sampled_from(
                    [
                        b"<<",
                        b">>",
                        b"[",
                        b"]",
                        b" 0 R",
                        b"/Length 999999",
                        b"stream\n",
                        b"endobj",
                        b"9999999999",
                    ]
                )
            )
        if not data:
            data = bytearray(b"%")
    return bytes(data)


@FUZZ
@given(
    name=names,
    data=st.one_of(raw_bytes, mutated_pdf(), st.binary(max_size=500).map(lambda b: b"PK\x03\x04" + b)),
    suffix=st.sampled_from([*SUFFIXES, ".pdf", ".docx", ".exe", ""]),
)
def test_read_upload_never_raises(name, data, suffix):
    items = read_upload(name + suffix, data, max_bytes=100_000)
    assert items and all(isinstance(i, Document | InputError) for i in items)
    for item in items:
        if isinstance(item, Document):
            assert item.text.strip()
        else:
            message = str(item)
            assert "\n" not in message.strip() and "/" not in message.split(": ", 1)[0]


def test_pdf_seed_is_readable():
    [doc] = read_upload("seed.pdf", PDF_SEED)
    assert isinstance(doc, Document) and "Hello world" in doc.text


# -- JSONL import: dumps with damaged and hostile lines ----------------------------------------------
@pytest.fixture(scope="module")
def dump_lines(tmp_path_factory):
    """A real dump (articles, claims, verdicts, events...) to mutate."""
    from factcheck.services.dump import jsonl_lines

    ws = _memory_ws(tmp_path_factory.mktemp("dump"))
    from factcheck.models import Article, Claim
    from factcheck.services.review import set_verdict

    text = "Taxes rose 5% in 2019. The sky is green, officials said."
    art = Article(id="a1", title="T", url="https://example.org/a", text=text)
    saved = ws.store.save_extraction(
        art,
        [],
        [
            Claim(article_id="a1", sentence_index=0, start=0, end=22, text=text[:22]),
            Claim(article_id="a1", sentence_index=1, start=23, end=len(text), text=text[23:]),
        ],
    )
    set_verdict(ws, saved[0].id, "False", "ana", "because")
    lines = list(jsonl_lines(ws))
    _drop_ws(ws)
    return lines


_TEMPLATE: dict[str, bytes] = {}
_SCRATCH: dict[str, Path] = {}


def _scratch(tmp: Path) -> Path:
    """Where per-example databases go: tmpfs when there is one (no fsync cost), removed at exit."""
    if "dir" not in _SCRATCH:
        import atexit
        import shutil
        import tempfile

        shm = Path("/dev/shm")
        base = shm if shm.is_dir() and os.access(shm, os.W_OK) else tmp
        _SCRATCH["dir"] = Path(tempfile.mkdtemp(dir=base, prefix="fc-fuzz-"))
        atexit.register(shutil.rmtree, _SCRATCH["dir"], True)
    return _SCRATCH["dir"]


def _memory_ws(tmp: Path):
    """A Workspace on a fresh SQLite file: a byte copy of one migrated database (fast per example)."""
    import tempfile

    from factcheck.config import Settings
    from factcheck.db.store import Store
    from factcheck.ml.embedder import Embedder
    from factcheck.workspace import Workspace

    scratch = _scratch(tmp)
    if "db" not in _TEMPLATE:
        path = scratch / "template.db"
        store = Store(f"sqlite:///{path}")
        with store.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        store.dispose()
        _TEMPLATE["db"] = path.read_bytes()
    fd, name = tempfile.mkstemp(dir=scratch, suffix=".db")
    os.write(fd, _TEMPLATE["db"])
    os.close(fd)
    settings = Settings(db=name, index_dir=scratch / "idx")
    store = Store(settings.url)
    return Workspace(settings, store=store, embedder=Embedder("fake", store, loader=lambda _n: None))


def _drop_ws(ws) -> None:
    """Dispose a `_memory_ws` and delete its database files."""
    ws.store.dispose()
    for suffix in ("", "-wal", "-shm"):
        Path(ws.settings.db + suffix).unlink(missing_ok=True)


def _mutate_json(line: str, data) -> str:
    try:
        obj = json.loads(line)
    except ValueError:
        return line
    if not isinstance(obj, dict):
        return line
    target = obj.get("record", obj) if isinstance(obj.get("record"), dict) else obj
    keys = list(target) or ["x"]
    key = data.draw(st.sampled_from(keys))
    if key == "table":  # a non-string table is a known crash: test_import_line_with_unhashable_table...
        target[key] = data.draw(st.text(max_size=15) | st.sampled_from(["claims", "verdicts", "x"]))
        return json.dumps(obj)
    target[key] = data.draw(
        st.one_of(
            st.none(),
            st.integers(-5, 10**12),
            st.text(max_size=10),
            st.floats(),
            st.booleans(),
            st.lists(st.integers(), max_size=2),
            st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
        )
    )
    return json.dumps(obj)


@FUZZ_IMPORT
@given(data=st.data())
def test_jsonl_import_never_crashes(dump_lines, tmp_path_factory, data):
    from factcheck.services.dump import import_jsonl_lines

    lines = list(dump_lines)
    for _ in range(data.draw(st.integers(0, 6))):
        i = data.draw(st.integers(0, len(lines) - 1))
        how = data.draw(st.sampled_from(["mutate", "mutate", "drop", "dup", "junk", "swap"]))
        if how == "mutate":
            lines[i] = _mutate_json(lines[i], data)
        elif how == "drop" and len(lines) > 1:
            del lines[i]
        elif how == "dup":
            lines.insert(i, lines[i])
        elif how == "junk":
            lines.insert(i, data.draw(st.text(max_size=40)))
        elif how == "swap":
            j = data.draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
    ws = _memory_ws(tmp_path_factory.getbasetemp())
    try:
        try:
            report = import_jsonl_lines(ws, lines, "fuzz.jsonl")
        except FactcheckError:
            return  # a clean, one-line refusal is fine
        assert all("\n" not in e for e in report.errors)
        # claim offsets are not re-checked here: see test_import_checks_claim_offsets (xfail)
    finally:
        _drop_ws(ws)


# -- links: only http(s) ever becomes an href --------------------------------------------------------
urls = st.one_of(
    st.text(max_size=60),
    st.tuples(
        st.sampled_from(
            [
                "http",
                "https",
                "HTTPS",
                "javascript",
                "JaVaScRiPt",
                "data",
                "file",
                "vbscript",
                " javascript",
                "\x01javascript",
                "java\tscript",
                "",
                "ftp",
                "mailto",
            ]
        ),
        st.sampled_from([":", "://", ":/", ":\\\\", "&#58;"]),
        st.text(max_size=30),
    ).map("".join),
)


@FUZZ
@given(url=urls, label=st.text(max_size=20))
def test_links_are_only_http(url, label):
    from urllib.parse import urlsplit

    from factcheck.ui import safe_html

    target = safe_html.safe_url(url)
    html = safe_html.link(url, label)
    if target is None:
        assert "<a " not in html
        return
    assert urlsplit(target).scheme.lower() in ("http", "https") and urlsplit(target).netloc
    # what a browser sees (WHATWG URL): C0 controls/space trimmed, tabs and newlines removed
    seen = "".join(ch for ch in target.strip("".join(map(chr, range(33)))) if ch not in "\t\n\r")
    assert seen.split(":", 1)[0].lower() in ("http", "https")
    assert f'href="{safe_html.esc(target)}"' in html


# -- found by the fuzzers; owners to fix (strict: passing turns them red, then drop the marker) ------
@pytest.mark.parametrize("data", [b"\xfe\xff", b"\xef\xbb\xbf", b"\xa0", "\u3000".encode()])
def test_blank_files_are_input_errors(data):
    [item] = read_bytes(data, "blank.txt")
    assert isinstance(item, InputError)


def test_import_line_with_unhashable_table_is_a_line_error(tmp_path):
    from factcheck.services.dump import import_jsonl_lines

    ws = _memory_ws(tmp_path)
    try:
        lines = ['{"table": "meta", "format": "factcheck-jsonl", "schema_version": 1}', '{"table": []}']
        report = import_jsonl_lines(ws, lines, "x.jsonl")
        assert report.errors and "x.jsonl:2" in report.errors[0]
    finally:
        _drop_ws(ws)


def test_import_checks_claim_offsets(dump_lines, tmp_path):
    import sqlalchemy as sa

    from factcheck.db.store import articles, claims
    from factcheck.services.dump import import_jsonl_lines

    lines = []
    for line in dump_lines:
        obj = json.loads(line)
        if obj.get("table") == "articles":
            obj["text"] = "Completely different text."
        lines.append(json.dumps(obj))
    ws = _memory_ws(tmp_path)
    try:
        report = import_jsonl_lines(ws, lines, "edited.jsonl")
        with ws.store.engine.connect() as conn:
            texts = dict(conn.execute(sa.select(articles.c.id, articles.c.text)).all())
            bad = [
                c.id
                for c in conn.execute(sa.select(claims))
                if texts[c.article_id][c.start : c.end] != c.text
            ]
        assert not bad and report.errors
    finally:
        _drop_ws(ws)
