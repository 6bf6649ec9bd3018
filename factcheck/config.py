"""Settings from the environment (``FACTCHECK_*``) or the command line.

| setting     | env                      | default                          |
|-------------|--------------------------|----------------------------------|
| db          | FACTCHECK_DB             | ``factcheck.db`` in the cwd      |
| index_dir   | FACTCHECK_INDEX_DIR      | ``indexes`` in the cwd           |
| model       | FACTCHECK_MODEL          | ``all-MiniLM-L6-v2`` (offline)   |
| encoder     | FACTCHECK_ENCODER        | ``torch`` (or ``onnx-int8``)     |
| batch_size  | FACTCHECK_BATCH_SIZE     | 16 texts per model batch         |
| passage_batch_size | FACTCHECK_PASSAGE_BATCH_SIZE | 32 (source passages)  |
| min_score   | FACTCHECK_MIN_SCORE      | the threshold of ``mode``        |
| mode        | FACTCHECK_MODE           | ``thorough`` (or ``focused``)    |
| verdicts    | FACTCHECK_VERDICTS       | built-in scale (TOML/YAML file)  |
| auth        | FACTCHECK_AUTH           | none: solo mode, no login        |
| allow_private_hosts | FACTCHECK_ALLOW_PRIVATE_HOSTS | off: links to private addresses are refused |
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from factcheck.errors import ConfigError

ENV_PREFIX = "FACTCHECK_"

DEFAULT_MODEL = "all-MiniLM-L6-v2"
# The encoder that runs the model: "torch" (sentence-transformers) or "onnx-int8" (the model
# exported to ONNX and quantised, run with onnxruntime; see factcheck/ml/onnx_encoder.py). torch
# stays the default: int8 passed the quality gate of bench/ingest.py only on samples and by a
# margin of 0.0003-0.0007, and dynamic int8 quantisation scales activations per batch, so a text's
# vector and score depend on the texts it is batched with (cosine 0.976 alone vs in a batch of 8):
# re-runs and the two extract engines would not give identical scores. Opt in for speed.
DEFAULT_ENCODER = "torch"
# Claim-detection operating points (`extract --mode`, FACTCHECK_MODE, the app): their thresholds
# live in factcheck.ml.checkworthy.operating_points, the only place.
MODES = ("thorough", "focused")


def db_url(value: str) -> str:
    """Turn a path or URL into an SQLAlchemy URL: a bare path means SQLite, and bare
    ``postgresql://`` / ``postgres://`` URLs get the psycopg 3 driver (SQLAlchemy would otherwise
    look for psycopg2, which factcheck does not install). The one place URLs are normalised."""
    if "://" not in value:
        return f"sqlite:///{Path(value).expanduser()}"
    for prefix in ("postgresql://", "postgres://"):
        if value.startswith(prefix):
            return "postgresql+psycopg://" + value[len(prefix) :]
    return value


def default_reviewer() -> str:
    """The OS user name, the solo-mode reviewer identity."""
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no login name in some containers
        return os.environ.get("USER", "reviewer")


class Settings(BaseModel):
    """All runtime settings. CLI flags (keyword arguments) override environment variables.

    Each field reads ``FACTCHECK_<FIELD>`` (any case) when not given, as pydantic-settings'
    ``BaseSettings`` did: every setting is one scalar value, and pydantic itself converts the
    strings. (pydantic-settings took longer to import than a re-run of ``extract`` takes.)
    """

    model_config = ConfigDict(extra="ignore")

    db: str = Field(default="factcheck.db", description="database path or SQLAlchemy URL")
    index_dir: Path = Field(default=Path("indexes"))
    model: str = Field(default=DEFAULT_MODEL, description="sentence-transformers model name/path")
    encoder: Literal["torch", "onnx-int8"] = Field(
        default=DEFAULT_ENCODER, description="what runs the model: torch, or onnx-int8 (onnxruntime)"
    )
    min_score: float | None = Field(
        default=None, ge=0.0, le=1.0, description="claim threshold; set, it wins over mode"
    )
    mode: Literal["thorough", "focused"] = Field(
        default="thorough", description="claim-detection operating point: thorough (recall) or focused"
    )
    verdicts: Path | None = Field(default=None, description="TOML/YAML verdict scale file")
    auth: Path | None = Field(default=None, description="users file (YAML); set = team mode, login required")
    # texts per model batch: on 2 CPU cores, 2,000 length-sorted sentences took 9.9 s in batches of
    # 16 vs 12.2 s in batches of 64 (less padding per batch; bench/ingest.py). GPUs want more.
    batch_size: int = Field(default=16, ge=1, le=4096, description="texts per embedding model batch")
    # source passages (3-sentence windows, ~5x a sentence) run faster in larger batches: 100 SciFact
    # abstracts' 387 passages, 2 cores, 13.6-15.1 passages/s in batches of 32 vs 10.7-12.0 in 16
    passage_batch_size: int = Field(default=32, ge=1, le=4096,
                                    description="texts per embedding model batch for source passages")
    max_bytes: int = Field(default=20_000_000, description="largest input file accepted")
    allow_private_hosts: bool = Field(
        default=False,
        description="fetch links that resolve to private/loopback addresses (intranet desks only)",
    )
    cache_dir: Path | None = Field(
        default=None,
        description="per-user cache of derived data (default: $XDG_CACHE_HOME/factcheck, ~/.cache/factcheck)",
    )

    @model_validator(mode="before")
    @classmethod
    def _from_environment(cls, data: Any) -> Any:
        """Fill the fields not given from ``FACTCHECK_*`` environment variables."""
        if not isinstance(data, dict):
            return data
        env = {key[len(ENV_PREFIX):].lower(): value for key, value in os.environ.items()
               if key.upper().startswith(ENV_PREFIX)}
        return {**{name: env[name] for name in cls.model_fields if name in env}, **data}

    @property
    def user_cache(self) -> Path:
        """The per-user cache folder (never the shared index folder: caches may hold pickles)."""
        if self.cache_dir is not None:
            return Path(self.cache_dir)
        import os

        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(base) / "factcheck"

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the database."""
        return db_url(self.db)

    def verdict_scale(self) -> list[str]:
        """The configured verdict labels, best to worst then the special ones."""
        from factcheck.models import DEFAULT_VERDICT_SCALE

        if self.verdicts is None:
            return list(DEFAULT_VERDICT_SCALE)
        return load_verdict_scale(self.verdicts)


def load_verdict_scale(path: Path) -> list[str]:
    """Read a verdict scale from TOML (``verdicts = [...]``) or YAML (a list or ``verdicts:``)."""
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigError(f"{path}: cannot read verdict scale ({e.strerror}); fix FACTCHECK_VERDICTS") from e
    try:
        if path.suffix.lower() == ".toml":
            import tomllib

            data = tomllib.loads(raw)
        else:
            import yaml

            data = yaml.safe_load(raw)
    except Exception as e:  # noqa: BLE001 - any parse error becomes one line
        raise ConfigError(f"{path}: not valid TOML/YAML ({e}); write `verdicts = [\"True\", ...]`") from e
    labels = data.get("verdicts") if isinstance(data, dict) else data
    if not isinstance(labels, list) or not labels or not all(isinstance(x, str) for x in labels):
        raise ConfigError(f"{path}: expected a non-empty list of verdict labels under `verdicts`")
    return labels
