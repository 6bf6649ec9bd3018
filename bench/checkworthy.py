"""Benchmark: check-worthiness scoring on ClaimBuster, 4-fold stratified cross-validation.

    python bench/checkworthy.py [--data PATH] [--folds 4] [--seed 0] [--out PATH]

Compares the shipped approach (``factcheck.checkworthy``: lexical LR + char LR + MLP over
all-MiniLM-L6-v2 embeddings and transparent features) with the reference baseline, TF-IDF word
1-2-grams + logistic regression. F1, precision and recall are for the positive (check-worthy)
class, pooled over the out-of-fold predictions. For the shipped approach the decision threshold
of each outer fold is chosen *inside that fold's training part* (an inner 3-fold CV), so the
headline F1 never sees the test fold's labels; F1 at the fixed threshold 0.5 and at the best
single threshold in hindsight (optimistic) are reported too.

Data: ClaimBuster benchmark dataset (Arslan, Hassan, Li, Tremayne, ICWSM 2020; Zenodo DOI
10.5281/zenodo.3609356; CC-BY-4.0), read from ``../shared/data/claimbuster/train.json``. When the
data is absent the benchmark prints a message and exits 0. Writes bench/results/checkworthy.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from scripts.train_checkworthy import (  # noqa: E402
    CITATION,
    DEFAULT_DATA,
    DataMissing,
    embed,
    load_data,
)

DEFAULT_OUT = REPO / "bench" / "results" / "checkworthy.json"


def _metrics(labels: np.ndarray, scores: np.ndarray, threshold: float) -> dict[str, float]:
    from factcheck.checkworthy import f1_at

    f1, prec, rec = f1_at(labels, scores, threshold)
    return {"f1": round(f1, 4), "precision": round(prec, 4), "recall": round(rec, 4),
            "threshold": round(float(threshold), 2)}


def baseline_scores(texts: list[str], labels: np.ndarray, tr: np.ndarray, te: np.ndarray
                    ) -> np.ndarray:
    """TF-IDF (word 1-2-grams, sublinear tf) + class-balanced logistic regression."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    xtr = vec.fit_transform([texts[i] for i in tr])
    lr = LogisticRegression(C=4.0, max_iter=5000, class_weight="balanced").fit(xtr, labels[tr])
    return lr.predict_proba(vec.transform([texts[i] for i in te]))[:, 1]


def final_scores(texts: list[str], labels: np.ndarray, emb: np.ndarray, tr: np.ndarray,
                 te: np.ndarray, model_name: str) -> dict[str, np.ndarray]:
    """Train the shipped approach on ``tr``; ensemble and component scores of ``te``."""
    from factcheck.checkworthy import CheckworthinessModel, train

    arrays, meta = train([texts[i] for i in tr], labels[tr], emb[tr], model_name=model_name)
    model = CheckworthinessModel(arrays, meta)
    te_texts = [texts[i] for i in te]
    parts = model.component_scores(te_texts, emb[te])
    parts["ensemble"] = model.score(te_texts, emb[te])
    return parts


def run(texts: list[str], labels: np.ndarray, emb: np.ndarray, model_name: str, folds: int,
        seed: int, inner_folds: int) -> dict:
    """The whole benchmark; returns the results record."""
    from sklearn.model_selection import StratifiedKFold

    from factcheck.checkworthy import best_threshold, f1_at

    n = len(texts)
    oof_base = np.zeros(n)
    oof = {k: np.zeros(n) for k in ("ensemble", "lexical", "char", "mlp")}
    fold_rows = []
    timings = {"baseline_s": 0.0, "final_s": 0.0, "inner_threshold_cv_s": 0.0}
    outer = StratifiedKFold(folds, shuffle=True, random_state=seed)
    thresholds = np.zeros(n)
    for k, (tr, te) in enumerate(outer.split(emb, labels)):
        t0 = time.perf_counter()
        oof_base[te] = baseline_scores(texts, labels, tr, te)
        timings["baseline_s"] += time.perf_counter() - t0

        # Threshold for this fold from an inner CV on its training part only.
        t0 = time.perf_counter()
        inner_scores = np.zeros(len(tr))
        inner = StratifiedKFold(inner_folds, shuffle=True, random_state=seed + 1)
        for itr, ite in inner.split(emb[tr], labels[tr]):
            inner_scores[ite] = final_scores(
                texts, labels, emb, tr[itr], tr[ite], model_name)["ensemble"]
        t_k, inner_f1 = best_threshold(labels[tr], inner_scores)
        timings["inner_threshold_cv_s"] += time.perf_counter() - t0

        t0 = time.perf_counter()
        parts = final_scores(texts, labels, emb, tr, te, model_name)
        timings["final_s"] += time.perf_counter() - t0
        for name, s in parts.items():
            oof[name][te] = s
        thresholds[te] = t_k
        f1, prec, rec = f1_at(labels[te], parts["ensemble"], t_k)
        fold_rows.append({
            "fold": k, "n_test": int(len(te)), "threshold": t_k,
            "inner_cv_f1": round(inner_f1, 4), "f1": round(f1, 4),
            "precision": round(prec, 4), "recall": round(rec, 4),
            "f1_at_0.5": round(f1_at(labels[te], parts["ensemble"], 0.5)[0], 4),
            "baseline_f1_at_0.5": round(f1_at(labels[te], oof_base[te], 0.5)[0], 4),
        })
        base_f1 = fold_rows[-1]["baseline_f1_at_0.5"]
        print(f"fold {k}: threshold {t_k:.2f} F1 {f1:.4f} (baseline {base_f1:.4f})", flush=True)

    # Pooled F1 with each fold's own inner-CV threshold (honest headline).
    pred = oof["ensemble"] >= thresholds
    tp = float((pred & (labels == 1)).sum())
    prec = tp / max(1.0, float(pred.sum()))
    rec = tp / float((labels == 1).sum())
    honest = {"f1": round(2 * prec * rec / (prec + rec), 4), "precision": round(prec, 4),
              "recall": round(rec, 4),
              "thresholds": [r["threshold"] for r in fold_rows]}
    best_t, _ = best_threshold(labels, oof["ensemble"])
    base_t, _ = best_threshold(labels, oof_base)
    return {
        "task": "check-worthiness (sentence -> check-worthy factual claim or not)",
        "data": {"path": "../shared/data/claimbuster/train.json", "citation": CITATION,
                 "sentences": n, "positive": int(labels.sum())},
        "protocol": (f"{folds}-fold stratified CV (shuffle, seed {seed}); F1/precision/recall "
                     "of the positive class pooled over out-of-fold predictions; the final "
                     f"approach's threshold per outer fold chosen by an inner {inner_folds}-fold "
                     "CV on the training part"),
        "embedding_model": model_name,
        "final": {
            "approach": "mean of: LR[NB-weighted word 1-2-gram TF-IDF + MiniLM embedding + "
                        "transparent features], LR[char 2-5-gram TF-IDF], MLP(256, 3 seeds)"
                        "[MiniLM embedding + transparent features]",
            "f1_inner_cv_threshold": honest,
            "at_0.5": _metrics(labels, oof["ensemble"], 0.5),
            "at_best_threshold_in_hindsight": _metrics(labels, oof["ensemble"], best_t),
            "mean_fold_f1": round(float(np.mean([r["f1"] for r in fold_rows])), 4),
            "std_fold_f1": round(float(np.std([r["f1"] for r in fold_rows])), 4),
            "components_at_best_threshold": {
                name: _metrics(labels, oof[name], best_threshold(labels, oof[name])[0])
                for name in ("lexical", "char", "mlp")
            },
        },
        "baseline_tfidf_lr": {
            "approach": "TF-IDF word 1-2-grams (sublinear tf, min_df 2) + logistic regression "
                        "(C=4, class-balanced)",
            "at_0.5": _metrics(labels, oof_base, 0.5),
            "at_best_threshold_in_hindsight": _metrics(labels, oof_base, base_t),
        },
        "folds": fold_rows,
        "timings": {k: round(v, 1) for k, v in timings.items()},
        "machine": {"python": platform.python_version(), "cpus": _cpus()},
    }


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--model", default=None, help="embedding model (default all-MiniLM-L6-v2)")
    ap.add_argument("--folds", type=int, default=4)
    ap.add_argument("--inner-folds", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = ap.parse_args(argv)
    if not args.data.is_file():
        print(f"skipped: {args.data} not found (ClaimBuster train.json, see ../shared/data)")
        return 0
    try:
        texts, labels = load_data(args.data)
    except DataMissing as e:
        print(f"skipped: {e}")
        return 0
    t0 = time.perf_counter()
    emb, name = embed(texts, args.model)
    embed_s = time.perf_counter() - t0
    res = run(texts, labels, emb, name, args.folds, args.seed, args.inner_folds)
    res["timings"]["embedding_s_(0_if_cached)"] = round(embed_s, 1)
    res["timings"]["total_s"] = round(time.perf_counter() - t0, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    fin, base = res["final"], res["baseline_tfidf_lr"]
    h = fin["f1_inner_cv_threshold"]
    print(f"ClaimBuster 2.5xNCS, {len(texts)} sentences, {args.folds}-fold CV ({name})")
    print(f"  final    F1 {h['f1']:.4f}  P {h['precision']:.3f}  R {h['recall']:.3f}  "
          f"(thresholds chosen inside training folds: {h['thresholds']})")
    print(f"           F1 at 0.5 {fin['at_0.5']['f1']:.4f}; best threshold in hindsight "
          f"{fin['at_best_threshold_in_hindsight']['threshold']:.2f} -> "
          f"{fin['at_best_threshold_in_hindsight']['f1']:.4f}")
    print(f"  baseline F1 {base['at_0.5']['f1']:.4f}  P {base['at_0.5']['precision']:.3f}  "
          f"R {base['at_0.5']['recall']:.3f}  (TF-IDF + LR at 0.5)")
    print(f"  time {res['timings']['total_s']:.0f}s; wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
