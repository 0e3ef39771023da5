"""Saved conversations without a browser: generated file names only, one folder per analyst, newest
first, reopened as they were, deleted, and exported as Markdown that no article text can turn into a
link or HTML. The handlers run against a real assistant on a copy of the seeded store."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from rag.assistant import Assistant
from rag.settings import load_settings
from rag.types import Answer, Citation, Filters
from tests.conftest import DATA_DIR, IQDEX, SEED
from tests.web.conftest import copy_store
from web import chats, conversations, export, service
from web.conversations import Conversations

HOSTILE = (
    'Click [here](javascript:alert(1)) or ![x](http://evil.example/p.png) <img src=x onerror="alert(1)"> '
    "<script>alert(2)</script> see http://evil.example/a and www.evil.example or mail bob@evil.example "
    "**bold** `code` &lt;b&gt; | a | b |"
)


@pytest.fixture(scope="module")
def assistant(seeded_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    store = copy_store(seeded_store, tmp_path_factory.mktemp("conversations") / "store")
    return Assistant.from_settings(load_settings(chroma_path=store, data_dir=DATA_DIR))


def answer(question: str, text: str, quote: str = "A quote.", url: str = "https://example.org/a") -> Answer:
    cited = Citation(1, "a1", "Title", "Outlet", "2025-04-23T10:00:00", url, quote, 0, len(quote))
    return Answer(question=question, text=text, citations=[cited], filters=Filters(sources=["Outlet"]))


def test_file_and_folder_names_are_generated_never_user_text(tmp_path: Path) -> None:
    store = Conversations(tmp_path)
    for forged in ("../../etc/passwd", "..", "a/b", "", "A" * 32, "0" * 31, "0" * 32 + ".json", None):
        assert store.path("alice", forged) is None  # type: ignore[arg-type]
        assert store.load("alice", forged) is None  # type: ignore[arg-type]
        assert store.delete("alice", forged) is False  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        store.save("alice", {"id": "../evil", "title": "x"})
    cid = conversations.new_id()
    store.save("../../alice", conversations.started(cid, "../../x/y?"))
    saved = list(tmp_path.rglob("*.json"))
    assert saved == [tmp_path / conversations.user_folder_name("../../alice") / f"{cid}.json"]
    assert re.fullmatch(r"user-[0-9a-f]{32}", saved[0].parent.name)
    assert conversations.user_folder_name(None) == conversations.user_folder_name("") == "anonymous"


def test_each_analyst_sees_and_opens_only_their_own_newest_first(tmp_path: Path) -> None:
    store = Conversations(tmp_path)
    first, second = conversations.new_id(), conversations.new_id()
    store.save("alice", conversations.started(first, "What happened at IQDEX?"))
    time.sleep(1.1)  # the list is ordered by the last save, to the second
    store.save("alice", conversations.started(second, "  Which   systems\nwere offered? " + "x" * 200))
    assert [s.id for s in store.list("alice")] == [second, first]
    newest = store.list("alice")[0]
    assert newest.title.startswith("Which systems were offered? x") and len(newest.title) == 80
    assert re.search(r" · \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$", newest.label)
    assert store.list("bob") == [] and store.list(None) == []
    assert store.load("bob", first) is None and store.delete("bob", first) is False
    assert store.load("alice", first) is not None
    assert store.delete("alice", first) and [s.id for s in store.list("alice")] == [second]


def test_the_export_keeps_markers_lists_sources_and_escapes_everything_else(tmp_path: Path) -> None:
    record = conversations.started(conversations.new_id(), HOSTILE)
    reply = answer(HOSTILE, f"# Heading [1].\n- item [2] [x](http://evil.example) {HOSTILE}", quote=HOSTILE)
    reply.citations[0].title = HOSTILE
    reply.citations[0].source = "<b>Outlet</b>"
    reply.citations[0].url = "https://evil.example/`x`) [y](javascript:z)"
    record = conversations.with_turn(record, reply, [], [], [])
    record["updated"] = conversations.now()
    text = export.conversation_markdown(record)
    rendered = MarkdownIt("commonmark", {"html": True}).enable("table").render(text)
    for formed in ("<a ", "<img", "<script", "<b>", "<table", "<strong>bold", "<h1>Heading"):
        assert formed not in rendered, (formed, rendered)
    assert "Click [here](javascript:alert(1))" in rendered  # shown as written
    assert "http://evil.example/a" in rendered and "&lt;script&gt;" in rendered
    assert rendered.count("<h2>") == 1 and "[1]" in rendered and "[2]" in rendered
    assert "Filters: outlets Outlet" in text
    lines = text.splitlines()
    source = next(line for line in lines if line.startswith("- [1] *"))
    assert source.endswith("· 2025-04-23 · ``https://evil.example/`x`) [y](javascript:z)``"), source
    assert lines[lines.index(source) + 2].startswith("  > Click \\[here\\]")
    assert "<code>https://evil.example/`x`) [y](javascript:z)</code>" in rendered
    outside_code = text.replace(export.code(reply.citations[0].url), "")
    for autolink in (r"\w://", r"www\.", r"(?<!\\)@"):  # what GFM's extended autolinks start from
        assert not re.search(autolink, outside_code), autolink
    assert re.fullmatch(r"conversation-\d{4}-\d{2}-\d{2}-[0-9a-f]{8}\.md", export.file_name(record))


@pytest.mark.slow  # a real assistant on the seeded store
def test_an_answer_is_saved_reopened_exported_and_deleted(assistant: Assistant) -> None:
    saving = chats.Chats(service.conversations_dir(assistant))
    assert saving.store.root == Path(assistant.settings.chroma_path) / "conversations"
    reply = assistant.ask(IQDEX)
    shown = [{"role": "user", "content": IQDEX}, {"role": "assistant", "content": "shown"}]
    history = [{"role": "user", "content": IQDEX}, {"role": "assistant", "content": reply.text}]
    cid, listing, download = saving.save_answer(None, "", reply, shown, history, ["<div>panel</div>"])
    assert re.fullmatch(r"[0-9a-f]{32}", cid)
    assert listing["choices"][0][1] == cid and listing["value"] == cid
    assert listing["choices"][0][0].startswith(IQDEX)
    exported = Path(download["value"]).read_text(encoding="utf-8")
    assert exported.startswith(f"# {export.escape(IQDEX)}\n") and f"## Q1: {export.escape(IQDEX)}" in exported
    seed = " ".join(SEED.read_text(encoding="utf-8").split())
    quotes = [line.removeprefix("  > ") for line in exported.splitlines() if line.startswith("  > ")]
    assert len(quotes) == len(reply.citations) >= 2
    for c, quote in zip(reply.citations, quotes, strict=True):
        assert f"- [{c.n}] *" in exported and c.quote.split()[0] in quote
        assert quote.replace("\\", "") in seed
    assert "OSINTSights · 2025-04-23 · `https://osintsights.com/" in exported

    follow = assistant.ask("When did it take place?", history=history)
    more = [*history, {"role": "user", "content": follow.question}]
    again, _, _ = saving.save_answer(None, cid, follow, [*shown, *shown], more, ["<p>1</p>", "<p>2</p>"])
    assert again == cid and len(list(saving.store.folder(None).glob("*.json"))) == 1
    chat, hist, panels, sources, state, opened, down, _, note = saving.reopen(None, cid)
    assert chat == state == [*shown, *shown] and hist == more and panels == ["<p>1</p>", "<p>2</p>"]
    assert opened == cid and "<p>2</p>" in sources and note == ""
    assert "## Q2: When did it take place?" in Path(down["value"]).read_text(encoding="utf-8")

    assert saving.reopen("mallory", cid)[-1].startswith("⚠"), "another analyst cannot open it"
    assert saving.ask_delete("mallory", cid)[2] == "Select a saved conversation first."
    assert saving.delete("mallory", cid, "")[1] == "Nothing to delete." and saving.store.load(None, cid)
    _, said, listing, *fresh = saving.delete(None, cid, cid)
    assert said.startswith("Deleted") and listing["choices"] == [] and fresh[:6] == list(chats.fresh()[:6])
    assert not Path(down["value"]).exists(), "its export goes with it"


def test_a_save_is_atomic_and_ignores_stray_files(tmp_path: Path) -> None:
    store = Conversations(tmp_path)
    cid = conversations.new_id()
    store.save(None, conversations.started(cid, "Q?"))
    folder = store.folder(None)
    (folder / "notes.json").write_text("{}")
    (folder / f"{conversations.new_id()}.json").write_text("not json")
    os.symlink(folder / f"{cid}.json", folder / f"{conversations.new_id()}.json")
    assert [s.id for s in store.list(None)] == [cid]
    assert json.loads((folder / f"{cid}.json").read_text())["title"] == "Q?"
    assert not list(folder.glob(".saving-*"))
