"""In a real browser (headless Chromium driven by Playwright): label pages with clicks, drags
and keys, read the labeled files back; open the HTML report and see it fetch nothing."""

import os
import shutil
import time
from pathlib import Path

import pytest
from conftest import SHIPPED_MODEL
from typer.testing import CliRunner

from segclf.labeled import read_labeled

sync_api = pytest.importorskip("playwright.sync_api", reason="needs Playwright: pip install -e '.[test]'")

CHROMIUM = os.environ.get("SEGCLF_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
# The flags this machine needs: no sandbox as root, no GPU, and no background
# connections (the network is closed; Chromium would retry them at every start).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if not Path(CHROMIUM).exists():
    pytest.skip(
        f"no Chromium at {CHROMIUM}: install Debian's chromium (apt-get install chromium; .ci/run does) "
        "or set SEGCLF_CHROMIUM",
        allow_module_level=True,
    )


@pytest.fixture(scope="module")
def browser():
    # Playwright gives every launch a new empty profile (its own --user-data-dir).
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def eventually(check, timeout=10.0):
    """Wait until check() is true: writes land a moment after the key press."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check():
                return
        except (OSError, ValueError):
            pass  # the file is not there yet
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the labeled file")
        time.sleep(0.05)


def labels_of(path: Path) -> dict[str, str]:
    page = read_labeled(path)
    return {block.text: label for block, label in zip(page.page.blocks, page.labels)}


def open_tool(browser, url, errors):
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    page.wait_for_selector("body[data-ready=true]", timeout=15000)
    return page


def test_label_pages_with_clicks_drags_and_keys_then_save_and_move_on(browser, labeling_server, pages, tmp_path):
    output = tmp_path / "labeled"
    server, session = labeling_server([pages], output)
    names = [page.name for page in session.pages]
    hostile, seed = names.index("hostile.html"), names.index("zh-news-zjol-quzhou.html")
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    errors: list[str] = []
    page = open_tool(browser, f"{base}?page={hostile}", errors)
    frame = page.frame_locator("#page")

    # The page's own code never ran: not its script, its onload, its onerror, its refresh.
    assert frame.locator("h1").inner_text() == "Harbour reopens"
    assert "HACKED" not in frame.locator("body").inner_text()

    # Click one block, press a key: written at once.
    frame.locator("div.footer").click()
    page.keyboard.press("a")
    target = output / "hostile.html"
    eventually(lambda: labels_of(target)["© Harbour Gazette"] == "ad")

    # Drag over the story: every block the box touches, one key for all of them.
    start = frame.locator("h1").bounding_box()
    end = frame.locator("div.story p").nth(1).bounding_box()
    page.mouse.move(start["x"] + 5, start["y"] + 5)
    page.mouse.down()
    page.mouse.move(end["x"] + 40, end["y"] + end["height"] / 2, steps=8)
    page.mouse.up()
    assert "3 blocks selected" in page.inner_text("#selection-info")
    page.keyboard.press("b")
    # Another block, another key.
    frame.locator("div.menu").click()
    page.keyboard.press("n")
    story = ("Harbour reopens", "The harbour reopened on Monday after repairs to the old pier.", "Ferries run every hour again.")
    eventually(lambda: [labels_of(target)[text] for text in story] == ["body"] * 3)
    eventually(lambda: labels_of(target)["Home | News"] == "nav")
    assert read_labeled(target).page.site == "mysite"

    page.click("#save")
    eventually(lambda: b'name="segclf-review" content="done"' in target.read_bytes())
    page.click("#next" if seed == hostile + 1 else "#prev")
    page.wait_for_selector("body[data-ready=true]", timeout=15000)
    assert "zh-news-zjol-quzhou.html" in page.inner_text("#page-name")

    # The GBK seed page: relabel its first error fragment's heading, then close the browser mid-page.
    heading = frame.locator("div.top_ad h1")
    heading.click()
    page.keyboard.press("n")
    seed_target = output / "zh-news-zjol-quzhou.html"
    eventually(lambda: read_labeled(seed_target).labels[0] == "nav")
    page.close()
    data = seed_target.read_bytes()
    data.decode("gbk")  # still GBK, strictly
    assert b'segclf-review" content="draft"' in data

    # Reopened, the page shows the labels it was left with.
    page = open_tool(browser, f"{base}?page={seed}", errors)
    index = page.frame_locator("#page").locator("div.top_ad h1").get_attribute("data-segclf-block")
    label = page.frame_locator("#page").locator("div.top_ad h1").get_attribute("data-segclf-label")
    assert (index, label) == ("0", "nav")
    assert "(draft)" in page.inner_text("#page-list")
    # ... and takes changes again (the server keeps no stale idea of the closed tab's edits).
    page.frame_locator("#page").locator("div.top_ad h1").click()
    page.keyboard.press("e")
    eventually(lambda: read_labeled(seed_target).labels[0] == "error")
    page.close()
    assert errors == []


def test_report_opens_without_console_errors_or_any_fetch(browser, labeled_files, tmp_path):
    from segclf.cli import app

    report = tmp_path / "report.html"
    chosen = [path for path in labeled_files if path.stem.startswith(("zh-news-zjol", "en-news-harbor"))]
    result = CliRunner().invoke(app, ["evaluate", *map(str, chosen), "--model", str(SHIPPED_MODEL), "--report", str(report)])
    assert result.exit_code == 0, result.output
    page = browser.new_page()
    messages, requests = [], []
    page.on("console", lambda message: messages.append((message.type, message.text)))
    page.on("pageerror", lambda error: messages.append(("pageerror", str(error))))
    page.on("request", lambda request: requests.append(request.url))
    page.goto(report.as_uri())
    page.wait_for_load_state("load")
    assert page.locator("svg rect").count() == 16  # the 4x4 confusion matrix
    assert page.locator("#worst").count() == 1
    page.close()
    assert [m for m in messages if m[0] in ("error", "pageerror", "warning")] == []
    assert requests == [report.as_uri()]
