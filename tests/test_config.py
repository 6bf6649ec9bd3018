"""Settings (factcheck.config): FACTCHECK_MODE and how it meets FACTCHECK_MIN_SCORE."""

import pytest
from pydantic import ValidationError

from factcheck.config import MODES, Settings


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
