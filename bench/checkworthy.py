"""Benchmark: 4-fold cross-validated F1 (positive class) of the check-worthiness scorer.

    python bench/checkworthy.py

Compares the shipped approach (logistic regression over MiniLM embeddings + transparent features)
with the TF-IDF + logistic regression baseline, on ../shared/data/claimbuster/train.json
(ClaimBuster, Arslan et al., ICWSM 2020, CC-BY-4.0). Thresholds are chosen on the out-of-fold
scores (reported both at the best-F1 threshold and at the shipped recall-leaning default).
Writes bench/results/checkworthy.json. Skips cleanly when the shared data is absent.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))

from train_checkworthy import DEFAULT_DATA, embed, load, oof_scores  # noqa: E402


def baseline_oof(texts: list[str], labels: np.ndarray) -> np.ndarray:
    """Out-of-fold scores of TF-IDF (1-2 grams) + logistic regression."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    out = np.zeros(len(texts))
    arr = np.array(texts, dtype=object)
    for tr, te in StratifiedKFold(4, shuffle=True, random_state=0).split(arr, labels):
        vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
        lr = LogisticRegression(max_iter=3000, class_weight="balanced")
        lr.fit(vec.fit_transform(arr[tr]), labels[tr])
        out[te] = lr.predict_proba(vec.transform(arr[te]))[:, 1]
    return out


def main() -> int:
    if not DEFAULT_DATA.exists():
        print(f"skipped: {DEFAULT_DATA} not found (shared data absent)")
        return 0
    from factcheck.checkworthy import CheckworthinessModel, best_threshold, f1_at

    texts, labels = load(DEFAULT_DATA)
    t0 = time.perf_counter()
    emb = embed(texts, None)
    embed_s = time.perf_counter() - t0
    shipped = CheckworthinessModel.load()
    c = float(shipped.meta.get("c", 1.0))
    t0 = time.perf_counter()
    oof = oof_scores(texts, labels, emb, c)
    cv_s = time.perf_counter() - t0
    best_t, best_f1 = best_threshold(labels, oof)
    p, r, f1 = f1_at(labels, oof, shipped.threshold)
    base = baseline_oof(texts, labels)
    base_t, base_f1 = best_threshold(labels, base)
    result = {
        "data": "ClaimBuster 2.5xNCS train split (Arslan, Hassan, Li, Tremayne, ICWSM 2020; "
                "DOI 10.5281/zenodo.3609356; CC-BY-4.0)",
        "sentences": len(texts),
        "positives": int(labels.sum()),
        "folds": 4,
        "final": {
            "method": f"LogisticRegression(C={c:g}) over MiniLM embedding + 14 features",
            "best_threshold": best_t,
            "f1_at_best_threshold": round(best_f1, 4),
            "default_threshold": shipped.threshold,
            "at_default": {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4)},
        },
        "baseline_tfidf_lr": {"best_threshold": base_t, "f1_at_best_threshold": round(base_f1, 4)},
        "target_f1": 0.82,
        "embed_s": round(embed_s, 1),
        "cv_s": round(cv_s, 1),
        "date": time.strftime("%Y-%m-%d"),
    }
    out = REPO / "bench" / "results" / "checkworthy.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
