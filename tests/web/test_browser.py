"""The workspace in a real browser: Debian's chromium driven by Playwright against ``rag serve``.

Asks the IQDEX question, reads the streamed answer, selects citation [1] and sees its sentence
highlighted inside its article's one card (the page never scrolls), checks the outlet control offers
only stored outlets and counts the articles the filters let through, asks a follow-up, types a bad
date (an error beside the field; the conversation stays), and filters everything out (said plainly).
The desktop keeps filters, chat and sources side by side. On a phone (390x844) the question box is on
the first screen, the chat first, the filters and conversations in closed drawers and the sources in a
drawer below the chat that a citation opens; a citation scrolls only the sources panel, and a long
answer keeps its first line, the direct answer, in view. A last test drives the Library tab (upload
with an empty file, a bad URL, search, delete with confirmation, undo). Conversations are in
test_conversations_browser.py.

Screenshots (workspace.png, workspace-phone.png) and timings go to test-artifacts/ (RAG_TEST_ARTIFACTS
names another folder); the README's docs/screenshot.png and docs/screenshot-phone.png are replaced only
when RAG_UPDATE_SCREENSHOT=1 (`make screenshot`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IQDEX, SEED
from tests.web.browsing import (
    DESKTOP,
    FIRST_LINE,
    PHONE,
    SCROLLS,
    ask,
    assert_page_in_place,
    drawer_open,
    new_page,
    open_workspace,
    screenshot,
    status_says,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def page(browser: Any) -> Any:
    return new_page(browser, DESKTOP)


def test_ask_cite_filter_and_screenshot(page: Any, rag_serve: str, artifacts: Path) -> None:
    started = time.perf_counter()
    page.goto(f"{rag_serve}/")
    page.locator("#question textarea").wait_for(state="visible")
    page.locator("#outlets input").wait_for(state="visible")
    page_load_ms = (time.perf_counter() - started) * 1000
    nav = page.evaluate(
        "(() => { const n = performance.getEntriesByType('navigation')[0];"
        " return [n.responseEnd, n.domContentLoadedEventEnd, n.loadEventEnd].map(Math.round); })()"
    )
    status_says(page, "1 article in the library")
    boxes = {name: page.locator(f"#{name}").bounding_box() for name in ("filters", "chat-col", "sources-col")}
    left, middle, right = boxes["filters"], boxes["chat-col"], boxes["sources-col"]
    assert left["x"] + left["width"] <= middle["x"] and middle["x"] + middle["width"] <= right["x"], boxes
    assert abs(left["y"] - middle["y"]) < 2 and abs(middle["y"] - right["y"]) < 2, "side by side"
    assert page.locator("#title").bounding_box()["height"] < 60, "the title on one line"
    assert page.locator("#outlets input").is_visible() and page.locator("#sources").is_visible()

    first_token_ms = ask(page, IQDEX)
    timings = page.locator("#sources .turn.current details.timings")
    assert timings.get_attribute("open") is None  # behind a collapsed "details"
    server_timings = timings.text_content().removeprefix("details")
    answer = page.locator('#chat [data-testid="bot"]').last
    text = answer.inner_text()
    assert ("[1]" in text and "IQDEX" in text.upper()) or "helicopters" in text
    refs = answer.locator("a.cite-ref")
    assert refs.count() >= 2
    badge = refs.first.evaluate(
        "a => { const s = getComputedStyle(a), p = getComputedStyle(a.parentElement); return"
        " [s.backgroundColor !== p.backgroundColor, s.textDecorationLine, parseFloat(s.borderRadius)]; }"
    )
    assert badge[0] and badge[1] == "none" and badge[2] > 0, badge  # a badge, not underlined text
    cards = page.locator("#sources .turn.current .cite-card")
    assert cards.count() == 1, "the seed article's citations share one card"
    numbers = {int(n) for n in cards.first.locator(".excerpt .q-n").all_inner_texts()}
    assert numbers == {int(r.strip("[]")) for r in refs.all_inner_texts()}, "each cited sentence numbered"
    assert "OSINTSights" in cards.first.inner_text() and "2025-04-23" in cards.first.inner_text()

    # [1] selects the citation: its card is outlined and its sentence marked inside the excerpt.
    answer.locator("a.cite-ref", has_text="[1]").first.click()
    card = page.locator("#sources .cite-card.selected")
    assert card.count() == 1
    mark = card.locator(".cited.selected mark").first
    assert mark.is_visible()
    quote = mark.inner_text().strip()
    seed = SEED.read_text(encoding="utf-8")
    assert len(quote) > 20 and quote in seed
    passage = card.locator(".excerpt").first.inner_text()
    assert len(passage) > len(quote) and quote in passage  # highlighted inside its passage
    assert_page_in_place(page)
    answer.locator("a.cite-ref").last.click()
    assert_page_in_place(page)

    # Only stored outlets are offered; a typed name that is not one selects nothing.
    page.locator("#outlets input").click()
    assert page.locator('#outlets [role="option"]').all_inner_texts() == ["OSINTSights"]
    page.locator("#outlets input").fill("Nowhere Herald")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    page.locator("#question textarea").click()  # leaving the box drops what was typed
    assert page.locator("#outlets .token").count() == 0
    assert page.locator("#outlets input").input_value() == ""
    page.locator("#outlets input").click()
    page.locator('#outlets [role="option"][aria-label="OSINTSights"]').click()
    page.keyboard.press("Escape")
    assert page.locator("#outlets .token").all_inner_texts() == ["OSINTSights"]
    status_says(page, "1 of 1 article matches")
    follow_up_ms = ask(page, "Which systems did South Korea offer Iraq?")
    current = page.locator("#sources .turn.current")
    assert "Filters: outlets OSINTSights" in current.inner_text()
    assert page.locator('#chat [data-testid="user"]').count() == 2
    page.locator('#chat [data-testid="bot"]').last.locator("a.cite-ref").first.click()
    assert page.locator("#sources .turn.current .cite-card.selected .cited.selected mark").first.is_visible()

    cards = page.locator("#sources .turn.current .cite-card")
    assert cards.count() == 1 and cards.locator(".excerpt .cited").count() >= 3, "one card, many highlights"
    screenshot(page, artifacts, "workspace.png", "screenshot.png")

    # A date typed the wrong way: said beside the filters; the conversation and question stay.
    bots = page.locator('#chat [data-testid="bot"]').all_inner_texts()
    page.get_by_label("Custom range").check()
    date_from = page.locator("#date-from textarea, #date-from input").first
    date_from.fill("01/11/2023")
    box = page.locator("#question textarea")
    box.fill("What did the DAPA confirm?")
    box.press("Enter")
    status_says(page, "is not a date")
    assert "01/11/2023" in page.locator("#filter-status").inner_text()
    page.wait_for_timeout(500)
    assert page.locator('#chat [data-testid="bot"]').all_inner_texts() == bots
    assert page.locator('#chat [data-testid="user"]').count() == 2
    assert box.input_value() == "What did the DAPA confirm?" and box.is_visible()
    assert "Error" not in page.locator("#chat").inner_text()

    # Filters that let no article through: counted as none, and the answer says so without asking.
    date_from.fill("")
    page.locator("#date-to textarea, #date-to input").first.fill("2001-01-01")
    page.locator("#date-to textarea, #date-to input").first.press("Enter")
    status_says(page, "No article matches these filters (of 1 article)")
    ask(page, IQDEX)
    said = page.locator('#chat [data-testid="bot"]').last.inner_text()
    assert "No article matches these filters: outlets OSINTSights; dates up to 2001-01-01" in said

    print(
        f"\nbrowser: page load {page_load_ms:.0f} ms to a usable workspace (HTML {nav[0]} ms, "
        f"DOMContentLoaded {nav[1]} ms, load {nav[2]} ms), "
        f"time to first token {first_token_ms:.0f} ms (server: {server_timings}), "
        f"follow-up {follow_up_ms:.0f} ms"
    )
    (artifacts / "browser-timings.txt").write_text(
        f"page_load_ms={page_load_ms:.0f}\nfirst_token_ms={first_token_ms:.0f}\nfollow_up_ms={follow_up_ms:.0f}\n"
        f"server_timings={server_timings}\n"
    )


LONG = "Which systems did South Korea offer Iraq?"  # eight cited sentences: taller than the chat


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    """A phone-sized page (390x844) of its own."""
    page = new_page(browser, PHONE)
    yield page
    page.context.close()


def test_the_question_box_is_on_the_first_screen_and_the_filters_in_a_drawer(
    phone: Any, rag_serve: str
) -> None:
    open_workspace(phone, rag_serve)
    phone.wait_for_function("() => !document.querySelector('#filters-drawer > .label-wrap.open')")
    box = phone.locator("#question").bounding_box()
    assert box["y"] + box["height"] <= PHONE["height"], f"the question box ends at {box['y'] + box['height']}"
    chat, sources = phone.locator("#chat").bounding_box(), phone.locator("#sources-drawer").bounding_box()
    filters = phone.locator("#filters-drawer").bounding_box()
    assert chat["y"] < box["y"] < sources["y"] < filters["y"], "chat and question first, then the drawers"
    assert phone.evaluate("window.scrollY") == 0
    assert not drawer_open(phone, "filters") and not drawer_open(phone, "conversations")
    assert not phone.locator("#outlets").is_visible()
    phone.locator("#filters-drawer > button.label-wrap").click()  # the filters are a tap away
    phone.locator("#outlets input").wait_for(state="visible")
    phone.locator("#filters-drawer > button.label-wrap").click()
    phone.locator("#outlets input").wait_for(state="hidden")


def test_a_long_answer_keeps_its_first_line_and_citations_scroll_only_the_panel(
    phone: Any, rag_serve: str, artifacts: Path
) -> None:
    open_workspace(phone, rag_serve)
    ask(phone, IQDEX)
    ask(phone, LONG)
    where = phone.evaluate(FIRST_LINE)
    top, bottom = where["view"]
    assert where["answer"][1] - where["answer"][0] > bottom - top, f"a long answer: {where}"
    assert top <= where["answer"][0] and where["answer"][0] + 40 <= bottom, f"its first line shows: {where}"
    assert phone.evaluate("window.scrollY") == 0
    screenshot(phone, artifacts, "workspace-phone.png", "screenshot-phone.png")

    # With the sources drawer closed, a citation opens it and scrolls only the panel to its sentence.
    phone.locator("#sources-drawer > button.label-wrap").click()
    phone.locator("#sources .sources-scroll").wait_for(state="hidden")
    panel = phone.locator("#sources .sources-scroll")
    link = phone.locator('#chat [data-testid="bot"]').last.locator("a.cite-ref").last
    before = phone.evaluate("window.scrollY")
    link.evaluate("a => a.click()")  # as a tap: no scrolling by the test itself
    phone.wait_for_function("() => document.querySelector('#sources .sources-scroll').scrollTop > 0")
    style = panel.evaluate("p => [getComputedStyle(p).overflowY, p.scrollHeight, p.clientHeight]")
    assert style[0] == "auto" and style[1] > style[2], f"the panel scrolls on its own: {style}"
    after = phone.evaluate(SCROLLS)
    assert after["window"] == before and after["containers"] == [], after
    mark = phone.locator("#sources .cite-card.selected .cited.selected mark").first.bounding_box()
    assert after["panelRect"][0] <= mark["y"] and mark["y"] + mark["height"] <= after["panelRect"][1] + 1


def test_library_upload_search_delete_and_undo(page: Any, rag_serve: str, tmp_path: Path) -> None:
    article = tmp_path / "port-verlaine.md"
    article.write_text(
        '---\ntitle: "Harbour cranes at Port Verlaine run on solar power"\nsource: Test Gazette\n'
        "published_at: 2024-02-11\n---\n\nThe port authority of Port Verlaine switched its twelve harbour "
        "cranes to solar power in January. Officials said the change cut diesel use by a third.\n",
        encoding="utf-8",
    )
    empty = tmp_path / "empty.md"
    empty.write_bytes(b"")
    page.goto(f"{rag_serve}/")
    page.get_by_role("tab", name="Library").click()
    corpus, table, summary = (
        page.locator("#corpus"),
        page.locator("#articles"),
        page.locator("#ingest-summary"),
    )
    page.wait_for_function("() => document.querySelector('#corpus').innerText.includes('1 article')")
    assert "South Korea" in table.inner_text()
    headers = [h.strip() for h in table.locator('[role="columnheader"]').all_inner_texts() if h.strip()]
    assert headers[:3] == ["title", "outlet", "date"] and headers[-1] == "id"
    assert "chunk" not in corpus.inner_text() + table.inner_text()

    # One empty file in the batch fails alone; the upload box is emptied once the ingest is sent.
    page.locator("#uploads input[type=file]").set_input_files([str(article), str(empty)])
    page.locator("#ingest").click()
    page.wait_for_function("() => document.querySelector('#ingest-summary').innerText.includes('Added 1')")
    assert "empty.md" in summary.inner_text() and "failed 1" in summary.inner_text()
    assert "port-verlaine" not in page.locator("#uploads").inner_text()
    assert "2 articles" in corpus.inner_text() and "Test Gazette" in table.inner_text()

    # A bad URL fails alone, in words; nothing uploaded earlier is sent again; the table stays.
    page.locator("#urls textarea").fill("not a url")
    page.locator("#ingest").click()
    page.wait_for_function("() => document.querySelector('#ingest-summary').innerText.includes('not a web')")
    assert "Added 0" in summary.inner_text() and "failed 1" in summary.inner_text()
    assert "Harbour cranes" in table.inner_text() and "2 articles" in corpus.inner_text()

    page.locator("#search textarea, #search input").first.fill("verlaine")
    page.wait_for_function("() => !document.querySelector('#articles').innerText.includes('South Korea')")
    assert "1 match" in corpus.inner_text()
    page.locator('#articles [role="gridcell"]', has_text="Harbour cranes").first.click()
    page.wait_for_function("() => document.querySelector('#article-id textarea, #article-id input').value")
    picked = page.locator("#article-id textarea, #article-id input").first.input_value()

    # Delete asks first; Cancel keeps the article.
    page.locator("#delete").click()
    page.locator("#confirm-delete").wait_for(state="visible")
    assert "Harbour cranes" in page.locator("#confirm-delete").inner_text()
    page.locator("#cancel-delete").click()
    page.locator("#confirm-delete").wait_for(state="hidden")
    assert "2 articles" in corpus.inner_text()
    page.locator("#delete").click()
    page.locator("#confirm-delete-btn").click()
    page.wait_for_function("() => document.querySelector('#corpus').innerText.includes('1 article')")
    assert "Harbour cranes" not in table.inner_text()

    # Undo adds it back from its stored text, under the same id.
    page.locator("#undo-delete").click()
    page.wait_for_function("() => document.querySelector('#delete-status').innerText.includes('Restored')")
    assert "2 articles" in corpus.inner_text() and picked in table.inner_text()
    page.get_by_role("tab", name="Ask").click()
    page.locator("#outlets input").click()
    assert page.locator('#outlets [role="option"][aria-label="Test Gazette"]').count() == 1
    page.keyboard.press("Escape")

    page.get_by_role("tab", name="Library").click()
    page.locator("#article-id textarea, #article-id input").first.fill(picked)
    page.locator("#delete").click()
    page.locator("#confirm-delete-btn").click()
    page.wait_for_function("() => document.querySelector('#corpus').innerText.includes('1 article ')")
    page.get_by_role("tab", name="Ask").click()
    page.locator("#outlets input").click()
    assert page.locator('#outlets [role="option"]').all_inner_texts() == ["OSINTSights"]
    page.keyboard.press("Escape")
