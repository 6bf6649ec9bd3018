"""One real-browser test: `streamlit run app.py` on 127.0.0.1, driven by Playwright + Chromium.

Records a verdict (with a linked evidence passage) through the UI, checks it in the database and
saves a screenshot in ``test-artifacts/``. Uses Debian's ``/usr/bin/chromium`` (never
``playwright install``); skipped with the reason when it is missing.
``FACTCHECK_DOCS_SCREENSHOT=1`` also refreshes ``docs/screenshot-review.png``.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO / "test-artifacts"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
START_TIMEOUT = 240  # first start: model load + extraction + indexing of the sample data


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is missing (CI installs Debian's chromium; "
                    "never `playwright install`)")
    pytest.importorskip("playwright.sync_api", reason="playwright's Python package is not installed")
    port = _free_port()
    env = {
        **os.environ,
        "FACTCHECK_DB": str(tmp_path / "fc.db"),
        "FACTCHECK_INDEX_DIR": str(tmp_path / "indexes"),
        "FACTCHECK_SAMPLE_DATA": str(REPO / "sample_data"),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    env.pop("FACTCHECK_VERDICTS", None)
    log = open(tmp_path / "streamlit.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(REPO / "app.py"), "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats",
         "false", "--server.fileWatcherType", "none"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail("streamlit did not start:\n" + (tmp_path / "streamlit.log").read_text()[-3000:])
            time.sleep(0.3)
        yield url, tmp_path / "fc.db"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()


def _idle(page) -> None:
    """Wait until the app has finished its rerun (no "running" status widget)."""
    page.wait_for_timeout(300)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')")


def _choose(page, box, option: str) -> None:
    """Open a selectbox and pick an option (retried: a rerun may close the list)."""
    for _ in range(5):
        _idle(page)
        box.click()
        choice = page.get_by_role("option", name=option, exact=True)
        try:
            choice.wait_for(timeout=5000)
        except Exception:  # noqa: BLE001 - the list closed under us; open it again
            continue
        choice.click()
        return
    raise AssertionError(f"could not choose {option!r}")


def test_record_a_verdict_in_the_browser(server):
    from playwright.sync_api import sync_playwright

    from factcheck.config import default_reviewer

    url, db = server
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 1100})
            page.set_default_timeout(60_000)
            page.goto(url)
            # The landing page is the queue (after the first-start bootstrap on an empty database).
            start = page.get_by_role("button", name=re.compile("Review first claim"))
            start.wait_for(timeout=START_TIMEOUT * 1000)
            _idle(page)
            # Click the first claim row of the queue table (a canvas: click its selection cell).
            grid = page.locator("[data-testid='stDataFrame']").last
            box = grid.bounding_box()
            page.mouse.click(box["x"] + 15, box["y"] + 35 + 17)
            page.wait_for_url(re.compile(r"/review\?claim=\d+"))
            heading = page.get_by_role("heading", name=re.compile(r"Claim #\d+"))
            heading.wait_for()
            cid = int(re.search(r"#(\d+)", heading.inner_text()).group(1))

            # Link the first suggested passage as refuting evidence.
            card = page.locator("[data-testid='stForm']").filter(
                has=page.get_by_role("button", name=re.compile(r"Link$"))
            ).first
            _idle(page)
            card.get_by_text("Refutes", exact=True).click()
            card.get_by_placeholder("Note (optional)").fill("different figure")
            card.get_by_role("button", name=re.compile(r"Link$")).click()
            page.get_by_text(re.compile(r"Linked evidence \(1\)")).wait_for()

            # Choose a verdict, write a rationale, save.
            form = page.locator("[data-testid='stForm']").filter(has=page.get_by_text("Rationale")).first
            _choose(page, form.locator("[data-testid='stSelectbox']"), "Mostly false")
            form.locator("textarea").fill("The linked source gives a different figure.")
            form.get_by_role("button", name=re.compile("Save verdict")).click()
            page.get_by_text(re.compile(r"Saved verdict “Mostly false”")).wait_for()
            _idle(page)
            shot = ARTIFACTS / "review-page.png"
            page.screenshot(path=str(shot), full_page=True)
            if os.environ.get("FACTCHECK_DOCS_SCREENSHOT") == "1":
                (REPO / "docs").mkdir(exist_ok=True)
                page.evaluate("window.scrollTo(0, 0)")
                page.screenshot(path=str(REPO / "docs" / "screenshot-review.png"))
        finally:
            browser.close()

    with sqlite3.connect(db) as conn:
        verdict = conn.execute(
            "SELECT label, rationale, reviewer FROM verdicts WHERE claim_id = ?", (cid,)
        ).fetchone()
        link = conn.execute("SELECT stance, note FROM evidence_links WHERE claim_id = ?", (cid,)).fetchone()
        events = {k for (k,) in conn.execute("SELECT kind FROM review_events WHERE claim_id = ?", (cid,))}
    assert verdict == ("Mostly false", "The linked source gives a different figure.", default_reviewer())
    assert link == ("refutes", "different figure")
    assert {"verdict", "link"} <= events
    assert shot.stat().st_size > 10_000
