"""`train checkworthy --from-reviews`: the desk's decisions as labels for the scorer.

Labels: a claim the desk dismissed is "not check-worthy"; a claim with a verdict, or one a
reviewer added or split out by hand, is "check-worthy". Claims still waiting in the queue say
nothing and are left out. The adapted weights are saved beside the database (``<db>.checkworthy.npz``
for SQLite, ``<index dir>/checkworthy.npz`` otherwise), never in the package; the workspace loads
them in place of the shipped weights while they exist (``--reset`` removes them).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import sqlalchemy as sa
from pydantic import BaseModel

from factcheck.db.store import claims, verdicts
from factcheck.errors import InputError
from factcheck.ml.checkworthy import CheckworthinessModel, f1_at, save

if TYPE_CHECKING:
    from factcheck.config import Settings
    from factcheck.workspace import Workspace

log = logging.getLogger(__name__)

MIN_LABELS = 30
MIN_PER_CLASS = 8
HOLDOUT = 0.25


class Figures(BaseModel):
    """Precision, recall and F1 of the check-worthy class at the scorer's threshold."""

    precision: float
    recall: float
    f1: float


class TrainReport(BaseModel):
    """What `train checkworthy --from-reviews` did."""

    labels: int
    positives: int
    held_back: int
    before: Figures
    after: Figures
    path: str


def adapted_weights_path(settings: Settings) -> Path:
    """Where a desk's adapted scorer lives: beside the SQLite file, else in the index folder."""
    url = settings.url
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        db = Path(url.removeprefix("sqlite:///"))
        return db.with_name(db.name + ".checkworthy.npz")
    return Path(settings.index_dir) / "checkworthy.npz"


def load_scorer(settings: Settings) -> CheckworthinessModel:
    """The desk's adapted scorer when there is one, else the shipped weights."""
    path = adapted_weights_path(settings)
    if path.exists():
        log.info("check-worthiness: using the desk's adapted weights %s", path)
        return CheckworthinessModel.load(path)
    return CheckworthinessModel.load()


def desk_labels(ws: Workspace) -> list[tuple[str, int]]:
    """(claim text, 1 check-worthy / 0 not) for every claim the desk decided on."""
    q = sa.select(claims.c.text, claims.c.status, claims.c.origin, verdicts.c.claim_id).select_from(
        claims.outerjoin(verdicts, verdicts.c.claim_id == claims.c.id)
    )
    out: dict[str, int] = {}
    with ws.store.engine.connect() as conn:
        for text, status, origin, verdict in conn.execute(q):
            if status == "dismissed":
                out[text] = 0
            elif verdict is not None or origin in ("manual", "split"):
                out.setdefault(text, 1)
    return list(out.items())


def _figures(labels: np.ndarray, scores: np.ndarray, t: float) -> Figures:
    p, r, f = f1_at(labels, scores, t)
    return Figures(precision=round(p, 3), recall=round(r, 3), f1=round(f, 3))


def _states(ws: Workspace, texts: list[str], layers: Any) -> np.ndarray:
    _, states = ws.scoring_embedder.encode_with_states(texts, layers)
    return states


def train_from_reviews(ws: Workspace, *, seed: int = 0, lam: float | None = None) -> TrainReport:
    """Fit the scorer's final layer on the desk's labels and save it beside the database.

    A stratified quarter of the labels is held back first: the report's before/after figures are
    measured on it with a model fitted on the rest (its pull towards the shipped weights chosen by
    inner folds of the rest). The saved model is then fitted on all labels the same way.
    Raises InputError when there are fewer than MIN_LABELS labels or MIN_PER_CLASS of a class.
    """
    from factcheck.ml.adapt import adapt, choose_lambda

    pairs = desk_labels(ws)
    y = np.array([label for _, label in pairs], dtype=np.int64)
    pos, neg = int(y.sum()), int(len(y) - y.sum())
    if len(y) < MIN_LABELS or pos < MIN_PER_CLASS or neg < MIN_PER_CLASS:
        raise InputError(
            f"too few review decisions to learn from: {pos} kept and {neg} dismissed claims; need "
            f"at least {MIN_LABELS} in all and {MIN_PER_CLASS} of each (review more claims, then "
            "run this again)"
        )
    texts = [t for t, _ in pairs]
    base = CheckworthinessModel.load()
    states = _states(ws, texts, base.reads)
    rng = np.random.default_rng(seed)
    test = np.zeros(len(y), dtype=bool)
    for cls in (0, 1):
        idx = np.flatnonzero(y == cls)
        rng.shuffle(idx)
        test[idx[: max(1, round(len(idx) * HOLDOUT))]] = True
    train = ~test
    tr_texts = [t for t, m in zip(texts, train) if m]
    te_texts = [t for t, m in zip(texts, test) if m]
    trial_lam = lam if lam is not None else choose_lambda(base, tr_texts, y[train], states[train])
    trial = adapt(base, tr_texts, y[train], states[train], lam=trial_lam)
    before = _figures(y[test], base.score(te_texts, states[test]), base.threshold)
    after = _figures(y[test], trial.score(te_texts, states[test]), base.threshold)
    final_lam = lam if lam is not None else choose_lambda(base, texts, y, states)
    final = adapt(base, texts, y, states, lam=final_lam)
    path = adapted_weights_path(ws.settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    save(final, path)
    ws.reset_scorer()
    log.info("adapted scorer saved to %s (%d labels)", path, len(y))
    return TrainReport(labels=len(y), positives=pos, held_back=int(test.sum()), before=before,
                       after=after, path=str(path))


def reset_adapted(ws: Workspace) -> Path | None:
    """Remove the desk's adapted weights (the shipped ones are used again); the path removed."""
    path = adapted_weights_path(ws.settings)
    if not path.exists():
        return None
    path.unlink()
    ws.reset_scorer()
    return path


def report_lines(report: TrainReport) -> list[str]:
    """The report as lines for a terminal."""
    def row(name: str, f: Any) -> str:
        return f"{name:8} precision {f.precision:.3f}  recall {f.recall:.3f}  F1 {f.f1:.3f}"

    return [
        f"{report.labels} labels ({report.positives} check-worthy); figures on {report.held_back} "
        "held back:",
        row("before", report.before),
        row("after", report.after),
        f"saved {report.path} (fitted on all labels); `--reset` goes back to the shipped weights",
    ]
