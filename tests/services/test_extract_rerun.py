"""A re-run of `extract` over stored articles, as a whole process: nothing is re-embedded, and
neither torch, sentence-transformers, onnxruntime nor faiss is imported (no model, no index) --
nor numpy, Alembic (the database is at head), httpx (no link) or pydantic-settings: a re-run costs
reading and hashing the files and one database lookup (issue 13 part 3)."""

from __future__ import annotations

import json
import os

from factcheck.services.extract import extract_paths
from tests.conftest import REPO, cli_process

HEAVY = ("torch", "sentence_transformers", "transformers", "onnxruntime", "faiss", "numpy", "alembic",
         "httpx", "pydantic_settings", "sklearn", "pandas")



def test_rerun_process_loads_no_model_and_no_index(fake_ws, tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    for i in range(3):
        (folder / f"a{i}.txt").write_text(
            f"Unemployment fell to {3 + i}.5 percent in 2019, the lowest in fifty years.\n"
            f"Thank you all for coming tonight, number {i}.\n"
        )
    first = extract_paths(fake_ws, [str(folder)], min_score=0.0)
    assert len(first) == 3 and all(not r.skipped and not r.error for r in first)
    env = {**os.environ, "PYTHONPATH": str(REPO), "FACTCHECK_ENCODER": "onnx-int8"}
    args = ["--db", fake_ws.settings.url, "--index-dir", str(fake_ws.settings.index_dir),
            "extract", str(folder), "--json"]
    out, loaded = cli_process(*args, env=env, cwd=tmp_path, timeout=300)
    heavy = sorted(loaded & set(HEAVY))
    assert heavy == [], heavy
    claims = [json.loads(x) for x in out.splitlines()]
    assert len(claims) == sum(len(r.claims) for r in first) > 0  # the stored claims, same contract
    assert {c["article_id"] for c in claims} == {r.article_id for r in first}
