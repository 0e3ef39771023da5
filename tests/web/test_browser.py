"""The workspace in a real browser: Debian's chromium driven by Playwright against ``rag serve``.

Asks the IQDEX question, reads the streamed answer, selects citation [1] and sees its sentence
highlighted inside its passage, applies an outlet filter, asks a follow-up, and saves a screenshot
(test-artifacts/workspace.png; copied to docs/screenshot.png for the README when that is missing or
RAG_UPDATE_SCREENSHOT=1). Prints the page load time and the time to first token measured in the browser;
a second test drives the Library tab (upload, search, delete).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IQDEX, SEED

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
TIMEOUT_MS = 120_000

# Records, inside the page, when the first character of the answer shows up in the chat.
WATCH_FIRST_TOKEN = """() => {
  const chat = document.querySelector('#chat');
  const bots = () => chat.querySelectorAll('[data-testid="bot"]').length;
  const before = bots();
  window.__firstToken = null;
  window.__asked = performance.now();
  const observer = new MutationObserver(() => {
    const all = chat.querySelectorAll('[data-testid="bot"]');
    if (all.length > before && all[all.length - 1].innerText.trim()) {
      window.__firstToken = performance.now() - window.__asked;
      observer.disconnect();
    }
  });
  observer.observe(chat, {childList: true, subtree: true, characterData: true});
}"""

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def page(rag_serve: str) -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail("chromium is missing: `make browser` (apt-get install chromium) installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        context.set_default_timeout(TIMEOUT_MS)
        yield context.new_page()
        browser.close()


def ask(page: Any, question: str) -> float:
    """Type and submit a question; returns the time to first token (ms) measured in the page."""
    answers = page.locator("#chat a.cite-ref, #chat .abstained").count()
    box = page.locator("#question textarea")
    box.fill(question)
    page.evaluate(WATCH_FIRST_TOKEN)
    box.press("Enter")
    page.wait_for_function("() => window.__firstToken !== null", timeout=TIMEOUT_MS)
    first_token: float = page.evaluate("window.__firstToken")
    page.wait_for_function(
        f"() => document.querySelectorAll('#chat a.cite-ref, #chat .abstained').length > {answers}",
        timeout=TIMEOUT_MS,
    )
    return first_token


def test_ask_cite_filter_and_screenshot(page: Any, rag_serve: str) -> None:
    started = time.perf_counter()
    page.goto(f"{rag_serve}/")
    page.locator("#question textarea").wait_for(state="visible")
    page.locator("#outlets input").wait_for(state="visible")
    page_load_ms = (time.perf_counter() - started) * 1000
    nav = page.evaluate(
        "(() => { const n = performance.getEntriesByType('navigation')[0];"
        " return [n.responseEnd, n.domContentLoadedEventEnd, n.loadEventEnd].map(Math.round); })()"
    )

    first_token_ms = ask(page, IQDEX)
    server_timings = page.locator("#sources .turn.current .timings").inner_text()
    answer = page.locator('#chat [data-testid="bot"]').last
    text = answer.inner_text()
    assert ("[1]" in text and "IQDEX" in text.upper()) or "helicopters" in text
    cards = page.locator("#sources .turn.current .cite-card")
    assert cards.count() >= 1
    assert "OSINTSights" in cards.first.inner_text() and "2025-04-23" in cards.first.inner_text()

    # [1] selects the citation: its card is outlined, shown, and its sentence is marked in the passage.
    answer.locator("a.cite-ref", has_text="[1]").first.click()
    card = page.locator("#cite-1-1")
    assert "selected" in (card.get_attribute("class") or "")
    mark = card.locator("mark")
    assert mark.is_visible()
    quote = mark.inner_text().strip()
    seed = SEED.read_text(encoding="utf-8")
    assert len(quote) > 20 and quote in seed
    passage = card.locator(".passage").inner_text()
    assert len(passage) > len(quote) and quote in passage  # highlighted inside its passage

    # An outlet filter, then a follow-up in the same conversation.
    page.locator("#outlets input").click()
    page.locator('#outlets [role="option"][aria-label="OSINTSights"]').click()
    page.keyboard.press("Escape")
    assert "OSINTSights" in page.locator("#outlets").inner_text()
    follow_up_ms = ask(page, "Which systems did South Korea offer Iraq?")
    current = page.locator("#sources .turn.current")
    assert "Filters: outlets OSINTSights" in current.inner_text()
    assert page.locator('#chat [data-testid="user"]').count() == 2
    page.locator('#chat [data-testid="bot"]').last.locator("a.cite-ref").first.click()
    assert page.locator("#sources .turn.current .cite-card.selected mark").first.is_visible()

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "workspace.png"
    page.screenshot(path=str(shot))
    readme_shot = REPO / "docs" / "screenshot.png"
    if not readme_shot.exists() or os.environ.get("RAG_UPDATE_SCREENSHOT") == "1":  # no churn on every run
        readme_shot.parent.mkdir(exist_ok=True)
        shutil.copyfile(shot, readme_shot)

    # A date range that excludes every article: the assistant abstains, plainly.
    page.locator("#date-to textarea, #date-to input").first.fill("2001-01-01")
    ask(page, IQDEX)
    assert "No answer in the ingested articles" in page.locator('#chat [data-testid="bot"]').last.inner_text()
    assert "No ingested article answers" in page.locator("#sources .turn.current").inner_text()

    print(
        f"\nbrowser: page load {page_load_ms:.0f} ms to a usable workspace (HTML {nav[0]} ms, "
        f"DOMContentLoaded {nav[1]} ms, load {nav[2]} ms), "
        f"time to first token {first_token_ms:.0f} ms (server: {server_timings}), "
        f"follow-up {follow_up_ms:.0f} ms"
    )
    (ARTIFACTS / "browser-timings.txt").write_text(
        f"page_load_ms={page_load_ms:.0f}\nfirst_token_ms={first_token_ms:.0f}\nfollow_up_ms={follow_up_ms:.0f}\n"
        f"server_timings={server_timings}\n"
    )


def test_library_upload_search_and_delete(page: Any, rag_serve: str, tmp_path: Path) -> None:
    article = tmp_path / "port-verlaine.md"
    article.write_text(
        '---\ntitle: "Harbour cranes at Port Verlaine run on solar power"\nsource: Test Gazette\n'
        "published_at: 2024-02-11\n---\n\nThe port authority of Port Verlaine switched its twelve harbour "
        "cranes to solar power in January. Officials said the change cut diesel use by a third.\n",
        encoding="utf-8",
    )
    page.goto(f"{rag_serve}/")
    page.get_by_role("tab", name="Library").click()
    corpus = page.locator("#corpus")
    page.wait_for_function("() => document.querySelector('#corpus').innerText.includes('1 articles')")
    assert "South Korea" in page.locator("#articles").inner_text()

    page.locator("#uploads input[type=file]").set_input_files(str(article))
    page.locator("#ingest").click()
    page.wait_for_function("() => document.querySelector('#ingest-summary').innerText.includes('Added 1')")
    assert "2 articles" in corpus.inner_text()
    assert "Test Gazette" in page.locator("#articles").inner_text()

    page.locator("#search textarea, #search input").first.fill("verlaine")
    page.wait_for_function("() => !document.querySelector('#articles').innerText.includes('South Korea')")
    assert "1 match" in corpus.inner_text()
    page.locator('#articles [role="gridcell"]', has_text="Harbour cranes").first.click()
    page.wait_for_function("() => document.querySelector('#article-id textarea, #article-id input').value")
    page.locator("#delete").click()
    page.wait_for_function("() => document.querySelector('#corpus').innerText.includes('1 articles')")
    assert "Harbour cranes" not in page.locator("#articles").inner_text()
    page.get_by_role("tab", name="Ask").click()
    page.locator("#outlets input").click()
    assert page.locator('#outlets [role="option"][aria-label="Test Gazette"]').count() == 0
    page.keyboard.press("Escape")
