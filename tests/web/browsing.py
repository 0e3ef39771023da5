"""What the browser tests share: chromium's flags, a page on the served workspace, asking a question,
reading where the page stands, and screenshots (tests/conftest.py names the chromium they drive)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

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
TIMEOUT_MS = 120_000
DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}

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

# Where the page stands: the window's and every container's scroll, the panel's, and where the
# tabs and the question box are on screen.
SCROLLS = """() => {
  const panel = document.querySelector('#sources .sources-scroll');
  const moved = [];
  for (let e = panel.parentElement; e; e = e.parentElement) {
    if (e.scrollTop && e !== document.scrollingElement) moved.push(`${e.tagName}.${e.className}`);
  }
  const top = (sel) => document.querySelector(sel).getBoundingClientRect();
  return {window: window.scrollY, containers: moved, panel: panel.scrollTop,
          panelRect: [panel.getBoundingClientRect().top, panel.getBoundingClientRect().bottom],
          tabs: top('[role="tablist"]').top, question: top('#question').bottom, height: innerHeight};
}"""

ANSWERS = "#chat a.cite-ref, #chat .abstained"

# Where the newest answer's first line is, against the chat's visible area.
FIRST_LINE = """() => {
  const bots = document.querySelectorAll('#chat [data-testid="bot"]');
  const answer = bots[bots.length - 1].getBoundingClientRect();
  const view = document.querySelector('#chat .bubble-wrap').getBoundingClientRect();
  return {answer: [answer.top, answer.bottom], view: [view.top, view.bottom]};
}"""


def drawer_open(page: Any, name: str) -> bool:
    return bool(page.locator(f"#{name}-drawer > button.label-wrap").get_attribute("class").count("open"))


def new_page(browser: Any, viewport: dict[str, int]) -> Any:
    context = browser.new_context(viewport=viewport, accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def open_workspace(page: Any, base: str) -> None:
    page.goto(f"{base}/")
    page.locator("#question textarea").wait_for(state="visible")


def answered_count(page: Any) -> int:
    return int(page.locator(ANSWERS).count())


def wait_answered(page: Any, before: int) -> None:
    """Until the chat holds more answers (cited or abstained) than ``before``."""
    page.wait_for_function(
        f"() => document.querySelectorAll({ANSWERS!r}).length > {before}", timeout=TIMEOUT_MS
    )


def ask(page: Any, question: str) -> float:
    """Type and submit a question; returns the time to first token (ms) measured in the page."""
    page.locator("#chat").wait_for(state="visible")
    answers = answered_count(page)
    box = page.locator("#question textarea")
    box.fill(question)
    page.evaluate(WATCH_FIRST_TOKEN)
    box.press("Enter")
    page.wait_for_function("() => window.__firstToken !== null", timeout=TIMEOUT_MS)
    first_token: float = page.evaluate("window.__firstToken")
    wait_answered(page, answers)
    return first_token


def status_says(page: Any, text: str) -> None:
    page.wait_for_function(
        f"() => (document.querySelector('#filter-status')?.innerText || '').includes({text!r})",
        timeout=20_000,
    )


def assert_page_in_place(page: Any) -> dict[str, Any]:
    """The page and the containers around the sources panel are not scrolled: tabs and question in view."""
    where: dict[str, Any] = page.evaluate(SCROLLS)
    assert where["window"] == 0 and where["containers"] == [], where
    assert where["tabs"] >= 0 and where["question"] <= where["height"], where
    return where


def screenshot(page: Any, artifacts: Path, name: str, docs_name: str) -> Path:
    """A screenshot in the artifacts folder; also docs/<docs_name> when RAG_UPDATE_SCREENSHOT=1."""
    shot = artifacts / name
    page.screenshot(path=str(shot))
    if os.environ.get("RAG_UPDATE_SCREENSHOT") == "1":
        shutil.copyfile(shot, REPO / "docs" / docs_name)
    return shot
