"""Retrain the check-worthiness weights shipped as factcheck/checkworthy_weights.npz.

    python scripts/train_checkworthy.py [--data PATH] [--model NAME_OR_PATH] [--out PATH]

Trains the three-component scorer of ``factcheck.checkworthy`` on the whole data set and stores
as default threshold the one that maximises out-of-fold F1 of the positive class in 4-fold
stratified cross-validation. Also writes a small JSON summary beside the weights.

Data: the ClaimBuster benchmark dataset (Arslan, Hassan, Li, Tremayne, "A Benchmark Dataset of
Check-worthy Factual Claims", ICWSM 2020; Zenodo DOI 10.5281/zenodo.3609356; CC-BY-4.0), read
from ``../shared/data/claimbuster/train.json`` beside the repository by default. It is never
copied into the repository. Sentence embeddings are cached in the system temp directory.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

DEFAULT_DATA = REPO.parent / "shared" / "data" / "claimbuster" / "train.json"
DEFAULT_OUT = REPO / "factcheck" / "checkworthy_weights.npz"
CITATION = (
    "ClaimBuster benchmark dataset, 2.5xNCS subset: F. Arslan, N. Hassan, C. Li, M. Tremayne, "
    "'A Benchmark Dataset of Check-worthy Factual Claims', ICWSM 2020; "
    "Zenodo DOI 10.5281/zenodo.3609356; CC-BY-4.0"
)

log = logging.getLogger("train_checkworthy")


class DataMissing(Exception):
    """The training data file is absent or unreadable."""


def load_data(path: Path) -> tuple[list[str], np.ndarray]:
    """Texts and 0/1 labels of a ClaimBuster JSON list of {"sentence_id", "label", "text"}."""
    if not path.is_file():
        raise DataMissing(
            f"{path}: ClaimBuster training data not found; pass --data PATH to train.json"
        )
    try:
        rows = json.loads(path.read_text(encoding="utf-8"))
        texts = [str(r["text"]) for r in rows]
        labels = np.array([int(r["label"]) for r in rows], dtype=int)
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise DataMissing(f"{path}: not a ClaimBuster JSON list ({e})") from e
    return texts, labels


def embed(texts: Sequence[str], model: str | None) -> tuple[np.ndarray, str]:
    """L2-normalised embeddings of ``texts`` and the canonical model name (cached in /tmp)."""
    from factcheck.embed import canonical_model_name, load_model

    name = canonical_model_name(model)
    digest = hashlib.sha256("\n".join([name, *texts]).encode("utf-8")).hexdigest()[:16]
    cache = Path(tempfile.gettempdir()) / f"factcheck-checkworthy-emb-{digest}.npy"
    if cache.exists():
        log.info("embeddings from cache %s", cache)
        return np.load(cache), name
    t0 = time.perf_counter()
    vecs = load_model(name).encode(
        list(texts), batch_size=64, normalize_embeddings=True, show_progress_bar=False
    )
    vecs = np.asarray(vecs, dtype=np.float32)
    np.save(cache, vecs)
    log.info("embedded %d sentences with %s in %.0fs", len(texts), name, time.perf_counter() - t0)
    return vecs, name


def oof_scores(
    texts: Sequence[str], labels: np.ndarray, emb: np.ndarray, *, folds: int = 4, seed: int = 0,
    model_name: str = "",
) -> np.ndarray:
    """Out-of-fold scores of the final scorer in stratified ``folds``-fold cross-validation."""
    from sklearn.model_selection import StratifiedKFold

    from factcheck.checkworthy import CheckworthinessModel, train

    out = np.zeros(len(texts), dtype=np.float32)
    split = StratifiedKFold(folds, shuffle=True, random_state=seed).split(emb, labels)
    for tr, te in split:
        arrays, meta = train([texts[i] for i in tr], labels[tr], emb[tr], model_name=model_name)
        out[te] = CheckworthinessModel(arrays, meta).score([texts[i] for i in te], emb[te])
    return out


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="ClaimBuster train.json")
    ap.add_argument("--model", default=None,
                    help="sentence-transformers model name or path (default all-MiniLM-L6-v2)")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="weights file to write")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    from factcheck.checkworthy import best_threshold, f1_at, save_weights, train
    from factcheck.errors import FactcheckError

    try:
        texts, labels = load_data(args.data)
        emb, name = embed(texts, args.model)
    except (DataMissing, FactcheckError) as e:
        sys.stderr.write(f"error: {e}\n")
        return 1
    t0 = time.perf_counter()
    oof = oof_scores(texts, labels, emb, model_name=name)
    threshold, f1 = best_threshold(labels, oof)
    cv_seconds = time.perf_counter() - t0
    t1 = time.perf_counter()
    arrays, meta = train(texts, labels, emb, model_name=name, threshold=threshold)
    fit_seconds = time.perf_counter() - t1
    _, prec, rec = f1_at(labels, oof, threshold)
    meta["cv"] = {
        "folds": 4, "seed": 0, "threshold": threshold, "f1": round(f1, 4),
        "precision": round(prec, 4), "recall": round(rec, 4),
        "f1_at_0.5": round(f1_at(labels, oof, 0.5)[0], 4),
        "note": "threshold chosen on these out-of-fold scores (see bench/checkworthy.py for "
                "thresholds chosen inside each training fold)",
    }
    meta["data_citation"] = CITATION
    meta["train_seconds"] = {"cv": round(cv_seconds, 1), "final_fit": round(fit_seconds, 1)}
    save_weights(arrays, meta, args.out)
    summary = {k: v for k, v in meta.items() if k != "feature_names"}
    summary["weights_file"] = args.out.name
    summary["weights_bytes"] = args.out.stat().st_size
    args.out.with_suffix(".json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    sys.stdout.write(
        f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB) for {name}: threshold "
        f"{threshold:.2f}, 4-fold out-of-fold F1 {f1:.4f} (P {prec:.3f}, R {rec:.3f}); "
        f"cv {cv_seconds:.0f}s + final fit {fit_seconds:.0f}s\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
