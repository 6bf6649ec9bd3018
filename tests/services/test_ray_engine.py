"""The Ray engine on a local Ray (one cluster for the session): the same claims as the local
engine, a run whose writer dies is finished by running it again, bad files are reported."""

from __future__ import annotations

import numpy as np
import pytest

from factcheck.services.extract import extract_paths
from factcheck.services.ray_engine import RayOptions, extract_with_ray, split_inputs
from factcheck.text.sentences import text_hash
from tests.conftest import SAMPLE_ARTICLE


@pytest.fixture
def corpus(tmp_path):
    d = tmp_path / "corpus"
    d.mkdir()
    (d / "npr.txt").write_text(SAMPLE_ARTICLE.read_text())
    (d / "city.txt").write_text(
        "The city council approved a $4.5 million budget for road repairs on Tuesday.\n\n"
        "Mayor Jane Ortiz said the plan would fix 120 miles of streets by 2027.")
    (d / "feed.jsonl").write_text(
        '{"id": "a1", "title": "Jobs", "text": "Unemployment fell to 3.9% in May, the agency said."}\n'
        '{"id": "a2", "text": "Exports rose 12 percent last year to $2.1 trillion."}\n')
    (d / "broken.txt").write_bytes(b"\x00\x01binary\x00")
    return d


def _claims(ws):
    return sorted(
        (c.article_id, c.start, c.end, c.text, c.type.value, c.score, c.speaker,
         [(v.kind.value, v.text, v.start, v.end, v.value, v.unit) for v in c.key_values])
        for c in ws.store.list_claims(include_dismissed=True)
    )


def _vectors(ws):
    claims = ws.store.list_claims(include_dismissed=True)
    found = ws.store.cached_vectors(ws.embedder.cache_key, [text_hash(c.text) for c in claims])
    return {c.text: found[text_hash(c.text)] for c in claims}


def test_split_inputs(corpus, tmp_path):
    files, here, errors = split_inputs([str(corpus), "-", "https://example.org/a",
                                        str(tmp_path / "nope")])
    assert [f.rsplit("/", 1)[1] for f in files] == ["broken.txt", "city.txt", "feed.jsonl", "npr.txt"]
    assert here == ["-", "https://example.org/a"]
    assert len(errors) == 1 and "nope: no such file or folder" in str(errors[0])


def test_same_claims_as_local_and_resume_after_writer_dies(
    ray_cluster, corpus, real_ws, tmp_path, monkeypatch
):
    from factcheck.config import Settings
    from factcheck.db.store import Store
    from factcheck.ml.embedder import Embedder
    from factcheck.workspace import Workspace

    local = extract_paths(real_ws, [str(corpus)])

    settings = Settings(db=str(tmp_path / "ray.db"), index_dir=tmp_path / "ray-idx")
    store = Store(settings.url)
    ws = Workspace(settings, store=store,
                   embedder=Embedder(None, store, loader=real_ws.embedder._loader))
    import factcheck.db.bulk as bulk

    real_save, calls = bulk.save_batch, []

    def dies_second_time(*a, **k):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("writer killed")
        return real_save(*a, **k)

    monkeypatch.setattr(bulk, "save_batch", dies_second_time)
    with pytest.raises(RuntimeError, match="writer killed"):
        extract_with_ray(ws, [str(corpus)], options=RayOptions(docs_per_batch=1, write_batch=1))
    monkeypatch.setattr(bulk, "save_batch", real_save)
    partly = len(store.list_articles())
    assert 1 <= partly < 4  # the first batch was committed, the failed one left nothing

    results = extract_with_ray(ws, [str(corpus)], options=RayOptions(docs_per_batch=1, write_batch=1))
    assert sum(r.skipped for r in results) == partly
    errors = [r.error for r in results if r.error]
    assert len(errors) == 1 and "broken.txt" in errors[0] and "binary" in errors[0]
    assert [r.origin for r in results if not r.error] == [r.origin for r in local if not r.error]

    # identical claims, offsets, values and scores; vectors equal within 1e-5
    assert _claims(ws) == _claims(real_ws)
    mine, theirs = _vectors(ws), _vectors(real_ws)
    assert mine.keys() == theirs.keys()
    assert max(float(np.abs(mine[t] - theirs[t]).max()) for t in mine) <= 1e-5
    # the claim index is complete and was built from the run's vectors
    status = {s["index"]: s for s in ws.index_status()}
    assert status["claims"]["ok"] and status["claims"]["count"] == len(mine)
    store.dispose()


def test_sources_add_on_ray_fills_the_cache_then_the_index(ray_cluster, real_ws, monkeypatch):
    """Passages embedded by Ray actors equal the local model's; the index is built without
    running the model in this process."""
    from factcheck.services.ray_engine import add_sources_with_ray

    sources = SAMPLE_ARTICLE.parent.parent / "sources"
    files = [str(p) for p in sorted(sources.glob("*")) if p.suffix in (".txt", ".md")]

    def no_model(*_a, **_k):
        raise AssertionError("the passages must be embedded on Ray, not here")

    monkeypatch.setattr(real_ws.embedder, "encode", no_model)
    report = add_sources_with_ray(real_ws, files)
    monkeypatch.undo()
    assert report.added == len(files) and not report.errors
    rows = real_ws.store.index_rows("passages")
    status = {s["index"]: s for s in real_ws.index_status()}
    assert status["passages"]["ok"] and status["passages"]["count"] == len(rows)
    texts = [t for _, t in rows]
    cached = real_ws.store.cached_vectors(real_ws.embedder.cache_key, [text_hash(t) for t in texts])
    here = real_ws.embedder.encode(texts)
    assert max(float(np.abs(cached[text_hash(t)] - v).max()) for t, v in zip(texts, here)) <= 1e-5


@pytest.mark.slow
def test_a_local_ray_runs_its_workers_at_our_priority(ray_cluster):
    """Ray would start its workers at nice 15, where the model actor loses the CPU to our own
    writer and to anything else on the machine (start_local_ray)."""
    import os

    @ray_cluster.remote
    def niceness() -> int:
        return os.nice(0)

    assert ray_cluster.get(niceness.remote()) == os.nice(0)


def test_remote_files_are_parsed_with_the_local_readers(corpus):
    """Remote files (s3://, gs://) are read by Ray tasks and parsed by ParseFiles: one row per
    document, bad files as error rows, stored documents marked to skip."""
    from factcheck.io.readers import read_paths
    from factcheck.services.ray_engine import DOC_FIELDS, ParseFiles

    names = ["city.txt", "feed.jsonl", "broken.txt"]
    stored = next(d for d in read_paths([str(corpus / "city.txt")]))
    out = ParseFiles(10**6, frozenset({stored.content_id()}))(
        {"bytes": [(corpus / n).read_bytes() for n in names], "path": [f"s3://b/{n}" for n in names]})
    assert set(out) == set(DOC_FIELDS)
    assert out["origin"][:3] == ["s3://b/city.txt", "s3://b/feed.jsonl:1", "s3://b/feed.jsonl:2"]
    assert out["skip"][:3] == [True, False, False]
    assert out["error"][3] and "broken.txt" in out["error"][3] and out["path"] == [None] * 4


def test_rows_per_call_spreads_the_calls_over_the_actors():
    from factcheck.services.ray_engine import CALL_ROWS, rows_per_call

    assert rows_per_call(1000, 1, None) == 500  # two calls for the one local actor
    assert rows_per_call(1000, 50, None) == 10  # two per actor on a cluster
    assert rows_per_call(10**6, 4, None) == CALL_ROWS  # bounded
    assert rows_per_call(3, 8, None) == 1
    assert rows_per_call(1000, 1, 7) == 7  # docs_per_batch given: as asked


def test_extract_actor_groups_documents_and_remembers_vectors(corpus, settings, tmp_path):
    """Without ``docs_per_batch`` an actor puts a call's documents through the model together
    (groups of about EMBED_GROUP sentences, like the local engine), and a sentence met again in
    a later call is neither scored nor embedded a second time."""
    from factcheck.services.ray_engine import ExtractActor, _doc_table, _path_row
    from factcheck.workspace import Workspace

    actor = ExtractActor(Workspace, {**settings.model_dump(mode="json"), "encoder": "torch"},
                         threshold=0.0, threads=None)
    first = list(actor(_doc_table([_path_row(str(corpus / n))
                                   for n in ("npr.txt", "city.txt", "feed.jsonl", "broken.txt")])))
    assert len(first) == 1 and first[0].num_rows == 5  # one group: 4 documents and the bad file
    encoded = actor.ws.embedder.encoded
    again = tmp_path / "again.txt"
    again.write_text((corpus / "city.txt").read_text() + "\n\nCrews will start work in March.")
    (table,) = actor(_doc_table([_path_row(str(again))]))
    (row,) = table.to_pylist()
    assert len(row["claims"]) == 3 and row["error"] is None
    assert actor.ws.embedder.encoded == encoded + 1  # only the new sentence ran through the model


def test_extract_actor_cache_is_bounded(corpus, settings, monkeypatch):
    """Past ``CACHE_TEXTS`` new texts the actor starts its embedding cache afresh: memory stays
    bounded through a long run, and results stay the same."""
    import factcheck.services.ray_engine as ray_engine
    from factcheck.services.ray_engine import ExtractActor, _doc_table, _path_row
    from factcheck.workspace import Workspace

    monkeypatch.setattr(ray_engine, "CACHE_TEXTS", 1)
    actor = ExtractActor(Workspace, {**settings.model_dump(mode="json"), "encoder": "torch"},
                         threshold=0.0, threads=None)
    rows = [_path_row(str(corpus / "city.txt"))]
    (first,) = actor(_doc_table(rows))
    store = actor.ws.store
    encoded = actor.ws.embedder.encoded
    actor.ws._scores.clear()  # as if the sentences came back in another document
    (second,) = actor(_doc_table(rows))
    assert actor.ws.store is not store and actor.ws.embedder.store is actor.ws.store
    assert actor.ws.embedder.encoded > encoded  # the emptied cache could not answer
    assert second.to_pylist()[0]["claims"] == first.to_pylist()[0]["claims"]


def test_local_ray_sizing_one_actor_per_core(monkeypatch):
    """On a local Ray: one actor per core (at most LOCAL_ACTORS), each with its share of threads
    and CPUs, half a core left for the writer; --workers splits the cores the same way."""
    import os

    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert RayOptions().sizing(None) == (0.75, 2, 1)
    assert RayOptions(workers=1).sizing(None) == (1.5, 1, 2)
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert RayOptions().sizing(None) == (1.875, 4, 2)
