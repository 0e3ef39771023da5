"""The workspace's handlers against a real assistant on a copy of the seeded store (no server): a
result per upload, undo of a delete, and filters that let no article through."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from gradio.utils import get_upload_folder

from rag.assistant import Assistant
from rag.settings import load_settings
from rag.types import Filters
from tests.conftest import DATA_DIR, IQDEX
from tests.web.conftest import copy_store
from web import filters, library, service, ui


@pytest.fixture(scope="module")
def assistant(seeded_store: Path, tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    store = copy_store(seeded_store, tmp_path_factory.mktemp("workspace") / "store")
    return Assistant.from_settings(load_settings(chroma_path=store, data_dir=DATA_DIR))


@pytest.fixture
def upload_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "gradio"
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(folder))
    yield folder


def upload(blocks: object, folder: Path, name: str, body: bytes | None) -> str:
    """A file as Gradio's upload route leaves it (``None``: recorded but never landed)."""
    path = folder / name.replace(".", "-") / name
    if body is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
    blocks.upload_file_set.add(str(path))  # type: ignore[attr-defined]
    return str(path)


def test_each_upload_and_url_gets_its_own_result(assistant: Assistant, upload_folder: Path) -> None:
    blocks = ui.build_ui(assistant)
    article = b"---\ntitle: Cranes\nsource: Test Gazette\npublished_at: 2024-02-11\n---\n\nThe port authority"
    article += b" of Port Verlaine switched its twelve harbour cranes to solar power in January.\n"
    files = [
        upload(blocks, upload_folder, "cranes.md", article),
        upload(blocks, upload_folder, "empty.md", b""),
        upload(blocks, upload_folder, "lost.md", None),
    ]
    inputs = library.job_inputs(assistant, blocks, files, library.links("not a url", ""))
    assert [i.name for i in inputs] == ["cranes.md", "empty.md", "not a url", "lost.md"]
    assert [bool(i.error) for i in inputs] == [False, True, True, True]
    assert str(get_upload_folder()) == str(upload_folder) and not list(upload_folder.rglob("*.md"))
    job = assistant.jobs.submit(inputs)
    assert assistant.jobs.wait(job, 120)
    shown = service.job_markdown(job.to_dict())
    assert "Added 1" in shown and "failed 3" in shown
    for said in ("empty&#46;md&#58; the file is empty", "“not a url” is not a web address", "lost&#46;md"):
        assert said in shown, shown
    forged = str(upload_folder.parent / "secret.md")
    with pytest.raises(Exception, match="not a file uploaded to this workspace"):
        library.job_inputs(assistant, blocks, [forged], [])
    cranes = next(a for a in assistant.articles() if a.title == "Cranes")
    assistant.delete_article(cranes.id)


def test_links_keep_a_line_that_is_not_a_url_whole() -> None:
    assert library.links("not a url\n\n https://a.org/x  https://b.org/y \n", "http://c.org/feed") == [
        "not a url",
        "https://a.org/x",
        "https://b.org/y",
        "http://c.org/feed",
    ]


def test_a_deleted_article_comes_back_from_its_stored_text(assistant: Assistant) -> None:
    original = assistant.articles()[0]
    assistant.delete_article(original.id)
    assert all(a.id != original.id for a in assistant.articles())
    restore = service.restore_input(assistant, original)
    assert json.loads(Path(restore.target).read_text(encoding="utf-8"))["body"] == original.text
    job = assistant.jobs.submit([restore])
    assert assistant.jobs.wait(job, 120) and job.to_dict()["added"] == 1, job.to_dict()
    back = assistant.article(original.id)  # the same text, so the same id
    assert (back.title, back.source, back.published_at[:10], back.url, back.text) == (
        original.title,
        original.source,
        original.published_at[:10],
        original.url,
        original.text,
    )
    assert not Path(restore.target).exists(), "the restore file is removed once ingested"
    assert assistant.ask(IQDEX).citations, "answers cite it again"


def test_filters_that_let_nothing_through_are_said_so_without_asking(assistant: Assistant) -> None:
    lookup = service.article_text(assistant)
    nowhere = Filters(sources=["Nowhere Herald"])
    assert filters.filter_counts(assistant, nowhere) == (0, len(assistant.articles()))
    updates = list(ui.answer_updates(assistant, lookup, IQDEX, [], [], [], nowhere))
    assert len(updates) == 1
    kept, chat, history, panels, _, _ = updates[0]
    assert kept == IQDEX and history == [] and panels == []
    assert "No article matches these filters:</b> outlets Nowhere Herald" in chat[-1]["content"]
    answered = list(ui.answer_updates(assistant, lookup, IQDEX, [], [], [], Filters(sources=["OSINTSights"])))
    assert "cite-ref" in answered[-1][1][-1]["content"] and len(answered[-1][2]) == 2


def test_bad_input_is_one_log_line_not_a_traceback(
    assistant: Assistant, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    from gradio_client import Client

    from app import build_app
    from tests.web.conftest import ThreadServer

    caplog.set_level(logging.INFO, logger="osint-rag")
    with ThreadServer(build_app(assistant)) as server:
        client = Client(f"{server.base}/", verbose=False, download_files=False)
        with pytest.raises(Exception, match="'01/11/2023' is not a date") as raised:
            client.predict(IQDEX, [], "01/11/2023", "", [], api_name="/ask")
        assert type(raised.value).__name__ == "AppError"
    assert "Traceback" not in capfd.readouterr().err
    refused = [r for r in caplog.records if "ask refused" in r.getMessage()]
    assert len(refused) == 1 and "\n" not in refused[0].getMessage() and refused[0].exc_info is None
