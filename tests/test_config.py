"""Settings read FACTCHECK_* environment variables; keyword arguments (CLI flags) win."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from factcheck.config import Settings


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
