"""Adapting the check-worthiness scorer to a desk's own decisions.

Only the final layer moves: the logistic regression over pooled hidden states and features (the
word model and the blend stay). Its weights are refitted on the desk's labels with an L2 pull
towards the shipped weights instead of towards zero, so the base training data acts as the prior:
with few labels the scorer stays close to what it was, with many it follows the desk.

Objective (class-balanced, on the blended probability the app shows):
``mean_i w_i * logloss(y_i, (1 - blend) * sigmoid(z_i) + blend * q_i) + lam / 2 * ||coef - coef0||^2``
where ``z = standardised(x) @ coef + intercept`` and ``q`` is the (fixed) word model.
"""

from __future__ import annotations

import logging

import numpy as np

from factcheck.ml.checkworthy import CheckworthinessModel, features

log = logging.getLogger(__name__)

DEFAULT_LAMBDA = 0.05


def _inputs(model: CheckworthinessModel, texts: list[str], states: np.ndarray) -> np.ndarray:
    st = np.asarray(states, dtype=np.float32)
    x = np.hstack([st.reshape(len(texts), -1), features(list(texts))])
    return (x - model.arrays["mean"]) / model.arrays["std"]


def adapt(
    base: CheckworthinessModel,
    texts: list[str],
    labels: np.ndarray,
    states: np.ndarray,
    *,
    lam: float = DEFAULT_LAMBDA,
) -> CheckworthinessModel:
    """A copy of ``base`` whose final layer is refitted on these labelled texts (see module doc)."""
    from scipy.optimize import minimize

    y = np.asarray(labels, dtype=np.float64)
    x = _inputs(base, texts, states).astype(np.float64)
    q = base._word_proba(list(texts)) if base.blend > 0 else np.zeros(len(texts))
    b = base.blend
    pos = max(1.0, y.sum())
    neg = max(1.0, len(y) - y.sum())
    w = np.where(y == 1, len(y) / (2 * pos), len(y) / (2 * neg)) / len(y)
    coef0 = base.arrays["coef"].astype(np.float64)
    start = np.append(coef0, float(base.arrays["intercept"]))

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        coef, icpt = theta[:-1], theta[-1]
        s = 1.0 / (1.0 + np.exp(-(x @ coef + icpt)))
        p = np.clip((1.0 - b) * s + b * q, 1e-7, 1 - 1e-7)
        value = -np.sum(w * (y * np.log(p) + (1 - y) * np.log(1 - p)))
        value += lam / 2 * np.sum((coef - coef0) ** 2)
        dz = w * ((p - y) / (p * (1 - p))) * (1.0 - b) * s * (1 - s)
        grad = np.append(x.T @ dz + lam * (coef - coef0), dz.sum())
        return float(value), grad

    res = minimize(loss, start, jac=True, method="L-BFGS-B", options={"maxiter": 500})
    if not res.success:
        log.warning("adapting the scorer: %s", res.message)
    arrays = dict(base.arrays)
    arrays["coef"] = res.x[:-1].astype(np.float32)
    arrays["intercept"] = np.float32(res.x[-1])
    meta = {**base.meta, "adapted": {"labels": int(len(y)), "positives": int(y.sum()), "lambda": lam}}
    return CheckworthinessModel(arrays, meta)


LAMBDAS = (0.01, 0.05, 0.2, 1.0, 5.0)


def choose_lambda(
    base: CheckworthinessModel,
    texts: list[str],
    labels: np.ndarray,
    states: np.ndarray,
    *,
    grid: tuple[float, ...] = LAMBDAS,
    folds: int = 4,
    seed: int = 0,
) -> float:
    """The pull towards the base weights that scores best (mean F1 over stratified folds of the
    given labels only); ties go to the stronger pull (closer to the shipped scorer)."""
    from factcheck.ml.checkworthy import f1_at

    y = np.asarray(labels)
    rng = np.random.default_rng(seed)
    fold = np.empty(len(y), dtype=np.int64)
    for cls in (0, 1):
        idx = np.flatnonzero(y == cls)
        rng.shuffle(idx)
        fold[idx] = np.arange(len(idx)) % folds
    best, best_f1 = max(grid), -1.0
    for lam in sorted(grid, reverse=True):
        f1s = []
        for k in range(folds):
            te, tr = fold == k, fold != k
            if y[te].sum() == 0 or y[tr].sum() in (0, tr.sum()):
                continue
            m = adapt(base, [t for t, s in zip(texts, tr) if s], y[tr], states[tr], lam=lam)
            f1s.append(f1_at(y[te], m.score([t for t, s in zip(texts, te) if s], states[te]),
                             base.threshold)[2])
        score = float(np.mean(f1s)) if f1s else 0.0
        if score > best_f1 + 1e-9:
            best, best_f1 = lam, score
    log.info("adapting the scorer: lambda %s (inner F1 %.3f)", best, best_f1)
    return best
