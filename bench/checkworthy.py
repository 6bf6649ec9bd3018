"""Benchmark: the check-worthiness scorer on ClaimBuster (CV), news_dev (news) and debate transcripts.

    python bench/checkworthy.py [--skip-transcripts] [--limit N] [--seeds K]

One run reports, each next to baselines measured in the same run:

(a) ClaimBuster (../shared/data/claimbuster/train.json; Arslan et al., ICWSM 2020, CC-BY-4.0):
    4-fold cross-validated F1 of the check-worthy class -- at the best threshold chosen on all
    out-of-fold scores (slightly optimistic), with the threshold chosen inside each training fold
    (honest: the fine-tuned branch on a held-back 15% of the fold's training rows, the frozen
    recipe by an inner CV), and at each operating point ("thorough", "focused") -- for the
    shipped recipe (the fine-tuned branch when the weights have one, else the frozen recipe, as
    shipped), the previous frozen-encoder recipe, the earlier
    final-embedding model and TF-IDF + LR. The branch's CV is cached (/tmp/fc-checkworthy-cache)
    by recipe and data, so running it after scripts/train_checkworthy.py does not train it again.
(b) news_dev (../shared/data/news_dev, 70 labelled sentences of 4 news stories): the SHIPPED
    weights, each labelled sentence scored alone exactly as `factcheck extract` scores a sentence
    (the scorer reads only the sentence: the encoder pass + features + words, no context),
    at each operating point: precision, recall, F1 of the check-worthy class, the flag rate of
    not-check-worthy sentences and the recall of the sentences carrying a claim in claims.jsonl.
    Also "as extract": the whole article run through extraction (splitter, boilerplate / heading /
    caption rules, quotes with a speaker kept), a labelled sentence counting as flagged when a
    claim overlaps it. Baselines: the previous frozen-encoder scorer (its weights from git history,
    at its own operating points 0.45 / 0.66), the digit-or-quote rule, TF-IDF + LR trained on
    ClaimBuster.
(c) CheckThat! 2020 task 5 training transcripts (research-only licence: evaluation only, never
    training): MAP of the ranking, each line scored alone (as `extract --min-score 0` does),
    average precision per transcript, mean over transcripts; shipped scorer vs TF-IDF + LR (and
    the previous scorer when its scores of those lines are in the cache: it is not re-encoded).

Hidden states of ClaimBuster are cached in /tmp (scripts/train_checkworthy.py); transcript scores
in /tmp/fc-checkworthy-cache keyed by weights and text hash, so a re-run does not re-encode.
Writes bench/results/checkworthy.json (with the machine load: timings are noisy on shared cores).
Skips cleanly (exit 0) when the shared data is absent.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import re
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "scripts"))

from train_checkworthy import (  # noqa: E402
    DEFAULT_DATA,
    branch_oof,
    hidden_states,
    load,
    oof_scores,
    token_states,
)

SHARED = REPO.parent / "shared" / "data"
NEWS = SHARED / "news_dev"
TRANSCRIPTS = SHARED / "checkthat2020_task5" / "training"
CACHE = Path("/tmp") / "fc-checkworthy-cache"
# the frozen-encoder weights shipped before the fine-tuned branch (a baseline column in every section)
PREVIOUS_WEIGHTS = ("5b645b5", "factcheck/ml/checkworthy_weights.npz")
PREVIOUS_POINTS = {"thorough": 0.45, "focused": 0.66}
WEIGHTS_PATH: Path | None = None  # --weights (None: the shipped file)
_RULE = re.compile(r"[\d\"“”]")
GOALS = {
    "claimbuster_cv_f1": 0.85,
    "news_dev_not_checkworthy_flag_rate": 0.2,
    "news_dev_recall": 0.9,
    "transcript_map": 0.10,
}


def baseline_oof(texts: list[str], labels: np.ndarray, seed: int = 0) -> np.ndarray:
    """Out-of-fold scores of TF-IDF (1-2 grams) + logistic regression."""
    from sklearn.model_selection import StratifiedKFold

    out = np.zeros(len(texts))
    arr = np.array(texts, dtype=object)
    for tr, te in StratifiedKFold(4, shuffle=True, random_state=seed).split(arr, labels):
        out[te] = tfidf_lr(list(arr[tr]), labels[tr])(list(arr[te]))
    return out


def tfidf_lr(texts: list[str], labels: np.ndarray):
    """Fit TF-IDF (word 1-2 grams) + class-balanced LR; returns texts -> P(check-worthy)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
    lr = LogisticRegression(max_iter=3000, class_weight="balanced")
    lr.fit(vec.fit_transform(texts), labels)
    return lambda xs: lr.predict_proba(vec.transform(xs))[:, 1]


def honest_f1(labels: np.ndarray, oof: np.ndarray, folds: list[tuple[np.ndarray, float]]) -> float:
    """Positive-class F1 over all folds, each fold cut at the threshold its training rows chose."""
    tp = fp = fn = 0
    for te, t in folds:
        pred = oof[te] >= t
        tp += int((pred & (labels[te] == 1)).sum())
        fp += int((pred & (labels[te] == 0)).sum())
        fn += int((~pred & (labels[te] == 1)).sum())
    return 2 * tp / max(1, 2 * tp + fp + fn)


def final_embedding_oof(texts: list[str], labels: np.ndarray, final: np.ndarray) -> np.ndarray:
    """The previous scorer for comparison: LR over the normalised sentence embedding + features."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    from factcheck.ml.checkworthy import features

    x = np.hstack([final, features(texts)])
    out = np.zeros(len(texts))
    for tr, te in StratifiedKFold(4, shuffle=True, random_state=0).split(x, labels):
        mean, std = x[tr].mean(0), x[tr].std(0) + 1e-6
        lr = LogisticRegression(C=0.01, max_iter=5000, class_weight="balanced")
        lr.fit((x[tr] - mean) / std, labels[tr])
        out[te] = lr.predict_proba((x[te] - mean) / std)[:, 1]
    return out


def prf(labels: np.ndarray, flagged: np.ndarray) -> dict:
    """Precision, recall, F1 of class 1 and the flag rate of class 0, for boolean predictions."""
    tp = int((flagged & (labels == 1)).sum())
    fp = int((flagged & (labels == 0)).sum())
    pos, neg = int((labels == 1).sum()), int((labels == 0).sum())
    p, r = tp / max(1, tp + fp), tp / max(1, pos)
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(2 * tp / max(1, tp + fp + pos), 4),
        "not_checkworthy_flagged": f"{fp} of {neg}",
        "not_checkworthy_flag_rate": round(fp / max(1, neg), 4),
    }


def average_precision(labels: np.ndarray, scores: np.ndarray) -> float | None:
    """Average precision of a ranking (stable sort by descending score); None without positives."""
    order = np.argsort(-np.asarray(scores, dtype=np.float64), kind="stable")
    rel = np.asarray(labels)[order] == 1
    if not rel.any():
        return None
    hits = np.cumsum(rel)
    return float((hits[rel] / (np.flatnonzero(rel) + 1)).mean())


def _weights_tag(scorer, weights: Path | None = None) -> str:
    from factcheck.ml.checkworthy import WEIGHTS

    digest = hashlib.sha256((weights or WEIGHTS).read_bytes()).hexdigest()[:12]
    return digest + "-" + scorer.model_name.replace("/", "_")


def previous_scorer():
    """The frozen-encoder scorer shipped before (from git history), or None when git cannot give it."""
    import subprocess

    from factcheck.ml.checkworthy import CheckworthinessModel

    path = CACHE / f"previous-{PREVIOUS_WEIGHTS[0]}.npz"
    if not path.exists():
        try:
            data = subprocess.run(["git", "-C", str(REPO), "show", ":".join(PREVIOUS_WEIGHTS)],
                                  capture_output=True, check=True).stdout
        except (OSError, subprocess.CalledProcessError) as e:
            print(f"no previous-scorer baseline: git show {':'.join(PREVIOUS_WEIGHTS)} failed ({e})",
                  file=sys.stderr)
            return None, None
        CACHE.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return CheckworthinessModel.load(path), path


def scores_cached(texts: list[str], scorer, embedder, name: str, weights: Path | None = None,
                  only_cached: bool = False) -> np.ndarray | None:
    """A scorer's score of each text alone; cached on disk by weights and text hash. With
    ``only_cached``, None unless every text is in the cache (no encoding)."""
    from factcheck.text.sentences import text_hash

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{name}-{_weights_tag(scorer, weights)}.json"
    known: dict[str, float] = json.loads(path.read_text()) if path.exists() else {}
    hashes = [text_hash(t) for t in texts]
    todo = list({h: t for h, t in zip(hashes, texts) if h not in known}.items())
    if todo and only_cached:
        return None
    for i in range(0, len(todo), 2048):
        part = todo[i : i + 2048]
        _, states = embedder.encode_with_states([t for _, t in part], scorer.reads)
        known.update((h, float(s)) for (h, _), s in zip(part, scorer.score([t for _, t in part], states)))
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(known))
        os.replace(tmp, path)
        print(f"  {name}: {min(i + 2048, len(todo))}/{len(todo)} encoded", file=sys.stderr)
    return np.array([known[h] for h in hashes], dtype=np.float64)


def final_embeddings(texts: list[str]) -> np.ndarray:
    """Normalised sentence embeddings of texts, cached in CACHE by the hash of all texts."""
    from factcheck.ml.embedder import Embedder

    key = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    path = CACHE / f"final-{key}.npy"
    if path.exists():
        return np.load(path)
    vecs = Embedder(None).encode(texts)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vecs)
    return vecs


# -- (a) ClaimBuster CV ---------------------------------------------------------------------------
def claimbuster_cv(
    texts: list[str], labels: np.ndarray, seeds: int, points: dict[str, float], scorer
) -> dict:
    """4-fold CV of the shipped recipe (the fine-tuned branch when the shipped weights have one),
    beside the previous frozen recipe, the earlier final-embedding model and TF-IDF + LR."""
    from factcheck.ml.checkworthy import best_threshold, f1_at, precision_threshold, recall_threshold

    t0 = time.perf_counter()
    states = hidden_states(texts, None)
    tokens = token_states(texts, None, scorer.branch.input_layer) if scorer.branch is not None else None
    embed_s = time.perf_counter() - t0
    per_seed, oofs = [], []
    for seed in range(seeds):
        t0 = time.perf_counter()
        frozen, frozen_folds = oof_scores(texts, labels, states, seed=seed)
        if tokens is not None:
            oof, folds = branch_oof(texts, labels, tokens, states, seed=seed,
                                    log=lambda m: print(m, file=sys.stderr))
        else:
            oof, folds = frozen, frozen_folds
        oofs.append(oof)
        best_t, best_f1 = best_threshold(labels, oof)
        base = baseline_oof(texts, labels, seed)
        row = {
            "seed": seed,
            "best_threshold": best_t,
            "f1_at_best_threshold": round(best_f1, 4),
            "f1_threshold_chosen_in_training_folds": round(honest_f1(labels, oof, folds), 4),
            "fold_thresholds": [t for _, t in folds],
            "previous_frozen_f1_at_best_threshold": round(best_threshold(labels, frozen)[1], 4),
            "previous_frozen_f1_threshold_chosen_in_training_folds": round(
                honest_f1(labels, frozen, frozen_folds), 4),
            "baseline_tfidf_lr_f1_at_best_threshold": round(best_threshold(labels, base)[1], 4),
            "cv_s": round(time.perf_counter() - t0, 1),
        }
        for mode, t in points.items():
            p, r, f1 = f1_at(labels, oof, t)
            row[mode] = {"threshold": t, "precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4)}
        for mode, t in PREVIOUS_POINTS.items():
            p, r, f1 = f1_at(labels, frozen, t)
            row[f"previous_frozen_{mode}"] = {"threshold": t, "precision": round(p, 4),
                                              "recall": round(r, 4), "f1": round(f1, 4)}
        per_seed.append(row)
        print(json.dumps(row), file=sys.stderr)
    oof = np.mean(oofs, axis=0)
    curve = []
    for t in np.arange(0.30, 0.81, 0.05):
        p, r, f1 = f1_at(labels, oof, float(t))
        curve.append(
            {
                "threshold": round(float(t), 2),
                "precision": round(p, 4),
                "recall": round(r, 4),
                "f1": round(f1, 4),
            }
        )
    rules = {
        "thorough_rule_recall_threshold_per_seed": [recall_threshold(labels, o) for o in oofs],
        "focused_rule_precision_threshold_per_seed": [precision_threshold(labels, o) for o in oofs],
    }
    final = final_embeddings(texts)
    prev_t, prev_f1 = best_threshold(labels, final_embedding_oof(texts, labels, final))

    def mean(key: str) -> float:
        return round(float(np.mean([s[key] for s in per_seed])), 4)

    if scorer.branch is not None:
        method = (f"{1 - scorer.blend:.1f} * LR head (fine-tuned) over [masked mean of a fine-tuned copy "
                  f"of MiniLM layer {scorer.branch.input_layer + 1} fed by layer "
                  f"{scorer.branch.input_layer}'s token states, 14 features] + {scorer.blend:.1f} * LR "
                  f"over TF-IDF word 1-2 grams; each fold trained on 85% of its training rows, its "
                  f"threshold chosen on the other 15%")
    else:
        method = ("0.7 * LR(C=0.003) over mean-pooled MiniLM hidden states of layers 2-6 + 14 "
                  "features, + 0.3 * LR(C=4) over TF-IDF word 1-2 grams")
    return {
        "data": "ClaimBuster 2.5xNCS train split (Arslan, Hassan, Li, Tremayne, ICWSM 2020; "
        "DOI 10.5281/zenodo.3609356; CC-BY-4.0)",
        "sentences": len(texts),
        "positives": int(labels.sum()),
        "folds": f"4, stratified, shuffled (seeds 0..{seeds - 1})",
        "method": method,
        "f1_at_best_threshold_mean": mean("f1_at_best_threshold"),
        "f1_threshold_chosen_in_training_folds_mean": mean("f1_threshold_chosen_in_training_folds"),
        "previous_frozen_f1_at_best_threshold_mean": mean("previous_frozen_f1_at_best_threshold"),
        "previous_frozen_f1_threshold_chosen_in_training_folds_mean": mean(
            "previous_frozen_f1_threshold_chosen_in_training_folds"),
        "baseline_tfidf_lr_f1_at_best_threshold_mean": mean("baseline_tfidf_lr_f1_at_best_threshold"),
        "operating_points": {
            mode: {
                k: round(float(np.mean([s[mode][k] for s in per_seed])), 4)
                for k in ("precision", "recall", "f1")
            }
            | {"threshold": t}
            for mode, t in points.items()
        },
        "oof_curve_seed_mean": curve,
        "operating_point_rules": rules,
        "previous_final_embedding_lr": {"best_threshold": prev_t, "f1_at_best_threshold": round(prev_f1, 4)},
        "per_seed": per_seed,
        "hidden_states_s": round(embed_s, 1),
    }


# -- (b) news_dev -----------------------------------------------------------------------------------
def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def news_dev(scorer, embedder, baseline, baseline_t: float, points: dict[str, float]) -> dict:
    """Figures on news_dev for the shipped scorer (alone and as extract) and the baselines."""
    from factcheck.services.extract import analyse
    from factcheck.text.sentences import split_sentences

    rows = _jsonl(NEWS / "sentences.jsonl")
    claimed = {(c["story"], c["sentence_key"]) for c in _jsonl(NEWS / "claims.jsonl")}
    texts = [r["sentence"] for r in rows]
    labels = np.array([int(r["label"]) for r in rows])
    important = np.array([(r["story"], r["sentence_key"]) in claimed for r in rows])
    _, states = embedder.encode_with_states(texts, scorer.reads)
    scores = scorer.score(texts, states).astype(np.float64)

    def figures(flagged: np.ndarray) -> dict:
        out = prf(labels, flagged)
        out["important_claim_recall"] = round(float(flagged[important].mean()), 4)
        out["important_claims_found"] = f"{int(flagged[important].sum())} of {int(important.sum())}"
        return out

    # as extract: the whole article through splitting, scoring and the claim rules
    articles = {
        s["story"]: (NEWS / s["article_file"]).read_text(encoding="utf-8")
        for s in _jsonl(NEWS / "stories.jsonl")
    }
    as_extract: dict[str, np.ndarray] = {mode: np.zeros(len(rows), bool) for mode in points}
    for story, text in articles.items():
        spans = split_sentences(text)
        parts = [text[a:b] for a, b in spans]
        _, st = embedder.encode_with_states(parts, scorer.reads)
        sc = scorer.score(parts, st)
        for mode, t in points.items():
            _, claims = analyse(story, text, None, t, spans=spans, scores=sc)
            for i, r in enumerate(rows):
                if r["story"] != story:
                    continue
                a = text.index(r["sentence"])
                b = a + len(r["sentence"])
                as_extract[mode][i] = any(c.start < b and c.end > a for c in claims)
    rule = np.array([bool(_RULE.search(t)) for t in texts])
    base = baseline(texts)
    out = {
        "data": "news_dev: 70 hand-labelled sentences of 4 news stories (50 check-worthy, 20 not; "
        f"{int(important.sum())} carry a claim of claims.jsonl); a dev set: one sentence "
        "moves the not-check-worthy flag rate by 0.05",
        "factcheck_sentence_alone": {
            mode: figures(scores >= t) | {"threshold": t} for mode, t in points.items()
        },
        "factcheck_as_extract": {
            mode: figures(as_extract[mode]) | {"threshold": t} for mode, t in points.items()
        },
        "baseline_digit_or_quote": figures(rule),
        "baseline_tfidf_lr": figures(base >= baseline_t) | {"threshold": baseline_t},
        "all_ones": figures(np.ones(len(rows), bool)),
        "not_checkworthy_flagged_at_thorough": [
            {
                "story": r["story"],
                "key": r["sentence_key"],
                "score": round(float(s), 3),
                "reason": r["reason"],
            }
            for r, s, y in zip(rows, scores, labels)
            if y == 0 and s >= points["thorough"]
        ],
        "important_missed_at_focused": [
            {"story": r["story"], "key": r["sentence_key"], "score": round(float(s), 3)}
            for r, s, imp in zip(rows, scores, important)
            if imp and s < points["focused"]
        ],
    }
    curve = []
    for t in np.arange(0.30, 0.81, 0.05):
        f = figures(scores >= float(t))
        curve.append(
            {
                "threshold": round(float(t), 2),
                "recall": f["recall"],
                "precision": f["precision"],
                "not_checkworthy_flag_rate": f["not_checkworthy_flag_rate"],
                "important_claim_recall": f["important_claim_recall"],
            }
        )
    out["curve_sentence_alone"] = curve
    return out


# -- (c) transcripts --------------------------------------------------------------------------------
def read_transcript(path: Path) -> tuple[list[str], np.ndarray]:
    """Lines and labels of a CheckThat! 2020 task 5 file (line id, speaker, text, label; tab-separated)."""
    texts, labels = [], []
    with path.open(encoding="utf-8", newline="") as fh:
        for n, row in enumerate(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE), 1):
            if len(row) < 4:
                raise SystemExit(f"{path}:{n}: expected 4 tab-separated columns, got {len(row)}")
            texts.append(row[2])
            labels.append(int(row[3]))
    return texts, np.array(labels)


def transcripts(scorer, embedder, baseline, limit: int | None, previous=None,
                previous_path: Path | None = None) -> dict:
    files = sorted(TRANSCRIPTS.glob("*.tsv"))[: limit or None]
    data = [(f, *read_transcript(f)) for f in files]
    every = [t for _, texts, _ in data for t in texts]
    t0 = time.perf_counter()
    scores = scores_cached(every, scorer, embedder, "checkthat2020-task5", WEIGHTS_PATH)
    score_s = time.perf_counter() - t0
    prev = None  # the previous scorer's ranking, when its scores are all cached (no encoding)
    if previous is not None:
        prev = scores_cached(every, previous, embedder, "checkthat2020-task5", previous_path,
                             only_cached=True)
    base = baseline(every)
    rng = np.random.default_rng(0)
    per, at = [], 0
    for f, texts, labels in data:
        s, b = scores[at : at + len(texts)], base[at : at + len(texts)]
        ap = average_precision(labels, s)
        if ap is None:
            at += len(texts)
            continue
        row = {
            "file": f.name,
            "lines": len(texts),
            "positives": int(labels.sum()),
            "ap": round(ap, 4),
            "baseline_ap": round(average_precision(labels, b), 4),
            "random_ap": round(average_precision(labels, rng.random(len(texts))), 4),
        }
        if prev is not None:
            row["previous_frozen_ap"] = round(average_precision(labels, prev[at : at + len(texts)]), 4)
        at += len(texts)
        per.append(row)

    def mean(key: str) -> float:
        return round(float(np.mean([p[key] for p in per])), 4)

    return {
        "data": "CheckThat! 2020 task 5 training transcripts (research-only licence: evaluation only)",
        "transcripts": len(per),
        "transcripts_without_positives_skipped": len(data) - len(per),
        "lines": len(every),
        "positives": int(sum(int(lab.sum()) for _, _, lab in data)),
        "map": mean("ap"),
        "previous_frozen_map": mean("previous_frozen_ap") if prev is not None else
        "not measured (its scores of these lines are not all cached)",
        "baseline_tfidf_lr_map": mean("baseline_ap"),
        "random_map": mean("random_ap"),
        "score_s": round(score_s, 1),
        "per_transcript": per,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-transcripts", action="store_true", help="leave out (c), the transcript MAP")
    ap.add_argument("--limit", type=int, default=None, help="only the first N transcripts")
    ap.add_argument("--seeds", type=int, default=1,
                    help="CV repetitions on ClaimBuster (default 1: each trains 4 branch models)")
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "checkworthy.json")
    ap.add_argument("--weights", type=Path, default=None,
                    help="weights to measure instead of the shipped ones (e.g. train_checkworthy.py "
                    "--recipe branch --out PATH); its CV reruns that recipe")
    args = ap.parse_args(argv)
    global WEIGHTS_PATH
    WEIGHTS_PATH = args.weights
    if not DEFAULT_DATA.exists():
        print(f"skipped: {DEFAULT_DATA} not found (shared data absent)")
        return 0
    from factcheck.ml.checkworthy import CheckworthinessModel, best_threshold, operating_points
    from factcheck.ml.embedder import Embedder

    load_start = os.getloadavg()
    started = time.perf_counter()
    scorer = CheckworthinessModel.load(args.weights)
    points = operating_points(scorer)
    texts, labels = load(DEFAULT_DATA)
    result: dict = {"date": time.strftime("%Y-%m-%d %H:%M"), "operating_points": points, "goals": GOALS,
                    "weights": str(args.weights or "shipped")}
    previous, previous_path = previous_scorer()
    result["claimbuster_cv"] = claimbuster_cv(texts, labels, args.seeds, points, scorer)
    embedder = Embedder(None, encoder="torch")
    baseline = tfidf_lr(texts, labels)  # trained on all of ClaimBuster train.json
    base_t = best_threshold(labels, baseline_oof(texts, labels))[0]  # its max-F1 threshold, out of fold
    if (NEWS / "sentences.jsonl").exists():
        result["news_dev"] = news_dev(scorer, embedder, baseline, base_t, points)
        if previous is not None:
            old = news_dev(previous, embedder, baseline, base_t, PREVIOUS_POINTS)
            result["news_dev"]["previous_frozen_sentence_alone"] = old["factcheck_sentence_alone"]
            result["news_dev"]["previous_frozen_as_extract"] = old["factcheck_as_extract"]
            result["news_dev"]["previous_frozen_curve_sentence_alone"] = old["curve_sentence_alone"]
    else:
        print(f"skipped news_dev: {NEWS} not found")
    if args.skip_transcripts:
        print("skipped transcripts (--skip-transcripts)")
    elif TRANSCRIPTS.exists():
        result["transcripts"] = transcripts(scorer, embedder, baseline, args.limit, previous, previous_path)
    else:
        print(f"skipped transcripts: {TRANSCRIPTS} not found")
    result["machine"] = {
        "cpus": os.cpu_count(),
        "load_avg_1_5_15_start": [round(x, 2) for x in load_start],
        "load_avg_1_5_15_end": [round(x, 2) for x in os.getloadavg()],
        "total_s": round(time.perf_counter() - started, 1),
        "note": "shared 2-core machine: timings are noisy; figures are not",
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items()}, indent=2)[:6000])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
