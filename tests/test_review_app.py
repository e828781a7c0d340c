"""The review app in a real browser: Playwright driving the system's Chromium headless.

A WorldCover dataset is built from the real sample map and verified; one text is replaced by a
hostile LLM answer; the app is started on 127.0.0.1 by the test and stopped by it.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from eotext.verify.audit import history
from eotext.verify.folder import verify_folder
from tests.conftest import WORLDCOVER_1024, need
from tests.review_server import review_server

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
TOKEN = "test-token-7f3a"
HOSTILE = (
    'Water <script>window.__pwned = 1</script> and <img src=x onerror="window.__pwned = 2"> '
    "covers the scene."
)
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _texts(root: Path) -> dict[str, dict[str, Any]]:
    return {r["text_id"]: r for r in pq.read_table(root / "texts.parquet").to_pylist()}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from click.testing import CliRunner

    from eotext.cli.main import cli

    labels = need(WORLDCOVER_1024)
    out = tmp_path_factory.mktemp("review") / "wc"
    result = CliRunner().invoke(
        cli, ["-q", "build", "--labels", str(labels), "--scheme", "worldcover", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    verify_folder(out)
    table = pq.read_table(out / "texts.parquet")
    rows = table.to_pylist()
    rows[1]["text"] = HOSTILE  # a short caption replaced by a hostile model answer
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), out / "texts.parquet")
    return out


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture()
def server(dataset: Path) -> Iterator[str]:
    with review_server(dataset, TOKEN) as url:
        yield url


def _open(browser: Any, url: str) -> Any:
    page = browser.new_page()
    page.goto(f"{url}/?token={TOKEN}")
    page.wait_for_selector("body[data-ready='1']")
    return page


def _select(page: Any, text_id: str) -> None:
    page.click(f'li[data-id="{text_id}"]')
    page.wait_for_function(
        "id => document.querySelector('#detail h2') && "
        "document.querySelector('#detail h2').textContent === id",
        arg=text_id,
    )


def test_token_is_required(browser: Any, server: str) -> None:
    page = browser.new_page()
    response = page.goto(server + "/")
    assert response.status == 401
    assert "token" in page.content()
    assert browser.new_page().goto(f"{server}/api/texts").status == 401
    assert browser.new_page().goto(f"{server}/?token=wrong").status == 401
    ok = page.goto(f"{server}/?token={TOKEN}")
    assert ok.status == 200
    assert "default-src 'none'" in ok.headers["content-security-policy"]
    page.close()


def test_writes_are_csrf_safe(server: str, dataset: Path) -> None:
    text_id = next(iter(_texts(dataset)))
    url = f"{server}/api/texts/{text_id}/decision"
    body = {"action": "approve", "version": 0}
    # The token in the query string is not enough for a write (a link or form could carry it).
    assert httpx.post(f"{url}?token={TOKEN}", json=body).status_code == 403
    auth = {"Authorization": f"Bearer {TOKEN}"}
    form = httpx.post(url, data={"action": "approve"}, headers=auth)
    assert form.status_code == 415
    other = httpx.post(url, json=body, headers={**auth, "Origin": "http://evil.example"})
    assert other.status_code == 403
    assert _texts(dataset)[text_id]["status"] != "approved"


def test_approve_reject_edit_in_the_browser(browser: Any, server: str, dataset: Path) -> None:
    ids = list(_texts(dataset))
    page = _open(browser, server)
    page.fill("#who", "ana")
    page.dispatch_event("#who", "change")
    # approve with the keyboard
    _select(page, ids[2])
    page.keyboard.press("a")
    page.wait_for_selector("#message")
    assert "approved" in page.text_content("#status")
    # reject with the button
    _select(page, ids[3])
    page.click("#btn-reject")
    page.wait_for_selector("#message")
    # edit: e, type, Ctrl+Enter
    _select(page, ids[4])
    original = _texts(dataset)[ids[4]]["text"]
    page.keyboard.press("e")
    page.fill("#editor", "A satellite image of trees and grassland.")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector("#original", state="attached")
    page.close()

    rows = _texts(dataset)
    assert rows[ids[2]]["status"] == "approved"
    assert rows[ids[3]]["status"] == "rejected"
    assert rows[ids[4]]["status"] == "approved"
    assert rows[ids[4]]["text"] == "A satellite image of trees and grassland."
    assert json.loads(rows[ids[4]]["meta"])["original_text"] == original  # never overwritten
    for text_id, action, status in (
        (ids[2], "approve", "approved"),
        (ids[3], "reject", "rejected"),
        (ids[4], "edit", "approved"),
    ):
        row = history(dataset, text_id)[-1]
        assert (row["who"], row["action"], row["after"]["status"]) == ("ana", action, status)
        assert row["at"] and row["before"]["status"] in ("generated", "flagged", "auto_fixed")
    assert history(dataset, ids[4])[-1]["before"]["text"] == original


def test_hostile_model_text_is_shown_as_text(browser: Any, server: str, dataset: Path) -> None:
    hostile_id = next(t for t, r in _texts(dataset).items() if r["text"] == HOSTILE)
    page = _open(browser, server)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    _select(page, hostile_id)
    assert page.text_content("#text-body") == HOSTILE
    assert page.evaluate("window.__pwned") is None
    assert (
        page.evaluate("document.querySelectorAll('#detail script, #detail img[src=x]').length") == 0
    )
    assert "&lt;script&gt;" in page.inner_html("#text-body")
    assert not dialogs
    page.close()


def test_two_editors_conflict_and_neither_edit_is_lost(
    browser: Any, server: str, dataset: Path
) -> None:
    text_id = list(_texts(dataset))[6]
    first, second = _open(browser, server), _open(browser, server)
    for page in (first, second):
        _select(page, text_id)
        page.keyboard.press("e")
    first.fill("#editor", "Edit from the first window.")
    second.fill("#editor", "Edit from the second window.")
    first.keyboard.press("Control+Enter")
    first.wait_for_selector("#original", state="attached")
    second.keyboard.press("Control+Enter")
    second.wait_for_selector("#message")
    assert "Conflict" in second.text_content("#message")
    assert _texts(dataset)[text_id]["text"] == "Edit from the first window."
    rows = history(dataset, text_id)
    assert [r["action"] for r in rows[-2:]] == ["edit", "conflict"]
    assert rows[-1]["after"]["text"] == "Edit from the second window."  # kept, not lost
    first.close()
    second.close()


def test_bench_mode_shows_progress(browser: Any, server: str, dataset: Path) -> None:
    page = _open(browser, server)
    page.check("#bench-mode")
    page.wait_for_function("() => document.querySelector('#progress').textContent.includes('of')")
    assert "decided" in page.text_content("#progress")
    page.close()
