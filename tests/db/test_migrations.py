"""Alembic migrations on SQLite and PostgreSQL (parametrised through the `backend` fixture)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest
import sqlalchemy as sa

from factcheck.db import migrate
from factcheck.db.store import Store, meta, metadata
from factcheck.errors import ConfigError
from factcheck.models import Article


def _revision(url: str) -> str | None:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return migrate.current_revision(conn)
    finally:
        engine.dispose()


def test_fresh_database_migrates_to_head_and_matches_the_models(new_db_url):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    url = new_db_url(empty=True)
    store = Store(url)
    with store.engine.connect() as conn:
        assert migrate.current_revision(conn) == migrate.head_revision()
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), metadata)
        version = conn.execute(sa.select(meta.c.value).where(meta.c.key == "schema_version")).scalar()
    store.dispose()
    assert diff == [], (
        "the models and the migrations disagree; add a revision with "
        f"`python -m factcheck.db.migrate revision -m '...'`: {diff}"
    )
    assert version == "1"


def test_database_at_head_opens_without_running_alembic(new_db_url, monkeypatch):
    from alembic import command

    url = new_db_url()
    Store(url).dispose()

    def boom(*_a, **_k):
        raise AssertionError("alembic ran on a database already at head")

    monkeypatch.setattr(command, "upgrade", boom)
    Store(url).dispose()


def test_pre_migration_database_is_stamped_and_keeps_its_rows(new_db_url):
    url = new_db_url(empty=True)
    engine = sa.create_engine(url)
    # what Store.create did before migrations: the baseline schema (0001), no alembic_version
    migrate.upgrade(engine, migrate.BASELINE)
    with engine.begin() as conn:
        conn.execute(sa.text(f"DROP TABLE {migrate.VERSION_TABLE}"))  # 0001 wrote schema_version
        conn.execute(sa.text("INSERT INTO articles (id, text, created_at) VALUES ('old', 'Kept.', :t)"),
                     {"t": Article(id="old", text="Kept.").created_at})
    engine.dispose()
    store = Store(url)
    assert store.get_article("old").text == "Kept."
    store.dispose()
    assert _revision(url) == migrate.head_revision()


def test_unknown_revision_is_refused(new_db_url):
    url = new_db_url()
    store = Store(url)
    with store.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    store.dispose()
    with pytest.raises(ConfigError, match="9999.*upgrade factcheck"):
        Store(url)


def test_downgrade_to_base_and_up_again(new_db_url):
    from alembic import command

    url = new_db_url()
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        command.downgrade(migrate.alembic_config(conn), "base")
        conn.commit()
        assert not sa.inspect(conn).has_table("claims")
    migrate.upgrade(engine)
    with engine.connect() as conn:
        assert sa.inspect(conn).has_table("claims")
    engine.dispose()


START = """
import os, sys, time
from factcheck.db.store import Store
go = sys.argv[2]
while not os.path.exists(go):
    time.sleep(0.005)
Store(sys.argv[1]).dispose()
"""


def test_servers_starting_together_migrate_once(new_db_url, tmp_path):
    """Three processes open one empty database at the same moment: one migrates, all start."""
    url = new_db_url(empty=True)
    go = tmp_path / "go"
    procs = [
        subprocess.Popen([sys.executable, "-c", START, url, str(go)], stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    time.sleep(2.0)  # let every process finish importing and wait at the line
    go.touch()
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar() == 1
        assert conn.execute(sa.select(sa.func.count()).select_from(meta)).scalar() == 1
    engine.dispose()


def test_threads_migrating_different_databases(new_db_url):
    """Alembic's context is process-global: concurrent migrations in one process must not mix."""
    urls = [new_db_url(empty=True) for _ in range(3)]
    errors: list[BaseException] = []

    def start(url: str) -> None:
        try:
            Store(url).dispose()
        except BaseException as e:  # noqa: BLE001 - collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=start, args=(u,), daemon=True) for u in urls]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == [] and not any(t.is_alive() for t in threads)
    assert {_revision(u) for u in urls} == {migrate.head_revision()}


def test_bare_postgresql_url_uses_psycopg3():
    from factcheck.config import db_url as normalise_url

    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


def test_0002_keeps_sources_as_version_1(new_db_url):
    url = new_db_url(empty=True)
    engine = sa.create_engine(url)
    migrate.upgrade(engine, "0001")
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO sources (id, text, created_at) VALUES ('s1', 'Old text.', :t)"),
                     {"t": Article(id="x", text="x").created_at})
    migrate.upgrade(engine, "0002")
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT version, requested_url, fetched_at FROM sources")).one()
        assert migrate.current_revision(conn) == "0002"
        assert sa.inspect(conn).has_table("feeds") and sa.inspect(conn).has_table("feed_items")
    engine.dispose()
    assert tuple(row) == (1, None, None)


def test_0003_adds_assignments_and_second_reviews_and_keeps_claims(new_db_url):
    url = new_db_url(empty=True)
    engine = sa.create_engine(url)
    migrate.upgrade(engine, "0002")
    t = Article(id="x", text="x").created_at
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO articles (id, text, created_at) "
                             "VALUES ('a1', 'Prices rose 5%.', :t)"), {"t": t})
        conn.execute(sa.text(
            'INSERT INTO claims (article_id, sentence_index, start, "end", text, type, score, key_values, '
            "status, origin, version, created_at, updated_at) VALUES ('a1', 0, 0, 15, 'Prices rose 5%.', "
            "'quantity', 0.9, '[]', 'done', 'extracted', 3, :t, :t)"), {"t": t})
    migrate.upgrade(engine)
    with engine.connect() as conn:
        assert migrate.current_revision(conn) == "0003"
        assert sa.inspect(conn).has_table("assignments") and sa.inspect(conn).has_table("second_reviews")
        assert conn.execute(sa.text("SELECT status, version FROM claims")).one() == ("done", 3)
    from alembic import command

    with engine.connect() as conn:
        command.downgrade(migrate.alembic_config(conn), "0002")
        conn.commit()
        assert not sa.inspect(conn).has_table("second_reviews")
        assert conn.execute(sa.text("SELECT status, version FROM claims")).one() == ("done", 3)
    engine.dispose()


def test_revisions_read_from_the_files_agree_with_alembic():
    """The head check reads the version files itself (no Alembic import); same answer as Alembic."""
    script = migrate._script()
    assert migrate.head_revision() == script.get_current_head()
    assert migrate.known_revisions() == {s.revision for s in script.walk_revisions()}
    shipped = migrate.shipped_revisions()
    assert shipped is not None
    assert shipped == {s.revision: s.down_revision for s in script.walk_revisions()}


def test_unreadable_revision_line_falls_back_to_alembic(tmp_path, monkeypatch):
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "0001_a.py").write_text('revision = "0001"\ndown_revision = None\n')
    (versions / "0002_b.py").write_text('revision = make_id()\ndown_revision = "0001"\n')
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", tmp_path)
    migrate.shipped_revisions.cache_clear()
    try:
        assert migrate.shipped_revisions() is None
        (versions / "0002_b.py").write_text('revision: str = "0002"\ndown_revision: str | None = "0001"\n')
        migrate.shipped_revisions.cache_clear()
        assert migrate.shipped_revisions() == {"0001": None, "0002": "0001"}
    finally:
        migrate.shipped_revisions.cache_clear()


def test_database_at_head_opens_without_importing_alembic(new_db_url, tmp_path):
    url = new_db_url()
    Store(url).dispose()
    code = ("import sys\nfrom factcheck.db.store import Store\n"
            f"Store({url!r}).dispose()\nprint('alembic' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False", out.stderr
