"""Settings read FACTCHECK_* environment variables; keyword arguments (CLI flags) win; FACTCHECK_MODE
and how it meets FACTCHECK_MIN_SCORE."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from factcheck.config import MODES, Settings


def test_environment_fills_fields_and_arguments_win(monkeypatch):
    monkeypatch.setenv("FACTCHECK_DB", "/tmp/from-env.db")
    monkeypatch.setenv("factcheck_min_score", "0.25")  # any case, as pydantic-settings read them
    monkeypatch.setenv("FACTCHECK_ALLOW_PRIVATE_HOSTS", "1")
    monkeypatch.setenv("FACTCHECK_INDEX_DIR", "/tmp/idx")
    monkeypatch.setenv("FACTCHECK_NOT_A_SETTING", "ignored")
    s = Settings()
    assert (s.db, s.min_score, s.allow_private_hosts, s.index_dir) == (
        "/tmp/from-env.db", 0.25, True, Path("/tmp/idx"))
    assert Settings(db="flag.db", min_score=0.5).db == "flag.db"
    assert Settings(db="flag.db", min_score=0.5).min_score == 0.5
    assert Settings(unknown="x").db == "/tmp/from-env.db"  # extra keywords are ignored


def test_bad_environment_value_is_a_validation_error(monkeypatch):
    monkeypatch.setenv("FACTCHECK_ENCODER", "tensorflow")
    with pytest.raises(ValidationError, match="encoder"):
        Settings()
    monkeypatch.delenv("FACTCHECK_ENCODER")
    monkeypatch.setenv("FACTCHECK_BATCH_SIZE", "0")
    with pytest.raises(ValidationError, match="batch_size"):
        Settings()


def test_defaults_without_environment(monkeypatch):
    import os

    for key in list(os.environ):
        if key.upper().startswith("FACTCHECK_"):
            monkeypatch.delenv(key)
    s = Settings()
    assert (s.db, s.encoder, s.min_score, s.batch_size) == ("factcheck.db", "torch", None, 16)

def test_mode_setting(monkeypatch):
    monkeypatch.delenv("FACTCHECK_MODE", raising=False)
    assert Settings().mode == "thorough" and MODES == ("thorough", "focused")
    monkeypatch.setenv("FACTCHECK_MODE", "focused")
    assert Settings().mode == "focused"
    monkeypatch.setenv("FACTCHECK_MODE", "fast")
    with pytest.raises(ValidationError, match="thorough"):
        Settings()


def test_workspace_threshold_follows_the_mode_unless_a_score_is_given(fake_ws, monkeypatch):
    from factcheck.ml.checkworthy import operating_points

    points = operating_points()
    assert points["thorough"] < points["focused"]
    assert fake_ws.min_score() == points["thorough"]
    monkeypatch.setattr(fake_ws, "settings", fake_ws.settings.model_copy(update={"mode": "focused"}))
    assert fake_ws.min_score() == points["focused"]
    assert fake_ws.min_score(0.3) == 0.3  # --min-score / --mode of a command win over the settings
    monkeypatch.setattr(fake_ws, "settings", fake_ws.settings.model_copy(update={"min_score": 0.2}))
    assert fake_ws.min_score() == 0.2  # FACTCHECK_MIN_SCORE wins over FACTCHECK_MODE
