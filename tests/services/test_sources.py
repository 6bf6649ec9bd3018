"""Sources -> passages: windows, offsets, manifests, PDFs, de-duplication, errors."""

from __future__ import annotations

import json

import pytest

from factcheck.io.readers import Document
from factcheck.services.sources import (
    add_documents,
    add_sources,
    get_passages,
    get_source,
    list_sources,
    source_passages,
    split_passages,
)
from factcheck.text.sentences import split_sentences, text_hash
from tests.conftest import REPO

SAMPLE_SOURCES = REPO / "sample_data" / "sources"
BANNER = "Synthetic demo source — written for the factcheck demo, not a real article."


def test_split_passages_offsets_and_overlap():
    text = "One sentence here. Two is next! Three follows? Four.\n\nFive in a new paragraph. Six ends."
    ps = split_passages("s1", text, size=3, overlap=1)
    sents = split_sentences(text)
    assert [p.index for p in ps] == list(range(len(ps)))
    for p in ps:
        assert text[p.start : p.end] == p.text
    # consecutive windows share one sentence; every sentence is covered
    assert ps[0].end == sents[2][1] and ps[1].start == sents[2][0]
    covered = {s for s in sents if any(p.start <= s[0] and s[1] <= p.end for p in ps)}
    assert covered == set(sents)


def test_split_passages_max_chars_and_edge_cases():
    long = "Word " + "word " * 400 + "end."
    text = f"Short one. {long} Short two."
    ps = split_passages("s", text, max_chars=300)
    assert any(p.text.startswith("Word") and p.text.endswith("end.") for p in ps)
    assert all(text[p.start : p.end] == p.text for p in ps)
    assert split_passages("s", "") == []
    assert len(split_passages("s", "Just one sentence.")) == 1
    with pytest.raises(ValueError):
        split_passages("s", "x", size=2, overlap=2)


def test_sample_sources_are_labelled():
    files = [f for f in SAMPLE_SOURCES.iterdir() if f.suffix in {".txt", ".md", ".html"}]
    assert len(files) >= 5
    for f in files:
        assert BANNER in f.read_text(encoding="utf-8").splitlines()[0], f


def test_add_folder_with_manifest_twice_adds_nothing(fake_ws):
    first = add_sources(fake_ws, [SAMPLE_SOURCES])
    assert first.errors == []
    assert first.added == 6 and first.passages > 6
    ids = {r.source_id for r in first.results}
    assert "demo-ipo-plans" in ids  # the manifest id is kept, files are not added twice
    src = get_source(fake_ws, "demo-ipo-plans")
    assert src.publisher.startswith("Demo Business Desk (synthetic demo source") and src.url.startswith("https://example.org/")
    assert src.published == "2026-02-27"
    html = get_source(fake_ws, "demo-truth-social")
    assert "<p>" not in html.text and "nuts jobs" in html.text
    for p in source_passages(fake_ws, "demo-ipo-plans"):
        assert src.text[p.start : p.end] == p.text
    idx = fake_ws.open_index("passages")
    assert idx.count == first.passages

    again = add_sources(fake_ws, [SAMPLE_SOURCES])
    assert again.added == 0 and again.skipped == 6 and again.passages == 0
    assert fake_ws.store.count(__import__("factcheck.db.store").db.store.passages) == first.passages
    listed = list_sources(fake_ws)
    assert len(listed) == 6 and all(r["passages"] > 0 for r in listed)


def test_plain_files_get_hash_ids_and_same_text_is_skipped(fake_ws, tmp_path):
    a = tmp_path / "a.txt"
    a.write_text("Title line\n\nThe budget grew by 5% in 2024. It was approved in March.")
    b = tmp_path / "copy.md"
    b.write_text(a.read_text())
    rep = add_sources(fake_ws, [a, b])
    assert rep.added == 1 and rep.skipped == 1
    assert rep.results[0].source_id.startswith("sha256:")
    assert rep.results[0].title == "Title line"


def test_manifest_jsonl_text_and_errors(fake_ws, tmp_path):
    m = tmp_path / "m.jsonl"
    lines = [
        json.dumps({"id": "j1", "text": "Inline text source. It has two sentences.",
                    "url": "https://example.org/j1", "publisher": "P"}),
        "{not json",
        json.dumps({"id": "j2"}),
        json.dumps({"id": "j3", "path": "missing.txt"}),
        json.dumps(["a list"]),
    ]
    m.write_text("\n".join(lines) + "\n")
    rep = add_sources(fake_ws, [m])
    assert rep.added == 1
    errs = rep.errors
    assert len(errs) == 4
    assert errs[0].startswith(f"{m}:2: invalid JSON")
    assert errs[1].startswith(f"{m}:3:") and "`text`" in errs[1]
    assert errs[2].startswith(f"{m}:4:") and "missing.txt" in errs[2]
    assert errs[3].startswith(f"{m}:5:")
    assert get_source(fake_ws, "j1").publisher == "P"


def test_manifest_csv_bad_rows_and_header(fake_ws, tmp_path):
    good = tmp_path / "doc.txt"
    good.write_text("A document named by the manifest. It has text.")
    m = tmp_path / "sources.csv"
    m.write_text(
        "id,url,title,path\n"
        "c1,https://example.org/c1,Named,doc.txt\n"
        "c2,https://example.org/c2,Too,many,fields\n"
        "c3,,,\n"
    )
    rep = add_sources(fake_ws, [tmp_path])  # folder: manifest + the file it names
    assert rep.added == 1, rep.results
    assert get_source(fake_ws, "c1").title == "Named"
    assert [e.split(": ")[0] for e in rep.errors] == [f"{m}:3", f"{m}:4"]
    bad = tmp_path / "sub"
    bad.mkdir()
    (bad / "x.csv").write_text("id,url\n1,2\n")
    rep = add_sources(fake_ws, [bad / "x.csv"])
    assert rep.errors and "`text` or `path` column" in rep.errors[0]


def test_same_id_different_text_is_an_error(fake_ws):
    rep = add_documents(fake_ws, [Document(text="First version. Yes.", id="x")])
    assert rep.added == 1
    rep = add_documents(fake_ws, [Document(text="Second version. No.", id="x")])
    assert rep.added == 0 and "already stored with a different text" in rep.errors[0]


def test_failed_passages_insert_rolls_back_the_source(fake_ws, monkeypatch):
    """One transaction per source: when the passages INSERT fails after the source row was
    written, neither is stored and the error is reported."""
    import factcheck.services.sources as sources_mod

    def twice(source_id, text, **kw):  # two passages on one span: uq_passage_span fails
        parts = split_passages(source_id, text, **kw)
        return parts + [parts[0].model_copy(update={"index": len(parts)})]

    monkeypatch.setattr(sources_mod, "split_passages", twice)
    rep = add_documents(fake_ws, [Document(text="Broken source. Two sentences.", id="bad")])
    assert rep.added == 0 and "cannot store" in rep.errors[0]
    assert list_sources(fake_ws) == [] and source_passages(fake_ws, "bad") == []
    monkeypatch.undo()
    rep = add_documents(fake_ws, [Document(text="Broken source. Two sentences.", id="bad")])
    assert rep.added == 1  # nothing half-stored blocks the retry
    assert [s["source_id"] for s in list_sources(fake_ws)] == ["bad"]
    assert [p.text for p in source_passages(fake_ws, "bad")] == ["Broken source. Two sentences."]


def test_missing_path_and_binary_file_reported_batch_goes_on(fake_ws, tmp_path):
    ok = tmp_path / "ok.txt"
    ok.write_text("Fine source text. Second sentence.")
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"\x00\x01\x02" * 100)
    rep = add_sources(fake_ws, [tmp_path / "nope.txt", binary, ok])
    assert rep.added == 1
    assert any("nope.txt: no such file" in e for e in rep.errors)
    assert any("bin.txt" in e and "binary" in e for e in rep.errors)


def _make_pdf(path, text: str) -> None:
    """A one-page PDF with a text layer, written by hand (no PDF writer dependency)."""
    content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))


def test_pdf_source(fake_ws, tmp_path):
    pdf = tmp_path / "report.pdf"
    _make_pdf(pdf, "The agency spent 12 million dollars on the program in 2025.")
    rep = add_sources(fake_ws, [pdf])
    assert rep.added == 1, rep.errors
    src = get_source(fake_ws, rep.results[0].source_id)
    assert "12 million dollars" in src.text
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    rep = add_sources(fake_ws, [tmp_path / "broken.pdf"])
    assert rep.errors and "broken.pdf" in rep.errors[0]


def test_get_passages_and_unknown_source(fake_ws):
    from factcheck.errors import NotFoundError

    add_documents(fake_ws, [Document(text="Alpha one. Beta two. Gamma three. Delta four.", id="g")])
    ps = source_passages(fake_ws, "g")
    got = get_passages(fake_ws, [p.id for p in ps] + [99999])
    assert set(got) == {p.id for p in ps}
    with pytest.raises(NotFoundError, match="factcheck sources list"):
        get_source(fake_ws, "nope")


def _docs(n: int) -> list[Document]:
    return [Document(text=" ".join(f"Source {i} sentence {j} says {i * 7 + j} units." for j in range(5)),
                     id=f"s{i}", title=f"Source {i}") for i in range(n)]


def test_interrupted_embedding_keeps_finished_batches_and_a_rerun_resumes(fake_ws, fake_model, monkeypatch):
    import factcheck.workspace as workspace_mod

    monkeypatch.setattr(workspace_mod, "EMBED_STEP", 4)
    real_encode = fake_model.encode
    seen: list[str] = []

    def failing(texts, **kw):
        if len(seen) >= 8:
            raise KeyboardInterrupt  # the user pressed Ctrl-C after two batches
        seen.extend(texts)
        return real_encode(texts, **kw)

    monkeypatch.setattr(fake_model, "encode", failing)
    with pytest.raises(KeyboardInterrupt):
        add_documents(fake_ws, _docs(6))
    passages = fake_ws.store.index_rows("passages")
    assert len(passages) > 8  # every source and passage was stored before embedding began
    hashes = [text_hash(t) for _, t in passages]
    assert len(fake_ws.store.cached_vectors(fake_ws.embedder.cache_key, hashes)) == 8  # two batches kept

    resumed: list[str] = []
    monkeypatch.setattr(fake_model, "encode", lambda texts, **kw: resumed.extend(texts) or real_encode(texts))
    steps: list[tuple[int, int]] = []
    again = add_documents(fake_ws, _docs(6), progress=lambda done, total: steps.append((done, total)))
    assert again.added == 0 and again.skipped == 6  # nothing new to store ...
    assert fake_ws.open_index("passages").count == len(passages)  # ... yet the index is completed
    assert sorted(resumed) == sorted({t for _, t in passages} - set(seen))  # only what was left
    assert steps[-1] == (len(passages), len(passages))
    assert [d for d, _ in steps] == sorted(d for d, _ in steps)


def test_index_vectors_keep_the_row_order_whatever_the_embedding_order(fake_ws, fake_model, monkeypatch):
    import numpy as np

    import factcheck.workspace as workspace_mod

    monkeypatch.setattr(workspace_mod, "EMBED_STEP", 3)
    add_documents(fake_ws, _docs(3) + [Document(text="Short. A much longer sentence follows this one here.",
                                                id="mixed")])
    rows = fake_ws.store.index_rows("passages")
    idx = fake_ws.open_index("passages")
    for pid, text in rows:
        _, ids = idx.search(np.asarray(fake_model.encode([text]), np.float32), 1)
        assert int(ids[0][0]) == pid


def test_passages_are_embedded_in_passage_sized_batches(fake_ws, fake_model, monkeypatch):
    real_encode = fake_model.encode
    sizes: list[int] = []

    def recording(texts, **kw):
        sizes.append(kw["batch_size"])
        return real_encode(texts, **kw)

    monkeypatch.setattr(fake_model, "encode", recording)
    add_documents(fake_ws, _docs(2))
    assert sizes and set(sizes) == {fake_ws.settings.passage_batch_size} == {32}
    sizes.clear()
    fake_ws.embedder.embed(["a claim sentence, not a passage"])
    assert sizes == [fake_ws.settings.batch_size] == [16]


def test_real_model_interrupted_add_resumes(real_ws, monkeypatch):
    import factcheck.workspace as workspace_mod

    monkeypatch.setattr(workspace_mod, "EMBED_STEP", 4)

    def stop(done: int, _total: int) -> None:
        raise KeyboardInterrupt  # after the first batch of 4

    with pytest.raises(KeyboardInterrupt):
        add_documents(real_ws, _docs(3), progress=stop)
    total = len(real_ws.store.index_rows("passages"))
    assert real_ws.embedder.encoded == 4 and total > 4
    again = add_documents(real_ws, _docs(3))
    assert again.added == 0 and real_ws.embedder.encoded == total  # only the rest was embedded
    idx = real_ws.open_index("passages")
    assert idx.count == total
    pid, text = real_ws.store.index_rows("passages")[-1]
    _, ids = idx.search(real_ws.embedder.embed([text], remember=False), 1)
    assert int(ids[0][0]) == pid
