"""The import rule: each layer imports only the layers below it; only factcheck.ui imports streamlit.

The contracts live in pyproject.toml (`[tool.importlinter]`); import-linter checks them.
"""

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_layers_only_import_downwards(capsys):
    from importlinter.cli import lint_imports

    code = lint_imports(config_filename=str(REPO / "pyproject.toml"), no_cache=True)
    assert code == 0, capsys.readouterr().out


def test_a_broken_layer_is_caught(tmp_path, capsys):
    """The check can fail: a contract that puts the layers upside down is reported broken."""
    from importlinter.cli import lint_imports

    text = (REPO / "pyproject.toml").read_text()
    start = text.index('    "factcheck.ui | factcheck.cli",')
    end = text.index('    "factcheck.errors",\n') + len('    "factcheck.errors",\n')
    layers = text[start:end].splitlines(keepends=True)
    flipped = text[:start] + "".join(reversed(layers)) + text[end:]
    (tmp_path / "pyproject.toml").write_text(flipped)
    code = lint_imports(config_filename=str(tmp_path / "pyproject.toml"), no_cache=True)
    assert code != 0
    assert "BROKEN" in capsys.readouterr().out
