"""Retrain the check-worthiness weights shipped in factcheck/checkworthy_weights.npz.

    python scripts/train_checkworthy.py [--data ../shared/data/claimbuster/train.json]
                                        [--model all-MiniLM-L6-v2] [--out PATH]

Data: ClaimBuster (Arslan et al., ICWSM 2020, CC-BY-4.0). Hyper-parameters (C of both logistic
regressions, the blend weight, the layers) are the defaults of ``factcheck.ml.checkworthy.fit``,
picked on a coarse grid in 4-fold CV (bench/checkworthy.py reports the CV numbers, with thresholds
also chosen inside each training fold). The default threshold leans to recall: the lowest
threshold whose out-of-fold F1 is within 0.015 of the best.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "data" / "claimbuster" / "train.json"


def load(path: Path) -> tuple[list[str], np.ndarray]:
    """Texts and labels of a ClaimBuster JSON file."""
    rows = json.loads(path.read_text())
    return [r["text"] for r in rows], np.array([int(r["label"]) for r in rows])


def hidden_states(texts: list[str], model: str | None) -> np.ndarray:
    """Pooled hidden states of the scorer's layers (cached in /tmp by model and data size)."""
    from factcheck.ml.checkworthy import LAYERS
    from factcheck.ml.embedder import Embedder

    embedder = Embedder(model)
    tag = "-".join(map(str, LAYERS))
    cache = Path("/tmp") / f"factcheck-cw-{embedder.model_name.replace('/', '_')}-{tag}-{len(texts)}.npy"
    if cache.exists():
        return np.load(cache)
    _, states = embedder.encode_with_states(texts, LAYERS)
    np.save(cache, states)
    return states


def oof_scores(texts: list[str], labels: np.ndarray, states: np.ndarray, folds: int = 4,
               seed: int = 0, **fit_args) -> tuple[np.ndarray, list[tuple[np.ndarray, float]]]:
    """Out-of-fold scores in stratified k-fold CV, and per fold (test rows, threshold chosen by an
    inner 3-fold CV on that fold's training rows only)."""
    from sklearn.model_selection import StratifiedKFold

    from factcheck.ml.checkworthy import best_threshold, fit

    arr = np.array(texts, dtype=object)
    out = np.zeros(len(texts), dtype=np.float32)
    honest = []
    for tr, te in StratifiedKFold(folds, shuffle=True, random_state=seed).split(states, labels):
        m = fit(list(arr[tr]), labels[tr], states[tr], **fit_args)
        out[te] = m.score(list(arr[te]), states[te])
        inner = np.zeros(len(tr), dtype=np.float32)
        for a, b in StratifiedKFold(3, shuffle=True, random_state=seed).split(tr, labels[tr]):
            ia, ib = tr[a], tr[b]
            inner[b] = fit(list(arr[ia]), labels[ia], states[ia], **fit_args).score(list(arr[ib]), states[ib])
        honest.append((te, best_threshold(labels[tr], inner)[0]))
    return out, honest


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--model", default=None)
    ap.add_argument("--out", type=Path, default=REPO / "factcheck" / "checkworthy_weights.npz")
    args = ap.parse_args()
    if not args.data.exists():
        sys.stderr.write(f"{args.data}: not found; pass --data PATH to ClaimBuster train.json\n")
        return 1
    from factcheck.ml.checkworthy import best_threshold, f1_at, fit, recall_threshold, save
    from factcheck.ml.embedder import canonical_model_name

    texts, labels = load(args.data)
    states = hidden_states(texts, args.model)
    oof, _ = oof_scores(texts, labels, states)
    best_t, best_f1 = best_threshold(labels, oof)
    threshold = recall_threshold(labels, oof)
    p, r, f1 = f1_at(labels, oof, threshold)
    model = fit(texts, labels, states, model=canonical_model_name(args.model))
    model.threshold = threshold
    model.meta.update(cv_best_threshold=best_t, cv_best_f1=round(best_f1, 4),
                      cv_default={"precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4)})
    save(model, args.out)
    sys.stdout.write(
        f"wrote {args.out}: default threshold {threshold} (4-fold OOF P {p:.3f} R {r:.3f} F1 "
        f"{f1:.3f}); best-F1 threshold {best_t} (F1 {best_f1:.3f})\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
