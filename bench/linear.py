"""Benchmark: extraction cost grows linearly with the input (issue 13, part 2).

    python bench/linear.py [--mb 20] [--model-kb 200] [--before-kb 500] [--skip-model]

One document of N MB against N documents of 1 MB holding the same text, each side in its own
process (so peak RSS is that side's own):

1. Text stage (what ``extract`` does per document besides the model): content id, sentence
   split, paragraphs, quote regions, speakers, compound splitting, key values and claim records
   (``analyse`` with the sentences' scores given by a fixed rule: a sentence with a digit scores
   0.9, else 0.1, so about half the sentences go through the claim path). Target: the single
   document takes <= 1.2x as long as the N small ones, with peak RSS reported for both.
2. Full ``extract`` with the real model on a smaller scale (``--model-kb`` in one file vs 20
   files of a twentieth each; fresh database each side): split, embed, score, store, index.
3. Before/after: the text stage of the code before this change (git ``--before-rev``, run from
   a temporary export) on one ``--before-kb`` document vs 20 pieces, to show the quadratic cost
   that was removed (kept small: it grows with the square of the size).

Text: ClaimBuster sentences (``../shared/data/claimbuster/train.json``, text nobody here wrote)
in paragraphs of four, with the sample article's quoted paragraphs mixed in (cycling through the
ClaimBuster sentences again once they run out, about every 0.8 MB); the N small documents are
that text cut at paragraph boundaries, the single document is the same pieces joined.
Timings on this shared 2-core machine are noisy (other engineers' jobs run at the same time):
each side runs ``--repeats`` times, alternating, and the best run of each side is compared.
Results: bench/results/linear.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CLAIMBUSTER = REPO.parent / "shared" / "data" / "claimbuster" / "train.json"
SAMPLE = REPO / "sample_data" / "articles" / "npr_anthropic_ban.txt"
RESULTS = REPO / "bench" / "results"
MB = 1_000_000


def block(size: int) -> str:
    """About ``size`` characters of article-like text (paragraphs, quotes, attributions)."""
    sample_paras = [p for p in SAMPLE.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    if CLAIMBUSTER.exists():
        rows = json.loads(CLAIMBUSTER.read_text(encoding="utf-8"))
        sents = list(dict.fromkeys(r["text"].strip() for r in rows if r["text"].strip()))
    else:  # still runs without the shared data, on the sample article alone
        sents = [s for p in sample_paras for s in p.split(". ")]
    paras: list[str] = []
    i = 0
    total = 0
    while total < size:
        if i % 5 == 4:
            p = sample_paras[(i // 5) % len(sample_paras)]
        else:
            p = " ".join(sents[(i * 4 + k) % len(sents)] for k in range(4))
        paras.append(p)
        total += len(p) + 2
        i += 1
    return "\n\n".join(paras)[:size].rsplit(" ", 1)[0] + "."


def documents(layout: str, n: int, size: int) -> list[str]:
    """About ``n * size`` characters of text as ``n`` documents of about ``size`` ("many") or as
    one document ("single"): the same paragraphs, the single one is the pieces joined."""
    paras = block(n * size).split("\n\n")
    pieces: list[list[str]] = [[]]
    filled = 0
    for p in paras:
        if filled >= size and len(pieces) < n:
            pieces.append([])
            filled = 0
        pieces[-1].append(p)
        filled += len(p) + 2
    texts = ["\n\n".join(group) for group in pieces]
    return texts if layout == "many" else ["\n\n".join(texts)]


def _score(text: str, spans: list[tuple[int, int]]) -> list[float]:
    return [0.9 if any(ch.isdigit() for ch in text[a:b]) else 0.1 for a, b in spans]


def child_text(layout: str, n: int, size: int) -> dict:
    """The text stage over the documents of ``layout`` (in this process)."""
    from factcheck.io.readers import Document
    from factcheck.services.extract import analyse
    from factcheck.text.sentences import split_sentences

    docs = documents(layout, n, size)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    sentences = claims = 0
    for text in docs:
        doc = Document(text=text)
        spans = split_sentences(doc.text)
        s, c = analyse(doc.content_id(), doc.text, None, 0.5, spans=spans, scores=_score(text, spans))
        sentences += len(s)
        claims += len(c)
        del s, c
    seconds = time.perf_counter() - t0
    return {
        "seconds": round(seconds, 3),
        "chars": sum(len(d) for d in docs),
        "sentences": sentences,
        "claims": claims,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "rss_after_building_text_mb": round(rss_before, 1),
    }


def child_model(layout: str, n: int, size: int) -> dict:
    """Full ``extract_paths`` with the real model on files of ``layout`` (fresh database)."""
    from factcheck.config import Settings
    from factcheck.ml.embedder import load_model
    from factcheck.services.extract import extract_paths
    from factcheck.workspace import Workspace

    docs = documents(layout, n, size)
    model = load_model(None)
    model.encode(["warm up"] * 16)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = root / "in"
        folder.mkdir()
        for k, text in enumerate(docs):
            (folder / f"d{k:03d}.txt").write_text(text, encoding="utf-8")
        ws = Workspace(Settings(db=str(root / "b.db"), index_dir=root / "idx"))
        ws.scorer  # noqa: B018 - load weights outside the timed region, like the model
        ws.embedder._model = model
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        t0 = time.perf_counter()
        results = extract_paths(ws, [str(folder)])
        seconds = time.perf_counter() - t0
        errors = [r.error for r in results if r.error]
        out = {
            "seconds": round(seconds, 3),
            "chars": sum(len(d) for d in docs),
            "sentences": sum(r.sentences for r in results),
            "claims": sum(len(r.claims) for r in results),
            "errors": errors[:3],
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "rss_before_extract_mb": round(rss_before, 1),
        }
        ws.store.dispose()
    return out


def run_child(stage: str, layout: str, n: int, size: int, pythonpath: Path = REPO) -> dict:
    """Run one side in a fresh process and return its JSON line."""
    env = dict(os.environ, PYTHONPATH=str(pythonpath), FACTCHECK_MAX_BYTES=str(50 * MB))
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", stage, layout, str(n), str(size)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"child {stage} {layout} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def compare(stage: str, n: int, size: int, repeats: int, pythonpath: Path = REPO) -> dict:
    """Single vs many, alternating, best of ``repeats`` each."""
    runs: dict[str, list[dict]] = {"single": [], "many": []}
    for _ in range(repeats):
        for layout in ("single", "many"):
            r = run_child(stage, layout, n, size, pythonpath)
            runs[layout].append(r)
            print(
                f"{stage} {layout} {n}x{size}: {r['seconds']} s, peak {r['peak_rss_mb']} MB", file=sys.stderr
            )
    best = {k: min(v, key=lambda r: r["seconds"]) for k, v in runs.items()}
    return {
        "pieces": n,
        "piece_chars": size,
        "single": best["single"],
        "many": best["many"],
        "all_seconds": {k: [r["seconds"] for r in v] for k, v in runs.items()},
        "ratio_single_over_many": round(best["single"]["seconds"] / best["many"]["seconds"], 3),
    }


def export_rev(rev: str, dest: Path) -> Path:
    """The package at git ``rev`` (for the before/after figure)."""
    tar = subprocess.run(
        ["git", "-C", str(REPO), "archive", rev, "factcheck"], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=tar, check=True)
    return dest


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mb", type=int, default=20, help="size of the single document in MB")
    ap.add_argument("--piece-kb", type=int, default=1000, help="size of each small document")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--model-kb", type=int, default=200, help="single document size, model stage")
    ap.add_argument("--skip-model", action="store_true")
    ap.add_argument("--before-rev", default="7fb2bc5", help="git revision before the change")
    ap.add_argument("--before-kb", type=int, default=500, help="0 to skip the before/after run")
    ap.add_argument("--child", nargs=4, metavar=("STAGE", "LAYOUT", "N", "SIZE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        stage, layout, n, size = args.child
        fn = child_text if stage == "text" else child_model
        print(json.dumps(fn(layout, int(n), int(size))))
        return

    out: dict = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores (shared with other jobs: noisy)",
        "text_source": "claimbuster train + sample article" if CLAIMBUSTER.exists() else "sample",
        "target": "single document <= 1.2x the time of the same text as 1 MB documents",
    }
    out["text_stage"] = compare("text", args.mb * 1000 // args.piece_kb, args.piece_kb * 1000, args.repeats)
    out["text_stage"]["meets_target"] = out["text_stage"]["ratio_single_over_many"] <= 1.2
    if args.before_kb:
        with tempfile.TemporaryDirectory() as tmp:
            old = export_rev(args.before_rev, Path(tmp))
            size = args.before_kb * 1000 // 20
            out["before_after_text_stage"] = {
                "revision_before": args.before_rev,
                "before": compare("text", 20, size, 1, pythonpath=old),
                "after": compare("text", 20, size, 1),
            }
    if not args.skip_model:
        out["full_extract_with_model"] = compare("model", 20, args.model_kb * 1000 // 20, args.repeats)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "linear.json").write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
