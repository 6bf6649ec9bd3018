"""Retrain the check-worthiness weights shipped in factcheck/checkworthy_weights.npz.

    python scripts/train_checkworthy.py [--data ../shared/data/claimbuster/train.json]
                                        [--model all-MiniLM-L6-v2] [--out PATH] [--c 1.0]

Data: ClaimBuster (Arslan et al., ICWSM 2020, CC-BY-4.0). The threshold is the one maximising
out-of-fold F1 in 4-fold cross-validation on the training data.
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


def embed(texts: list[str], model: str | None) -> np.ndarray:
    """Normalised embeddings with the configured model (cached in /tmp by model and data size)."""
    from factcheck.embed import canonical_model_name, load_model

    name = canonical_model_name(model)
    cache = Path("/tmp") / f"factcheck-cw-{name.replace('/', '_')}-{len(texts)}.npy"
    if cache.exists():
        return np.load(cache)
    vecs = load_model(name).encode(texts, batch_size=64, normalize_embeddings=True,
                                   show_progress_bar=False)
    np.save(cache, vecs)
    return vecs


def oof_scores(texts, labels, emb, c, folds=4, seed=0) -> np.ndarray:
    """Out-of-fold scores of the final model in stratified k-fold CV."""
    from sklearn.model_selection import StratifiedKFold

    from factcheck.checkworthy import fit

    out = np.zeros(len(texts), dtype=np.float32)
    for tr, te in StratifiedKFold(folds, shuffle=True, random_state=seed).split(emb, labels):
        m = fit([texts[i] for i in tr], labels[tr], emb[tr], c=c)
        out[te] = m.score([texts[i] for i in te], emb[te])
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--model", default=None)
    ap.add_argument("--out", type=Path, default=REPO / "factcheck" / "checkworthy_weights.npz")
    ap.add_argument("--c", type=float, default=1.0)
    args = ap.parse_args()
    if not args.data.exists():
        sys.stderr.write(f"{args.data}: not found; pass --data PATH to ClaimBuster train.json\n")
        return 1
    from factcheck.checkworthy import best_threshold, f1_at, fit, recall_threshold, save
    from factcheck.embed import canonical_model_name

    texts, labels = load(args.data)
    emb = embed(texts, args.model)
    oof = oof_scores(texts, labels, emb, args.c)
    best_t, best_f1 = best_threshold(labels, oof)
    threshold = recall_threshold(labels, oof)
    p, r, f1 = f1_at(labels, oof, threshold)
    model = fit(texts, labels, emb, c=args.c, model=canonical_model_name(args.model))
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
