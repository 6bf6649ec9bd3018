"""Benchmark: `train checkworthy --from-reviews` on news_dev, leave one story out.

    python bench/adapt.py

For each of the four news_dev stories: the scorer is adapted on the other three stories' sentence
labels (as if the desk had kept or dismissed them; the pull towards the shipped weights chosen
by inner folds of those labels only) and tested on this story's sentences; base vs
adapted precision/recall/F1 at the shipped threshold, plus the digit-or-quote baseline, in one run.
Reads ../shared/data/news_dev (skips when absent). Results: bench/results/adapt.json.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data" / "news_dev" / "sentences.jsonl"
OUT = REPO / "bench" / "results" / "adapt.json"


def main() -> int:
    if not DATA.exists():
        print(f"skipped: {DATA} not found")
        return 0
    sys.path.insert(0, str(REPO))
    from factcheck.ml.adapt import adapt, choose_lambda
    from factcheck.ml.checkworthy import CheckworthinessModel, f1_at
    from factcheck.ml.embedder import Embedder

    rows = [json.loads(line) for line in DATA.read_text().splitlines() if line.strip()]
    texts = [r["sentence"] for r in rows]
    y = np.array([int(r["label"]) for r in rows])
    stories = np.array([r["story"] for r in rows])
    base = CheckworthinessModel.load()
    _, states = Embedder(None, None).encode_with_states(texts, base.reads)
    rule = np.array([1.0 if re.search(r"\d|[\"“”]", t) else 0.0 for t in texts])

    def figs(labels: np.ndarray, scores: np.ndarray, t: float) -> dict:
        p, r, f = f1_at(labels, scores, t)
        flagged = int(((scores >= t) & (labels == 0)).sum())
        return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(f, 3),
                "not_checkworthy_flagged": f"{flagged} of {int((labels == 0).sum())}"}

    folds = []
    for story in sorted(set(stories)):
        test = stories == story
        train = ~test
        tr = [t for t, m in zip(texts, train) if m]
        te = [t for t, m in zip(texts, test) if m]
        lam = choose_lambda(base, tr, y[train], states[train])  # inside the training stories only
        adapted = adapt(base, tr, y[train], states[train], lam=lam)
        folds.append({"lambda": lam,
            "test_story": story, "train_labels": int(train.sum()), "test_sentences": int(test.sum()),
            "base": figs(y[test], base.score(te, states[test]), base.threshold),
            "adapted": figs(y[test], adapted.score(te, states[test]), base.threshold),
            "digit_or_quote_rule": figs(y[test], rule[test], 0.5),
        })
        print(json.dumps(folds[-1]))
    mean = {k: round(float(np.mean([f[k]["f1"] for f in folds])), 3)
            for k in ("base", "adapted", "digit_or_quote_rule")}
    result = {"lambda": "chosen per fold by inner 4-fold CV on the training stories",
              "threshold": base.threshold, "folds": folds, "mean_f1": mean}
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(mean))
    return 0


if __name__ == "__main__":
    sys.exit(main())
