"""A process SIGKILLed in the middle of an index write leaves the previous index loadable.

A real subprocess saves a large index (10k x 384 float32, ~15 MB) in a loop, each generation with
its own ids and fingerprint. We kill it at random moments — and, to be sure every phase is hit,
also the moment a temp file appears (mid data write) and the moment a new ``.faiss`` file exists
that the manifest does not name yet (between data file and manifest) — then load: the index must
be a complete generation, never a mix, and a later save must clean up what the kill left behind.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from factcheck.search.faiss_index import VectorIndex

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")

N, DIM, BASE = 10_000, 384, 1_000_000

WRITER = f"""
import sys
import numpy as np
from factcheck.search.faiss_index import VectorIndex
directory, first = sys.argv[1], int(sys.argv[2])
vecs = np.random.default_rng(7).standard_normal(({N}, {DIM})).astype(np.float32)
gen = first
while True:
    ids = np.arange(gen * {BASE}, gen * {BASE} + {N})
    VectorIndex.build(directory, "claims", "m", ids, vecs, f"gen-{{gen}}").save()
    print(gen, flush=True)
    gen += 1
"""


def _vecs() -> np.ndarray:
    return np.random.default_rng(7).standard_normal((N, DIM)).astype(np.float32)


def _check_complete(directory: Path, vecs: np.ndarray) -> int:
    """Load the index and prove it is one whole generation; returns the generation."""
    idx = VectorIndex.load(directory, "claims")
    gen = int(idx.fingerprint.removeprefix("gen-"))
    assert idx.count == N
    ids = idx.ids()
    assert ids.min() == gen * BASE and ids.max() == gen * BASE + N - 1
    probe = [0, N // 2, N - 1]
    for i in probe:
        np.testing.assert_array_equal(idx.index.reconstruct(int(gen * BASE + i)), vecs[i])
    return gen


def _wait_for(predicate, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    end = time.monotonic() + timeout
    while not predicate():
        assert proc.poll() is None, "writer died on its own"
        assert time.monotonic() < end, "the moment to kill never came"
        time.sleep(0.0005)


def _mid_data_write(d: Path) -> bool:
    return any(p.name.endswith(".tmp") and ".faiss." in p.name for p in d.iterdir())


def _between_file_and_manifest(d: Path) -> bool:
    idx_file = VectorIndex(d.parent, d.name, "", 0)._read_manifest() or {}
    return any(p.suffix == ".faiss" and p.name != idx_file.get("file") for p in d.iterdir())


def test_sigkill_mid_write_leaves_previous_index(tmp_path):
    vecs = _vecs()
    VectorIndex.build(tmp_path, "claims", "m", np.arange(N), vecs, "gen-0").save()
    directory = tmp_path / "claims"
    rng = random.Random(os.getpid())
    moments = ["temp file", "file before manifest", "random", "random", "random", "random"]
    last = 0
    for round_, moment in enumerate(moments, 1):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path), str(last + 1)],
                                stdout=subprocess.PIPE, text=True)
        try:
            assert proc.stdout is not None
            first = proc.stdout.readline()  # one whole save done: the loop is warm
            assert first.strip(), "writer failed to start"
            if moment == "temp file":
                _wait_for(lambda: _mid_data_write(directory), proc)
            elif moment == "file before manifest":
                _wait_for(lambda: _between_file_and_manifest(directory), proc)
            else:
                time.sleep(rng.uniform(0.0, 0.6))
        finally:
            os.kill(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate(timeout=30)
        printed = [int(x) for x in (first + out).split()]
        assert proc.returncode == -signal.SIGKILL
        gen = _check_complete(tmp_path, vecs)
        # the loaded generation is the last one reported, or the one whose manifest was just written
        assert printed[-1] <= gen <= printed[-1] + 1, (round_, moment, printed, gen)
        last = gen

    # the next save clears what the kills left behind: one manifest, one data file
    ids = np.arange((last + 1) * BASE, (last + 1) * BASE + N)
    VectorIndex.build(tmp_path, "claims", "m", ids, vecs, f"gen-{last + 1}").save()
    assert sorted(p.suffix for p in directory.iterdir()) == [".faiss", ".json"]
    assert _check_complete(tmp_path, vecs) == last + 1
