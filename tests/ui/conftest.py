"""Fixtures of the AppTest tests: the app bootstraps ``sample_data/`` once per test session
(``template``, with the real embedding model ``st_model``) and each test gets a copy of the
bootstrapped database and indexes (``app``)."""

from __future__ import annotations

import shutil

import pytest

from tests.ui.helpers import APP, TIMEOUT, _db, _env, ok, page


@pytest.fixture(scope="session")
def template(tmp_path_factory, st_model):
    """A database the app bootstrapped from sample_data on its first start (once per module)."""
    from streamlit.testing.v1 import AppTest

    folder = tmp_path_factory.mktemp("app-template")
    with pytest.MonkeyPatch.context() as mp:
        _env(mp, folder, st_model)
        at = ok(AppTest.from_file(APP, default_timeout=TIMEOUT).run())
        queue = at.dataframe(key="queue_table").value
    db = _db(folder)
    with db.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    return folder, queue


@pytest.fixture
def app(template, tmp_path, monkeypatch, st_model):
    """Factory: ``app("review", claim=3)`` is a fresh session (AppTest) already run on that page."""
    from streamlit.testing.v1 import AppTest

    folder, _ = template
    for f in folder.glob("fc.db*"):
        shutil.copy(f, tmp_path / f.name)
    shutil.copytree(folder / "indexes", tmp_path / "indexes")
    _env(monkeypatch, tmp_path, st_model)

    def new(name: str = "queue", **query):
        at = AppTest.from_file(APP, default_timeout=TIMEOUT)
        ok(at.run())
        if name != "queue":
            for k, v in query.items():
                at.query_params[k] = str(v)
            at.switch_page(page(name))
            ok(at.run())
        return at

    new.folder = tmp_path
    return new


@pytest.fixture
def db(app):
    engine = _db(app.folder)
    yield engine
    engine.dispose()


@pytest.fixture
def ws(app, st_model):
    """A library Workspace on the test's database (another "process" for concurrency tests)."""
    from factcheck.config import Settings
    from factcheck.db.store import Store
    from factcheck.ml.embedder import Embedder
    from factcheck.workspace import Workspace

    settings = Settings(db=str(app.folder / "fc.db"), index_dir=app.folder / "indexes")
    store = Store(settings.url)
    yield Workspace(settings, store=store, embedder=Embedder(None, store, loader=lambda _n: st_model))
    store.dispose()
