"""Retrain the check-worthiness weights shipped in factcheck/ml/checkworthy_weights.npz.

    python scripts/train_checkworthy.py [--recipe frozen|branch] [--data PATH] [--model NAME]
                                        [--out PATH] [--limit N] [--epochs N]

Data: ClaimBuster (Arslan et al., ICWSM 2020, CC-BY-4.0; ../shared/data/claimbuster/train.json)
only; CheckThat! transcripts and news_dev are for evaluation (bench/checkworthy.py), never for
the shipped weights. Seeds are fixed (fold splits, torch, numpy; one torch thread).

``frozen`` (the default: the shipped weights, format 2): logistic regressions over the mean-pooled
frozen hidden states of layers 2-6 + 14 transparent features, blended 0.7 / 0.3 with one over
TF-IDF word 1-2 grams (``factcheck.ml.checkworthy.fit``); thresholds from 4-fold CV, each fold's
by an inner 3-fold CV of its training rows.

``branch`` (format 3, issue 12 part 2; measured, not shipped: it did not beat ``frozen`` on
held-out data, see bench/results/checkworthy_branch.json): a trainable copy of the encoder's top
transformer layer (the one after ``INPUT_LAYER``) fed by layer ``INPUT_LAYER``'s token states of the
shared forward pass, masked-mean pooled; a logistic layer over [the frozen means of ``POOLED``, that
row, the 14 features] (standardised with the statistics of the untrained copy, started from a
logistic regression with C = ``HEAD_C`` whose L2 pull stays in training), fine-tuned together
(AdamW, class-balanced log loss, dropout 0.1, ``EPOCHS`` epochs, linear warm-up and decay) and
blended with the word model. The sentence embedding the indexes use is the untouched encoder's.
Its CV trains each fold on 85% of the fold's training rows and picks the threshold on the other 15%.

Both: the shipped "thorough" threshold is the lowest whose out-of-fold F1 is within 0.015 of the
best, "focused" the highest (``focused_threshold`` in the weights' metadata).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "data" / "claimbuster" / "train.json"
DEFAULT_OUT = REPO / "factcheck" / "ml" / "checkworthy_weights.npz"

INPUT_LAYER = 5  # the branch reads layer 5's token states and re-runs a trainable layer 6
BRANCH_LAYERS = 1
EPOCHS = 3
LR_BRANCH = 1e-4
LR_HEAD = 1e-3
BATCH = 32
BLEND = 0.15  # weight of the TF-IDF word model in the final score
HEAD_C = 0.003  # C of the logistic regression that starts the head (and its L2 pull in training)
POOLED = (2, 3, 4, 5, 6)  # frozen layers whose masked means the head also reads (the format-2 inputs)
SEED = 0
THREADS = 1  # deterministic, and two threads on a busy 2-core machine spin far slower
OOF_CACHE = Path("/tmp") / "fc-checkworthy-cache"


def load(path: Path, limit: int | None = None) -> tuple[list[str], np.ndarray]:
    """Texts and labels of a ClaimBuster JSON file (the first `limit` rows if given)."""
    rows = json.loads(path.read_text())[: limit or None]
    return [r["text"] for r in rows], np.array([int(r["label"]) for r in rows])


def hidden_states(texts: list[str], model: str | None) -> np.ndarray:
    """Pooled hidden states of the frozen recipe's layers (cached in /tmp by model and data size)."""
    from factcheck.ml.checkworthy import LAYERS
    from factcheck.ml.embedder import Embedder

    embedder = Embedder(model, encoder="torch")
    tag = "-".join(map(str, LAYERS))
    key = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:12]
    cache = Path("/tmp") / f"factcheck-cw-{embedder.model_name.replace('/', '_')}-{tag}-{key}.npy"
    if cache.exists():
        return np.load(cache)
    _, states = embedder.encode_with_states(texts, LAYERS)
    np.save(cache, states)
    return states


def pooled_states(texts: list[str], model: str | None) -> np.ndarray:
    """Masked means of the POOLED layers (the frozen recipe's cached states when they match)."""
    from factcheck.ml.checkworthy import LAYERS

    if tuple(POOLED) == tuple(LAYERS):
        return hidden_states(texts, model)
    from factcheck.ml.embedder import Embedder

    return Embedder(model, encoder="torch").encode_with_states(texts, POOLED)[1]


def token_states(texts: list[str], model: str | None, layer: int = INPUT_LAYER) -> list[np.ndarray]:
    """Token hidden states of `layer` (PyTorch encoder), one (tokens, hidden) array per text, cached
    in /tmp by model, layer and the texts' hash."""
    from factcheck.ml.embedder import Embedder, st_token_states

    embedder = Embedder(model, encoder="torch")
    key = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:12]
    cache = Path("/tmp") / f"factcheck-cw-tokens-{embedder.model_name.replace('/', '_')}-L{layer}-{key}.npz"
    if cache.exists():
        data = np.load(cache)
        return np.split(data["tokens"], np.cumsum(data["lengths"])[:-1])
    out: list[np.ndarray] = [np.zeros(0)] * len(texts)
    for idx, _emb, hidden, mask in st_token_states(embedder.model, embedder.model_name, texts, (layer,), 64):
        h, m = hidden[0].float().numpy(), mask.numpy().astype(bool)
        for row, j in enumerate(idx):
            out[j] = h[row][m[row]].astype(np.float32)
    lengths = np.array([len(t) for t in out])
    np.savez(cache, tokens=np.concatenate(out), lengths=lengths)
    return out


# -- the branch in PyTorch (training); factcheck.ml.branch runs the same math in numpy ----------------
def _torch_branch(layers: list, heads: int, eps: float, dropout: float):
    import torch
    from torch import nn

    class Layer(nn.Module):
        """One BERT layer (the math of factcheck.ml.branch.Branch._layer), with dropout."""

        def __init__(self, hf) -> None:
            super().__init__()
            att = hf.attention
            self.q, self.k, self.v = att.self.query, att.self.key, att.self.value
            self.o, self.ln1 = att.output.dense, att.output.LayerNorm
            self.i, self.f, self.ln2 = hf.intermediate.dense, hf.output.dense, hf.output.LayerNorm
            self.drop = nn.Dropout(dropout)

        def forward(self, x, bias):
            b, s, h = x.shape
            d = h // heads

            def split(y):
                return y.view(b, s, heads, d).transpose(1, 2)

            att = split(self.q(x)) @ split(self.k(x)).transpose(-1, -2) / math.sqrt(d) + bias
            att = self.drop(torch.softmax(att, -1))
            ctx = (att @ split(self.v(x))).transpose(1, 2).reshape(b, s, h)
            a = self.ln1(self.drop(self.o(ctx)) + x)
            return self.ln2(self.drop(self.f(nn.functional.gelu(self.i(a)))) + a)

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.layers = nn.ModuleList(Layer(hf) for hf in layers)
            for ln in (m for m in self.modules() if isinstance(m, nn.LayerNorm)):
                ln.eps = eps

        def pooled(self, x, mask):
            bias = ((1.0 - mask) * -1e9)[:, None, None, :]
            for layer in self.layers:
                x = layer(x, bias)
            m = mask[:, :, None]
            return (x * m).sum(1) / m.sum(1).clamp(min=1e-9)

    return Net()


def hf_model(st):
    """The Hugging Face transformer inside a SentenceTransformer."""
    first = st[0]
    return getattr(first, "model", None) or first.auto_model


def hf_layer_arrays(layer) -> dict[str, np.ndarray]:
    """A Hugging Face BertLayer's weights under factcheck.ml.branch.LAYER_ARRAYS names ((in, out)
    matrices, float32)."""
    from factcheck.ml.branch import LAYER_ARRAYS

    att = layer.attention
    sd = {
        "wq": att.self.query.weight.T, "bq": att.self.query.bias,
        "wk": att.self.key.weight.T, "bk": att.self.key.bias,
        "wv": att.self.value.weight.T, "bv": att.self.value.bias,
        "wo": att.output.dense.weight.T, "bo": att.output.dense.bias,
        "ln1_g": att.output.LayerNorm.weight, "ln1_b": att.output.LayerNorm.bias,
        "wi": layer.intermediate.dense.weight.T, "bi": layer.intermediate.dense.bias,
        "wf": layer.output.dense.weight.T, "bf": layer.output.dense.bias,
        "ln2_g": layer.output.LayerNorm.weight, "ln2_b": layer.output.LayerNorm.bias,
    }
    assert tuple(sd) == LAYER_ARRAYS
    return {k: np.ascontiguousarray(v.detach().float().numpy(), np.float32) for k, v in sd.items()}


def _padded(tokens: list[np.ndarray], rows) -> tuple[np.ndarray, np.ndarray]:
    """The token states of ``rows`` padded to their longest: (states, mask)."""
    width = max(len(tokens[j]) for j in rows)
    x = np.zeros((len(rows), width, tokens[rows[0]].shape[1]), np.float32)
    m = np.zeros((len(rows), width), np.float32)
    for r, j in enumerate(rows):
        x[r, : len(tokens[j])] = tokens[j]
        m[r, : len(tokens[j])] = 1
    return x, m


def _batches(tokens: list[np.ndarray], rows: np.ndarray, size: int, rng: np.random.Generator | None):
    """Batches of rows, similar lengths together (shuffled when rng is given): padded tensors."""
    import torch

    rows = np.array(rows)
    if rng is not None:
        rows = rng.permutation(rows)
    chunks = [rows[i : i + size * 50] for i in range(0, len(rows), size * 50)]
    batches = []
    for chunk in chunks:
        chunk = chunk[np.argsort([-len(tokens[j]) for j in chunk], kind="stable")]
        batches += [chunk[i : i + size] for i in range(0, len(chunk), size)]
    if rng is not None:
        batches = [batches[i] for i in rng.permutation(len(batches))]
    for b in batches:
        x, m = _padded(tokens, b)
        yield b, torch.from_numpy(x), torch.from_numpy(m)


def _pooled_all(net, tokens: list[np.ndarray], rows: np.ndarray) -> np.ndarray:
    import torch

    out = np.zeros((len(tokens), tokens[rows[0]].shape[1]), np.float32)
    net.eval()
    with torch.inference_mode():
        for b, x, m in _batches(tokens, rows, 64, None):
            out[b] = net.pooled(x, m).numpy()
    return out


def train_branch(
    texts: list[str],
    labels: np.ndarray,
    tokens: list[np.ndarray],
    frozen: np.ndarray,
    *,
    model: str | None = None,
    input_layer: int = INPUT_LAYER,
    n_layers: int = BRANCH_LAYERS,
    epochs: int = EPOCHS,
    blend: float = BLEND,
    seed: int = SEED,
    pooled: tuple[int, ...] = POOLED,
    log=None,
):
    """Fine-tune the branch and its logistic layer on (texts, labels, token states of input_layer,
    masked means of the POOLED layers (n, len(POOLED), hidden)); returns a CheckworthinessModel
    (format 3) with threshold 0.5."""
    import copy

    import torch

    from factcheck.ml.checkworthy import FEATURE_NAMES, FORMAT, CheckworthinessModel, features, fit
    from factcheck.ml.embedder import canonical_model_name, load_model

    torch.manual_seed(seed)
    torch.set_num_threads(THREADS)
    rng = np.random.default_rng(seed)
    hf = hf_model(load_model(model))
    cfg = hf.config
    copies = [copy.deepcopy(hf.encoder.layer[input_layer + i]) for i in range(n_layers)]
    net = _torch_branch(copies, cfg.num_attention_heads, cfg.layer_norm_eps, 0.1)
    rows = np.arange(len(texts))
    y = np.asarray(labels, np.float32)
    feats = np.hstack([np.asarray(frozen, np.float32).reshape(len(texts), -1), features(texts)])
    # standardisation and the head's start: a logistic regression on the untrained copy's output
    from sklearn.linear_model import LogisticRegression

    n_frozen = frozen.shape[1] * frozen.shape[2]
    x0 = np.hstack([feats[:, :n_frozen], _pooled_all(net, tokens, rows), feats[:, n_frozen:]])
    mean, std = x0.mean(0), x0.std(0) + 1e-6
    lr0 = LogisticRegression(C=HEAD_C, max_iter=5000, class_weight="balanced").fit((x0 - mean) / std, y)
    head = torch.nn.Linear(x0.shape[1], 1)
    with torch.no_grad():
        head.weight.copy_(torch.from_numpy(lr0.coef_.astype(np.float32)))
        head.bias.fill_(float(lr0.intercept_[0]))
    t_mean, t_std = torch.from_numpy(mean.astype(np.float32)), torch.from_numpy(std.astype(np.float32))
    t_feats, t_y = torch.from_numpy(feats), torch.from_numpy(y)
    l2 = 1.0 / (HEAD_C * len(y))  # scikit-learn's C as a penalty on the mean loss
    pos = float(y.sum())
    w_pos, w_neg = len(y) / (2 * max(pos, 1.0)), len(y) / (2 * max(len(y) - pos, 1.0))
    opt = torch.optim.AdamW([
        {"params": net.parameters(), "lr": LR_BRANCH, "weight_decay": 0.01},
        {"params": head.parameters(), "lr": LR_HEAD, "weight_decay": 0.0},
    ])
    steps = epochs * math.ceil(len(rows) / BATCH)
    warm = max(1, steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (steps - s) / max(1, steps - warm))))
    t0 = time.perf_counter()
    for epoch in range(epochs):
        net.train()
        total = 0.0
        for b, x, m in _batches(tokens, rows, BATCH, rng):
            bt = torch.from_numpy(b)
            fb = t_feats[bt]
            z = head((torch.cat([fb[:, :n_frozen], net.pooled(x, m), fb[:, n_frozen:]], 1) - t_mean)
                     / t_std)[:, 0]
            yb = t_y[bt]
            w = yb * w_pos + (1 - yb) * w_neg
            loss = (w * torch.nn.functional.binary_cross_entropy_with_logits(z, yb, reduction="none")).mean()
            loss = loss + 0.5 * l2 * (head.weight**2).sum()  # the start's regularisation, kept
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss.detach()) * len(b)
        if log:
            took = time.perf_counter() - t0
            log(f"  epoch {epoch + 1}/{epochs}: loss {total / len(rows):.4f} ({took:.0f} s)")
    arrays: dict[str, np.ndarray] = {}
    for i, layer in enumerate(copies):  # the Linear / LayerNorm objects the net trained in place
        arrays.update({f"branch.{i}.{k}": v for k, v in hf_layer_arrays(layer).items()})
    arrays.update(mean=mean.astype(np.float32), std=std.astype(np.float32),
                  coef=head.weight.detach().numpy()[0].astype(np.float32),
                  intercept=np.float32(head.bias.detach().numpy()[0]))
    if blend > 0:  # the word model: as the frozen recipe's (fit() on dummy states)
        words = fit(texts, labels, np.zeros((len(texts), 1, 1), np.float32), blend=blend)
        arrays.update({k: words.arrays[k] for k in ("vocab", "idf", "word_coef", "word_intercept")})
    meta = {
        "format": FORMAT, "model": canonical_model_name(model), "layers": [input_layer],
        "branch": {"input_layer": input_layer, "layers": n_layers, "heads": cfg.num_attention_heads,
                   "eps": cfg.layer_norm_eps, "pooled": [int(k) for k in pooled]},
        "pooling": "mean", "features": FEATURE_NAMES, "blend": blend, "threshold": 0.5,
        "training": {"epochs": epochs, "lr_branch": LR_BRANCH, "lr_head": LR_HEAD, "batch": BATCH,
                     "head_c": HEAD_C, "seed": seed, "sentences": len(texts)},
    }
    cw = CheckworthinessModel(arrays, meta)
    cw._torch = (net.eval(), head.eval(), t_mean, t_std, n_frozen)  # for torch_scores (self-checks)
    return cw


def torch_scores(cw, texts: list[str], tokens: list[np.ndarray], frozen: np.ndarray) -> np.ndarray:
    """The training-time (PyTorch, eval mode) scores of a model just returned by train_branch."""
    import torch

    from factcheck.ml.checkworthy import features

    net, head, t_mean, t_std, _ = cw._torch
    pooled = _pooled_all(net, tokens, np.arange(len(texts)))
    x = np.hstack([np.asarray(frozen, np.float32).reshape(len(texts), -1), pooled, features(texts)])
    with torch.inference_mode():
        x = torch.from_numpy(x)
        p = torch.sigmoid(head((x - t_mean) / t_std)[:, 0]).numpy().astype(np.float64)
    if cw.blend > 0:
        p = (1 - cw.blend) * p + cw.blend * cw._word_proba(texts)
    return p


def branch_scores(cw, texts: list[str], tokens: list[np.ndarray], frozen: np.ndarray) -> np.ndarray:
    """Inference as shipped (numpy) from cached token states of the input layer and the masked
    means of the pooled layers: pad, run the branch, score."""
    out = np.zeros(len(texts), np.float32)
    order = np.argsort([-len(t) for t in tokens], kind="stable")
    for i in range(0, len(texts), 64):
        idx = order[i : i + 64]
        x, m = _padded(tokens, idx)
        states = np.concatenate([np.asarray(frozen[idx], np.float32), cw.branch.branch_row(x, m)], 1)
        out[idx] = cw.score([texts[j] for j in idx], states)
    return out


def _split(labels: np.ndarray, rows: np.ndarray, frac: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Stratified split of rows: (the larger part, `frac` of them)."""
    rng = np.random.default_rng(seed)
    held = []
    for cls in (0, 1):
        r = rows[labels[rows] == cls]
        held += list(rng.permutation(r)[: round(len(r) * frac)])
    held_arr = np.array(sorted(held), dtype=np.int64)
    return np.setdiff1d(rows, held_arr), held_arr


def _oof_key(texts: list[str], labels: np.ndarray, folds: int, seed: int, train_args: dict) -> str:
    """The branch CV's cache key: recipe, training arguments (defaults filled in) and data."""
    from factcheck.ml.embedder import canonical_model_name

    args = {"model": canonical_model_name(train_args.get("model")),
            "epochs": int(train_args.get("epochs", EPOCHS))}
    args.update({k: str(v) for k, v in train_args.items() if k not in args})
    recipe = {"folds": folds, "seed": seed, "input_layer": INPUT_LAYER, "layers": BRANCH_LAYERS,
              "lr": [LR_BRANCH, LR_HEAD], "batch": BATCH, "blend": BLEND, "head_c": HEAD_C,
              "pooled": POOLED, "l2": 1, **args}
    return hashlib.sha256((json.dumps(recipe, sort_keys=True) + "\n".join(texts)
                           + "".join(map(str, labels))).encode()).hexdigest()[:16]


def branch_oof(texts: list[str], labels: np.ndarray, tokens: list[np.ndarray], frozen: np.ndarray, *,
               folds: int = 4,
               seed: int = 0, log=None, **train_args) -> tuple[np.ndarray, list[tuple[np.ndarray, float]]]:
    """Out-of-fold scores of the branch recipe in stratified k-fold CV, and per fold (test rows,
    threshold chosen on a held-back 15% of that fold's training rows, which its model did not see)."""
    from sklearn.model_selection import StratifiedKFold

    from factcheck.ml.checkworthy import best_threshold

    cache = OOF_CACHE / f"branch-oof-{_oof_key(texts, labels, folds, seed, train_args)}.npz"
    if cache.exists():
        data = np.load(cache)
        return data["oof"], [(data[f"test{k}"], float(t)) for k, t in enumerate(data["thresholds"])]
    out = np.zeros(len(texts), np.float32)
    honest = []
    splits = StratifiedKFold(folds, shuffle=True, random_state=seed).split(texts, labels)
    for k, (tr, te) in enumerate(splits):
        fit_rows, val = _split(labels, tr, 0.15, seed + k)
        if log:
            log(f"fold {k + 1}/{folds}: training on {len(fit_rows)}, threshold on {len(val)}, test {len(te)}")
        m = train_branch([texts[j] for j in fit_rows], labels[fit_rows], [tokens[j] for j in fit_rows],
                         frozen[fit_rows], seed=seed, log=log, **train_args)
        val_s = branch_scores(m, [texts[j] for j in val], [tokens[j] for j in val], frozen[val])
        out[te] = branch_scores(m, [texts[j] for j in te], [tokens[j] for j in te], frozen[te])
        honest.append((te, best_threshold(labels[val], val_s)[0]))
        if log:
            from factcheck.ml.checkworthy import f1_at

            log(f"fold {k + 1}: test F1 {f1_at(labels[te], out[te], honest[-1][1])[2]:.4f} at its threshold "
                f"{honest[-1][1]}, {best_threshold(labels[te], out[te])[1]:.4f} at the test's best")
    OOF_CACHE.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".tmp.npz")
    np.savez(tmp, oof=out, thresholds=np.array([t for _, t in honest]),
             **{f"test{k}": te for k, (te, _) in enumerate(honest)})
    tmp.replace(cache)
    return out, honest


def oof_scores(texts: list[str], labels: np.ndarray, states: np.ndarray, folds: int = 4,
               seed: int = 0, **fit_args) -> tuple[np.ndarray, list[tuple[np.ndarray, float]]]:
    """The frozen recipe (format 2): out-of-fold scores in stratified k-fold CV, and per fold (test
    rows, threshold chosen by an inner 3-fold CV on that fold's training rows only)."""
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


def _log(msg: str) -> None:
    sys.stderr.write(msg + "\n")
    sys.stderr.flush()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--model", default=None)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--limit", type=int, default=None, help="only the first N sentences (smoke tests)")
    ap.add_argument("--epochs", type=int, default=EPOCHS)
    ap.add_argument("--recipe", choices=("frozen", "branch"), default="frozen",
                    help="frozen (shipped, format 2) or the fine-tuned branch (format 3)")
    args = ap.parse_args(argv)
    if not args.data.exists():
        sys.stderr.write(f"{args.data}: not found; pass --data PATH to ClaimBuster train.json\n")
        return 1
    from factcheck.ml.checkworthy import (
        best_threshold,
        f1_at,
        fit,
        precision_threshold,
        recall_threshold,
        save,
    )
    from factcheck.ml.embedder import canonical_model_name

    texts, labels = load(args.data, args.limit)
    if args.recipe == "frozen":
        states = hidden_states(texts, args.model)
        oof, folds = oof_scores(texts, labels, states)
        model = fit(texts, labels, states, model=canonical_model_name(args.model))
    else:
        tokens = token_states(texts, args.model)
        frozen = pooled_states(texts, args.model)
        oof, folds = branch_oof(texts, labels, tokens, frozen, log=_log, model=args.model,
                                epochs=args.epochs)
        _log("final model on all sentences")
        model = train_branch(texts, labels, tokens, frozen, model=args.model, epochs=args.epochs, log=_log)
        j = np.arange(min(64, len(texts)))
        sample, toks = [texts[i] for i in j], [tokens[i] for i in j]
        gap = np.abs(torch_scores(model, sample, toks, frozen[j])
                     - branch_scores(model, sample, toks, frozen[j])).max()
        if gap > 1e-4:
            sys.stderr.write(f"numpy inference differs from training by {gap:.2g}: not saved\n")
            return 1
    best_t, best_f1 = best_threshold(labels, oof)
    threshold = recall_threshold(labels, oof)
    p, r, f1 = f1_at(labels, oof, threshold)
    model.threshold = threshold
    model.meta.update(
        cv_best_threshold=best_t, cv_best_f1=round(best_f1, 4),
        cv_default={"precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4)},
        focused_threshold=precision_threshold(labels, oof),
        cv_fold_thresholds=[t for _, t in folds],
    )
    save(model, args.out)
    sys.stdout.write(
        f"wrote {args.out}: default threshold {threshold} (4-fold OOF P {p:.3f} R {r:.3f} F1 "
        f"{f1:.3f}); best-F1 threshold {best_t} (F1 {best_f1:.3f}); focused "
        f"{model.meta['focused_threshold']}\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
