"""The query commands as whole processes with the int8 ONNX encoder (issue 13 part 4): `similar`,
`match TEXT` and `suggest --text` answer without importing torch, transformers or
sentence-transformers -- nor scikit-learn, scipy or bm25s once the match corpus and the BM25
of the passages are saved in the user cache."""

from __future__ import annotations

import json
import os

from tests.conftest import REPO, cli_process

NEVER = ("torch", "sentence_transformers", "transformers")
AFTER_FIRST = ("sklearn", "scipy", "bm25s", "alembic", "httpx", "pydantic_settings")


def test_query_commands_with_onnx_import_no_torch(onnx_cache, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO), "FACTCHECK_ENCODER": "onnx-int8",
           "FACTCHECK_CACHE_DIR": str(onnx_cache), "FACTCHECK_DB": str(tmp_path / "q.db"),
           "FACTCHECK_INDEX_DIR": str(tmp_path / "idx")}

    def run(*args: str) -> tuple[str, set[str]]:
        return cli_process(*args, env=env, cwd=tmp_path)

    run("extract", str(REPO / "sample_data" / "articles"))
    run("archive", "import", str(REPO / "sample_data" / "archive" / "past_checks.csv"))
    run("sources", "add", str(REPO / "sample_data" / "sources"))
    query = "Anthropic is valued at $380 billion"
    commands = {"similar": ["similar", query, "--json"], "match": ["match", query, "--json"],
                "suggest": ["suggest", "--text", query, "--json"]}
    first = {name: run(*args) for name, args in commands.items()}  # builds and saves the caches
    for name, args in commands.items():
        out, loaded = run(*args)
        assert not loaded & set(NEVER), (name, loaded & set(NEVER))
        assert not loaded & set(AFTER_FIRST), (name, loaded & set(AFTER_FIRST))
        assert "onnxruntime" in loaded  # it really embedded the query
        assert out == first[name][0] and [json.loads(x) for x in out.splitlines()], name
        assert not first[name][1] & set(NEVER), name
