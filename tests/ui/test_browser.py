"""One real-browser test: `streamlit run app.py` on 127.0.0.1, driven by Playwright + Chromium.

Records a verdict (with a linked evidence passage, and evidence added from a link served by a local
HTTP server on 127.0.0.1) through the UI, checks it in the database and saves a screenshot in
``test-artifacts/``. Uses Debian's ``/usr/bin/chromium`` (never
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
        "FACTCHECK_ALLOW_PRIVATE_HOSTS": "1",  # the evidence page is served on 127.0.0.1
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


@pytest.fixture
def pages():
    """A local HTTP server for the evidence page (routes added by the test)."""
    from tests.io.conftest import running

    with running() as srv:
        yield srv


def _evidence_page(claim_text: str) -> bytes:
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Evidence page (test)</title></head>'
        "<body><article><h1>Evidence page</h1>"
        "<p>Museums extended their opening hours for the holiday weekend across the region.</p>"
        "<p>Local football clubs announced their summer schedules and ticket prices for families.</p>"
        f"<p>Synthetic test page. {claim_text} The statement was repeated in a briefing.</p>"
        "</article></body></html>"
    ).encode()


def test_record_a_verdict_in_the_browser(server, pages):
    from playwright.sync_api import expect, sync_playwright

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
            for _ in range(5):  # the canvas may drop a click made before it has painted: retry
                box = grid.bounding_box()
                page.mouse.click(box["x"] + 15, box["y"] + 35 + 17)
                try:
                    page.wait_for_url(re.compile(r"/review\?claim=\d+"), timeout=10_000)
                    break
                except Exception:  # noqa: BLE001 - not navigated yet: let the app settle, click again
                    _idle(page)
            page.wait_for_url(re.compile(r"/review\?claim=\d+"))
            heading = page.get_by_role("heading", name=re.compile(r"Claim #\d+"))
            heading.wait_for()
            cid = int(re.search(r"#(\d+)", heading.inner_text()).group(1))

            # Link the first suggested passage as refuting evidence, by keyboard: nothing is
            # preselected (Link disabled), "r" chooses Refutes on the active card, "l" links it.
            card = page.locator(".st-key-fc_hot_card")
            card.wait_for()
            _idle(page)
            link_button = card.get_by_role("button", name=re.compile(r"Link$"))
            expect(link_button).to_be_disabled()
            card.get_by_placeholder("Note (optional)").fill("different figure")
            card.get_by_placeholder("Note (optional)").press("Tab")  # commit the note
            _idle(page)
            page.evaluate("document.activeElement && document.activeElement.blur()")  # keys are hotkeys now
            page.keyboard.press("r")
            _idle(page)
            expect(card.get_by_role("button", name=re.compile(r"Link$"))).to_be_enabled()
            page.keyboard.press("l")
            page.get_by_text(re.compile(r"Linked evidence \(1\)")).wait_for()

            # Add evidence from a link (served on 127.0.0.1), link its best passage as context.
            with sqlite3.connect(db) as conn:
                (claim_text,) = conn.execute("SELECT text FROM claims WHERE id = ?", (cid,)).fetchone()
            body = _evidence_page(claim_text)
            pages.routes["/evidence.html"] = lambda h: h.send_body(200, body, "text/html; charset=utf-8")
            evidence_url = pages.url("/evidence.html")
            _idle(page)
            box = page.locator("[data-testid='stExpander']").filter(has_text="Add evidence from a link")
            box.get_by_text("Add evidence from a link").click()
            box.get_by_label("Link to the evidence").fill(evidence_url)
            box.get_by_role("button", name=re.compile("Fetch")).click()
            box.get_by_text(re.compile("as fetched on")).wait_for()
            _idle(page)
            link_button = box.get_by_role("button", name=re.compile(r"Link$"))
            expect(link_button).to_be_disabled()  # no stance preselected
            box.get_by_text("Context", exact=True).click()
            expect(link_button).to_be_enabled()
            link_button.click()
            page.get_by_text(re.compile(r"Linked evidence \(2\)")).wait_for()

            # Choose a verdict, write a rationale, save.
            form = page.locator("[data-testid='stForm']").filter(has=page.get_by_text("Rationale")).first
            _choose(page, form.locator("[data-testid='stSelectbox']"), "Mostly false")
            form.locator("textarea").fill("The linked source gives a different figure.")
            form.get_by_text("Ask for a second review").click()  # a blind second review follows
            form.get_by_role("button", name=re.compile("Save verdict")).click()
            page.get_by_text(re.compile(r"Saved verdict “Mostly false”")).wait_for()
            _idle(page)
            shot = ARTIFACTS / "review-page.png"
            page.screenshot(path=str(shot), full_page=True)
            docs = os.environ.get("FACTCHECK_DOCS_SCREENSHOT") == "1"
            if docs:
                (REPO / "docs").mkdir(exist_ok=True)
                page.evaluate("window.scrollTo(0, 0)")
                page.screenshot(path=str(REPO / "docs" / "screenshot-review.png"))
            # "?" shows the keyboard shortcuts
            page.evaluate("document.activeElement && document.activeElement.blur()")
            page.keyboard.press("?")
            page.get_by_role("dialog").get_by_text("Alt+N / Alt+P").wait_for()
            page.keyboard.press("Escape")
            _idle(page)
            _queue_and_blind_review(page, url, cid, docs)
        finally:
            browser.close()

    with sqlite3.connect(db) as conn:
        verdict = conn.execute(
            "SELECT label, rationale, reviewer FROM verdicts WHERE claim_id = ?", (cid,)
        ).fetchone()
        link = conn.execute("SELECT stance, note FROM evidence_links WHERE claim_id = ? ORDER BY id",
                            (cid,)).fetchone()
        from_link = conn.execute(
            "SELECT l.stance, s.requested_url, s.fetched_at, p.text FROM evidence_links l "
            "JOIN passages p ON p.id = l.passage_id JOIN sources s ON s.id = p.source_id "
            "WHERE l.claim_id = ? AND s.requested_url IS NOT NULL", (cid,)).fetchone()
        events = {k for (k,) in conn.execute("SELECT kind FROM review_events WHERE claim_id = ?", (cid,))}
    assert verdict == ("Mostly false", "The linked source gives a different figure.", default_reviewer())
    assert link == ("refutes", "different figure")
    assert from_link[:2] == ("context", evidence_url) and from_link[2]
    assert claim_text in from_link[3]  # the best-matching passage of the page
    assert {"verdict", "link"} <= events
    assert shot.stat().st_size > 10_000
    with sqlite3.connect(db) as conn:
        pair = conn.execute("SELECT first_label, second_label FROM second_reviews WHERE claim_id = ?",
                            (cid,)).fetchone()
    assert pair == ("Mostly false", None)  # open, the second reviewer has not saved yet


def _queue_and_blind_review(page, url: str, cid: int, docs: bool) -> None:
    """Queue: search and select several rows (screenshot); send the reviewed claim for a blind
    second review; as another reviewer, the first verdict is hidden (screenshot)."""
    page.goto(url)
    search = page.get_by_placeholder("Search claims and article titles…")
    search.wait_for()
    search.fill("Anthropic")
    search.press("Enter")
    _idle(page)
    page.get_by_text("Select several").click()
    _idle(page)
    page.get_by_text(re.compile(r"0 claims selected")).wait_for()
    _idle(page)
    grid = page.locator(".st-key-queue_table_bulk [data-testid='stDataFrame']")
    grid.wait_for()
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    for row in (0, 1, 2):  # the selection checkboxes of the first three rows
        page.mouse.click(box["x"] + 15, box["y"] + 35 + 17 + 35 * row)
        _idle(page)
    page.get_by_text(re.compile(r"[1-9]\d* claims? selected")).wait_for()
    shot = ARTIFACTS / "queue-bulk.png"
    page.screenshot(path=str(shot), full_page=True)
    if docs:
        page.screenshot(path=str(REPO / "docs" / "screenshot-queue.png"))
    # as "second-reviewer": the claim sent for a second review hides its first verdict
    page.goto(f"{url}/review?claim={cid}")
    page.get_by_role("heading", name=re.compile(rf"Claim #{cid}")).wait_for()
    _idle(page)
    box = page.get_by_test_id("stSidebarUserContent").get_by_test_id("stTextInputField")
    box.fill("second-reviewer")
    box.press("Enter")
    _idle(page)
    page.get_by_text(re.compile("Blind second review")).wait_for()
    if docs:
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(REPO / "docs" / "screenshot-blind-review.png"))
