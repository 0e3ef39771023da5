"""The Library tab: ingest uploads and URLs (a result per input), search the articles, delete one
after a confirmation, and undo the last delete (the article is added back from its stored text).

Errors are shown beside the inputs they are about; the table is never replaced by an error.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import gradio as gr
from gradio.utils import get_upload_folder

from rag.assistant import Assistant
from rag.errors import InputError, RagError
from rag.jobs import IngestJob, JobInput
from rag.types import Article
from web import render, service, words

log = logging.getLogger("osint-rag")
UPLOAD_ARRIVAL_S = 2.0  # how long a recorded upload may take to land (Gradio moves it after replying)
Refreshed = tuple[Any, Any, list[list[Any]], str]  # outlets, categories, table, corpus line


@dataclass
class Parts:
    """What the Ask tab needs from the Library: its search box, the outputs a refresh fills, and the
    events after which the filter counts change."""

    search: gr.Textbox
    refreshed: list[Any]
    changed: list[Any]


def corpus_line(found: int, shown: int, query: str) -> str:
    line = f"**Library:** {found} article{'s' if found != 1 else ''}"
    if query.strip():
        line += f" · {shown} match “{render.markdown_literal(query.strip())}”"
    return line


def table(assistant: Assistant, query: str | None) -> tuple[list[list[Any]], str]:
    found = service.articles(assistant)
    rows = render.library_rows(found, query or "")
    return rows, corpus_line(len(found), len(rows), query or "")


def refresh_for(assistant: Assistant) -> Callable[..., Refreshed]:
    """The filters' choices (only what the store holds; selected values it no longer holds dropped),
    the table and the corpus line."""

    def refresh(
        query: str | None = "", outlets: Sequence[str] | None = None, categories: Sequence[str] | None = None
    ) -> Refreshed:
        rows, line = table(assistant, query)
        return (
            choices(assistant.outlets(), outlets),
            choices(service.categories(assistant), categories),
            rows,
            line,
        )

    return refresh


def choices(stored: list[str], chosen: Sequence[str] | None) -> Any:
    """A filter dropdown offering ``stored``; of ``chosen`` (when given) only what is still stored."""
    if chosen is None:
        return gr.Dropdown(choices=stored)
    return gr.Dropdown(choices=stored, value=[c for c in chosen if c in stored])


def error_markdown(assistant: Assistant, exc: BaseException) -> str:
    return f"⚠ {render.markdown_literal(words.public(str(exc), assistant.settings))}"


def links(*texts: str | None) -> list[str]:
    """URLs from the URL boxes: one per line (a line of several URLs split at its spaces); a line that
    is not a URL stays whole, so it fails as one input."""
    found: list[str] = []
    for text in texts:
        for line in (text or "").splitlines():
            tokens = line.split()
            whole = len(tokens) > 1 and not all(service.URL.match(t) for t in tokens)
            found.extend([line.strip()] if whole else tokens)
    return found


def uploaded(ui: gr.Blocks, paths: Sequence[str]) -> Iterator[tuple[str, IO[bytes] | None, str]]:
    """(name, data, error) for each file the upload route wrote; a path it did not write is refused.

    Mounted (not launched), Gradio does not check a ``FileData`` path itself, so a raw API call could
    name any server file: a path must be one the upload route recorded, inside its upload folder
    (else :class:`InputError` for the whole call). A recorded file that never landed (an empty or cut
    upload) fails alone.
    """
    folder = Path(get_upload_folder()).resolve()
    recorded = set(getattr(ui, "upload_file_set", set()))
    checked = []
    for path in paths:
        real = Path(path).resolve()
        if str(path) not in recorded or not real.is_relative_to(folder):
            raise InputError(
                f"{Path(path).name or 'file'}: not a file uploaded to this workspace; upload it with the "
                "Upload articles box (or POST it to /api/ingest)"
            )
        checked.append(real)
    deadline = time.monotonic() + UPLOAD_ARRIVAL_S
    for real in checked:  # Gradio keeps the file's own name as the last part of its upload path
        while not real.is_file() and time.monotonic() < deadline:
            time.sleep(0.05)
        if real.is_file():
            yield real.name, real.open("rb"), ""
        else:
            yield real.name, None, f"{real.name}: the upload did not arrive (an empty file?); upload it again"


def job_inputs(
    assistant: Assistant, ui: gr.Blocks, files: Sequence[str], urls: Sequence[str]
) -> list[JobInput]:
    """A job input per upload and URL, each refused alone when it cannot be read."""
    items = list(uploaded(ui, files))
    opened = [(name, data) for name, data, _ in items if data is not None]
    try:
        inputs = service.job_inputs(assistant, opened, urls) if opened or urls else []
    finally:
        for _, data in opened:
            data.close()
            service.cleanup_upload(data.name, get_upload_folder())  # Gradio's copy: ours is saved
    refused = [JobInput("", name, error=error) for name, data, error in items if data is None]
    if not inputs and not refused:
        raise InputError("nothing to ingest: upload files or give page or feed URLs")
    return inputs + refused


def build(assistant: Assistant, ui: gr.Blocks, outlets: gr.Dropdown, categories: gr.Dropdown) -> Parts:
    """The Library tab's components and events (call inside the tab)."""
    refresh = refresh_for(assistant)
    private: dict[str, Any] = {"api_visibility": "private"}

    def run(job: IngestJob, query: str | None, *held: Any) -> Iterator[tuple[Any, ...]]:
        while not assistant.jobs.wait(job, 0.5):
            yield service.job_markdown(job.to_dict()), *held, gr.skip(), gr.skip(), gr.skip(), gr.skip()
        clean = lambda text: words.public(text, assistant.settings)  # noqa: E731
        yield service.job_markdown(job.to_dict(), clean), *held, *refresh(query)

    def ingest(
        files: list[str] | None, urls: str | None, feeds: str | None, query: str | None
    ) -> Iterator[tuple[Any, ...]]:
        """Queue uploads and URLs as one ingest job (the upload box and URL boxes emptied at once, so
        the next ingest sends nothing twice), show its progress, then a result per input, and refresh
        the library and the filters. Only files this app's upload route wrote are read."""
        try:
            inputs = job_inputs(assistant, ui, files or [], links(urls, feeds))
        except InputError as exc:
            if "not a file uploaded to this workspace" in str(exc):  # a forged raw call, not the page
                log.warning("ingest refused: %s", exc)
                raise gr.Error(words.public(str(exc), assistant.settings), print_exception=False) from None
            log.info("ingest refused: %s", exc)
            yield error_markdown(assistant, exc), *(gr.skip(),) * 7
            return
        try:
            job = assistant.jobs.submit(inputs)
        except RagError as exc:
            log.info("ingest refused: %s", exc)
            yield error_markdown(assistant, exc), *(gr.skip(),) * 7
            return
        yield from run(job, query, None, "", "")

    def pick(event: gr.SelectData) -> str:
        row = event.row_value or []
        return str(row[-1]) if row else ""  # the id is the last column

    def ask_delete(article_id: str | None) -> tuple[Any, str, str, str]:
        article_id = (article_id or "").strip()
        try:
            if not article_id:
                raise InputError("select an article in the table (or paste its id) first")
            found = assistant.article(article_id)
        except RagError as exc:
            return gr.update(visible=False), "", error_markdown(assistant, exc), ""
        what = f"“{found.title}” ({found.source or 'unknown outlet'}, {found.published_at[:10] or 'undated'})"
        question = f"Delete {render.markdown_literal(what)}? Answers will no longer cite it."
        return gr.update(visible=True), question, "", article_id

    def delete(
        article_id: str,
        query: str | None,
        chosen_outlets: list[str] | None,
        chosen_categories: list[str] | None,
    ) -> tuple[Any, ...]:
        hide = gr.update(visible=False)
        try:
            found = assistant.article(article_id)
            assistant.delete_article(article_id)
        except RagError as exc:
            log.info("delete refused: %s", exc)
            return hide, error_markdown(assistant, exc), hide, None, *(gr.skip(),) * 5
        said = f"Deleted “{render.markdown_literal(found.title)}”."
        shown = refresh(query, chosen_outlets, chosen_categories)
        return hide, said, gr.update(visible=True), found, "", *shown

    def undo(deleted: Article | None, query: str | None) -> Iterator[tuple[Any, ...]]:
        hide = gr.update(visible=False)
        if deleted is None:
            yield "Nothing to undo.", hide, None, *(gr.skip(),) * 4
            return
        try:
            job = assistant.jobs.submit([service.restore_input(assistant, deleted)])
        except RagError as exc:
            yield error_markdown(assistant, exc), gr.skip(), gr.skip(), *(gr.skip(),) * 4
            return
        yield f"Restoring “{render.markdown_literal(deleted.title)}”…", hide, None, *(gr.skip(),) * 4
        assistant.jobs.wait(job, 600)
        result = job.to_dict()
        if result["failed"] or result["error"]:
            yield service.job_markdown(result), gr.skip(), deleted, *refresh(query)
            return
        yield f"Restored “{render.markdown_literal(deleted.title)}”.", hide, None, *refresh(query)

    corpus = gr.Markdown(elem_id="corpus")
    pending, last_deleted = gr.State(""), gr.State(None)
    with gr.Row(equal_height=False):
        with gr.Column(scale=1, min_width=280):
            uploads = gr.File(
                label="Upload articles", file_count="multiple", type="filepath", elem_id="uploads"
            )
            urls = gr.Textbox(label="Page URLs (one per line)", lines=2, elem_id="urls")
            feeds = gr.Textbox(label="Feed URLs (RSS/Atom, one per line)", lines=2, elem_id="feeds")
            ingest_btn = gr.Button("Ingest", variant="primary", elem_id="ingest")
            summary = gr.Markdown(elem_id="ingest-summary")
        with gr.Column(scale=3):
            search = gr.Textbox(label="Search articles", placeholder="title, outlet or id", elem_id="search")
            articles = gr.Dataframe(
                headers=render.LIBRARY_COLUMNS,
                datatype=["str"] * len(render.LIBRARY_COLUMNS),
                interactive=False,
                elem_id="articles",
                max_height=480,
                wrap=True,
                column_widths=["44%", "16%", "12%", "12%", "16%"],
            )
            with gr.Row():
                article_id = gr.Textbox(label="Selected article id", scale=3, elem_id="article-id")
                delete_btn = gr.Button("Delete article…", variant="stop", scale=1, elem_id="delete")
            with gr.Row(visible=False, elem_id="confirm-delete") as confirm:
                confirm_text = gr.Markdown(elem_id="confirm-text")
                confirm_btn = gr.Button("Delete", variant="stop", size="sm", elem_id="confirm-delete-btn")
                cancel_btn = gr.Button("Cancel", size="sm", elem_id="cancel-delete")
            deleted = gr.Markdown(elem_id="delete-status")
            undo_btn = gr.Button("Undo delete", size="sm", visible=False, elem_id="undo-delete")

    refreshed = [outlets, categories, articles, corpus]
    ingested = ingest_btn.click(
        ingest,
        [uploads, urls, feeds, search],
        [summary, uploads, urls, feeds, *refreshed],
        api_name="ingest",
        concurrency_limit=1,
        show_progress_on=[summary],
    )
    search.change(lambda q: table(assistant, q), search, [articles, corpus], **private)
    articles.select(pick, None, article_id, **private)
    delete_btn.click(ask_delete, article_id, [confirm, confirm_text, deleted, pending], **private)
    cancel_btn.click(lambda: (gr.update(visible=False), ""), None, [confirm, deleted], **private)
    removed = confirm_btn.click(
        delete,
        [pending, search, outlets, categories],
        [confirm, deleted, undo_btn, last_deleted, article_id, *refreshed],
        preprocess=False,
        **private,
    )
    restored = undo_btn.click(
        undo, [last_deleted, search], [deleted, undo_btn, last_deleted, *refreshed], **private
    )
    return Parts(search, refreshed, [ingested, removed, restored])
