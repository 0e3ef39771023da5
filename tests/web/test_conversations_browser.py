"""Conversations in a real browser against ``rag serve``: an example chip asks its question, "New
conversation" and the chat's own trash icon both really start over (the next follow-up is not
rewritten from the old one), a conversation survives a reload and reopens with its chat, sources and
history, downloads as Markdown with its sources, and is deleted after a confirmation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IQDEX, SEED
from tests.web.browsing import DESKTOP, ask, new_page, open_workspace, wait_answered

pytestmark = pytest.mark.browser
FOLLOW_UP = "When did it take place?"  # rewritten to "When did IQDEX take place?" after IQDEX


def saved(page: Any) -> list[str]:
    """The labels of the saved conversations, in the order listed."""
    return [t.strip() for t in page.locator("#conversations label").all_inner_texts()]


def users(page: Any) -> list[str]:
    return [t.strip() for t in page.locator('#chat [data-testid="user"]').all_inner_texts()]


def asked_as(page: Any) -> str:
    """What the sources panel says the newest answer was retrieved for ("Qn: <standalone question>")."""
    return str(page.locator("#sources .turn.current .asked").inner_text()).strip()


def start_over(page: Any, button: str = "#new-conversation") -> None:
    page.locator(button).click()
    page.wait_for_function("() => !document.querySelector('#chat [data-testid=\"user\"]')")


def wait_listed(page: Any, count: int) -> None:
    page.wait_for_function(
        f"() => document.querySelectorAll('#conversations label').length === {count}", timeout=20_000
    )


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    page = new_page(browser, DESKTOP)
    yield page
    page.context.close()


def test_an_example_chip_asks_its_question(page: Any, rag_serve: str) -> None:
    open_workspace(page, rag_serve)
    page.locator("button", has_text=IQDEX).first.click()
    page.wait_for_function(  # not only typed into the box: sent
        "() => document.querySelectorAll('#chat [data-testid=\"user\"]').length === 1", timeout=30_000
    )
    wait_answered(page, 0)
    assert users(page) == [IQDEX] and page.locator("#question textarea").input_value() == ""
    assert page.locator('#chat [data-testid="bot"] a.cite-ref').count() >= 2


def test_the_trash_icon_and_new_conversation_both_start_over(page: Any, rag_serve: str) -> None:
    open_workspace(page, rag_serve)
    ask(page, IQDEX)
    ask(page, FOLLOW_UP)
    assert asked_as(page) == "Q2: When did IQDEX take place?"
    # the first answer's sources are a click away in the panel ("Sources for Q1 Q2 of 2")
    page.locator('#sources .turn-link[data-turn="1"]').click()
    assert asked_as(page) == f"Q1: {IQDEX}"
    page.locator('#sources .turn-link[data-turn="2"]').click()
    assert asked_as(page) == "Q2: When did IQDEX take place?"
    # The chat's own trash icon: the follow-up is asked on its own, not rewritten from IQDEX.
    start_over(page, '#chat button[aria-label="Clear"]')
    ask(page, FOLLOW_UP)
    assert users(page) == [FOLLOW_UP] and asked_as(page) == f"Q1: {FOLLOW_UP}"
    ask(page, IQDEX)
    start_over(page)
    assert "Sources of the answer appear here" in page.locator("#sources").inner_text()
    ask(page, FOLLOW_UP)
    assert users(page) == [FOLLOW_UP] and asked_as(page) == f"Q1: {FOLLOW_UP}"


def test_conversations_are_saved_listed_reopened_exported_and_deleted(
    page: Any, rag_serve: str, tmp_path: Path
) -> None:
    open_workspace(page, rag_serve)
    page.wait_for_timeout(1000)  # the list arrives with the page's load event
    before = len(saved(page))
    assert not page.locator("#export").is_enabled(timeout=5000), "nothing to download before an answer"
    ask(page, IQDEX)
    wait_listed(page, before + 1)
    assert saved(page)[0].startswith(f"{IQDEX} · ") and saved(page)[0].endswith(" UTC")
    ask(page, FOLLOW_UP)
    start_over(page)
    ask(page, FOLLOW_UP)
    wait_listed(page, before + 2)
    start_over(page)
    assert not page.locator("#export").is_enabled()
    assert page.locator("#conversations input:checked").count() == 0

    # After a reload the conversations are still listed, newest first, and one reopens whole.
    page.reload()
    page.locator("#question textarea").wait_for(state="visible")
    wait_listed(page, before + 2)
    listed = saved(page)
    assert listed[0].startswith(FOLLOW_UP) and listed[1].startswith(IQDEX)
    page.locator("#conversations label").nth(1).click()
    page.wait_for_function("() => document.querySelectorAll('#chat [data-testid=\"user\"]').length === 2")
    assert users(page) == [IQDEX, FOLLOW_UP]
    assert page.locator('#chat [data-testid="bot"]').last.locator("a.cite-ref").count() >= 1
    assert asked_as(page) == "Q2: When did IQDEX take place?", "the last answer's sources"
    ask(page, "Where was it held?")
    rewritten = asked_as(page)
    assert rewritten.startswith("Q3: Where was") and "IQDEX" in rewritten, "the history came back too"
    page.locator('#chat [data-testid="bot"]').last.locator("a.cite-ref").first.click()
    assert page.locator("#sources .turn.current .cite-card.selected").count() == 1
    wait_listed(page, before + 2)
    assert saved(page)[0].startswith(IQDEX), "answered last, listed first"

    # Its Markdown: each answer with its [n] markers and the numbered sources under it.
    with page.expect_download() as download:
        page.locator("#export").click()
    assert download.value.suggested_filename.startswith("conversation-")
    path = tmp_path / "conversation.md"
    download.value.save_as(path)
    text = path.read_text(encoding="utf-8")
    assert text.startswith(f"# {IQDEX}\n")  # nothing in these questions needs escaping
    for n, question in enumerate([IQDEX, FOLLOW_UP, "Where was it held?"], 1):
        assert f"## Q{n}: {question}" in text
    assert "[1]" in text.split("## Q1")[1].split("Sources:")[0], "the answer keeps its markers"
    assert "- [1] *South Korea’s Strategic Pivot" in text and "OSINTSights · 2025-04-23 · `https" in text
    seed = " ".join(SEED.read_text(encoding="utf-8").split())
    quotes = [line[4:].replace("\\", "") for line in text.splitlines() if line.startswith("  > ")]
    assert len(quotes) >= 3 and all(q in seed for q in quotes)

    # Delete asks first; deleting the conversation on screen starts over.
    page.locator("#delete-conversation").click()
    page.locator("#confirm-conversation").wait_for(state="visible")
    assert IQDEX in page.locator("#confirm-conversation").inner_text()
    page.locator("#confirm-conversation-btn").click()
    wait_listed(page, before + 1)
    assert saved(page)[0].startswith(FOLLOW_UP) and not users(page)
    assert "Deleted" in page.locator("#conversation-status").inner_text()
