"""The Gradio Blocks workspace: Ask (filters, streamed chat, sources) and Library (ingest, list, delete).

Event handlers are synchronous generators or functions: Gradio runs them in worker threads, so a
slow answer for one analyst never blocks another. The conversation lives in per-session state.
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import gradio as gr
from gradio.utils import get_upload_folder

from rag.assistant import Assistant
from rag.errors import InputError, RagError
from web import render, security, service

EXAMPLES = [
    "Which systems were discussed at IQDEX?",
    "Which countries were mentioned as buyers of South Korean weapons?",
    "Who is facing a criminal trial on fraud charges according to TechCrunch?",
]
ASK_CONCURRENCY = 8  # answers computed at once (each in its own worker thread)
UPLOAD_SWEEP_S = 600  # how often Gradio deletes this app's temporary uploads older than STALE_UPLOAD_S

Messages = list[dict[str, str]]
Update = tuple[Any, ...]  # question box, chat, history, source panels, sources HTML, chat state


def build_ui(assistant: Assistant) -> gr.Blocks:
    """The workspace bound to one shared assistant; mount it with :func:`gradio.mount_gradio_app`."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # read at run time; no phoning home
    lookup = service.article_text(assistant)

    def respond(
        message: str,
        shown: Messages,
        history: Messages,
        panels: list[str],
        outlets: list[str] | None,
        date_from: str,
        date_to: str,
        categories: list[str] | None,
    ) -> Iterator[Update]:
        """Stream the answer into the chat, then render its citations and sources.

        Bad filters raise (a modal, nothing added to the chat); a failing backend is shown in the chat.
        """
        question = (message or "").strip()
        if not question:
            raise gr.Error("Type a question about the ingested articles first.")
        try:
            filters = service.make_filters(outlets or [], date_from, date_to, categories or [])
        except RagError as exc:
            raise gr.Error(str(exc)) from exc
        asked = [*shown, {"role": "user", "content": html.escape(question)}]
        yield "", asked, history, panels, render.sources_panel(panels), asked
        answer = None
        try:
            for text, answer in service.stream(assistant, question, filters, history):
                if answer is None:  # only the chat changes while the answer streams
                    partial = [*asked, {"role": "assistant", "content": html.escape(text)}]
                    yield gr.skip(), partial, gr.skip(), gr.skip(), gr.skip(), gr.skip()
        except RagError as exc:
            shown_error = html.escape(security.public_message(str(exc), assistant.settings))
            failed = [*asked, {"role": "assistant", "content": f"⚠ {shown_error}"}]
            yield question, failed, history, panels, render.sources_panel(panels), failed
            return
        if answer is None:  # pragma: no cover - stream always ends with the answer
            raise gr.Error("no answer came back")
        turn = len(panels) + 1
        reply = {"role": "assistant", "content": render.answer_markdown(answer, turn)}
        panels = [*panels, render.sources_turn_html(answer, turn, lookup)]
        history = [
            *history,
            {"role": "user", "content": question},
            {"role": "assistant", "content": answer.text},
        ]
        shown = [*asked, reply]
        yield "", shown, history, panels, render.sources_panel(panels), shown

    def new_conversation() -> tuple[Messages, Messages, list[str], str, Messages]:
        return [], [], [], render.sources_panel([]), []

    def library(query: str | None = "") -> tuple[list[list[Any]], str]:
        query = query or ""
        found = service.articles(assistant)
        rows = render.article_rows(found, service.chunk_counts(assistant), query)
        size = f"**Corpus:** {len(found)} articles, {assistant.chunk_count()} chunks"
        if query.strip():
            size += f" · {len(rows)} match “{render.markdown_literal(query.strip())}”"
        return rows, size

    def refresh(query: str | None = "") -> tuple[Any, Any, list[list[Any]], str]:
        rows, size = library(query)
        outlets = gr.Dropdown(choices=assistant.outlets())
        categories = gr.Dropdown(choices=service.categories(assistant))
        return outlets, categories, rows, size

    def ingest(
        files: list[str] | None, urls: str | None, feeds: str | None, query: str | None
    ) -> Iterator[tuple[Any, ...]]:
        """Queue uploads and URLs as one ingest job, show its progress, then its result per input, and
        refresh the library and the filters. Only files this app's upload route wrote are read."""
        try:
            uploads = list(_uploaded(ui, files or []))
            try:
                links = (f"{urls or ''}\n{feeds or ''}").split()
                job = assistant.jobs.submit(service.job_inputs(assistant, uploads, links))
            finally:
                for _, data in uploads:
                    data.close()
                    service.cleanup_upload(data.name, get_upload_folder())  # Gradio's copy: ours is saved
        except RagError as exc:
            raise gr.Error(security.public_message(str(exc), assistant.settings)) from exc
        cleared = (None, "", "")  # the widget and boxes empty, so the next ingest sends nothing twice
        while not assistant.jobs.wait(job, 0.5):
            yield service.job_markdown(job.to_dict()), *cleared, gr.skip(), gr.skip(), gr.skip(), gr.skip()
        yield service.job_markdown(job.to_dict()), *cleared, *refresh(query)

    def pick(table: Any, event: gr.SelectData) -> str:
        row = event.row_value or []
        return str(row[0]) if row else ""

    def delete(article_id: str, query: str | None) -> tuple[str, str, Any, Any, list[list[Any]], str]:
        article_id = (article_id or "").strip()
        if not article_id:
            raise gr.Error("Select an article in the table (or paste its id) first.")
        try:
            title = assistant.article(article_id).title
            assistant.delete_article(article_id)
        except RagError as exc:
            raise gr.Error(str(exc)) from exc
        return "", f"Deleted “{render.markdown_literal(title)}”.", *refresh(query)

    with gr.Blocks(
        title="osint-rag",
        fill_width=True,
        analytics_enabled=False,
        delete_cache=(UPLOAD_SWEEP_S, int(service.STALE_UPLOAD_S)),
    ) as ui:
        gr.Markdown("## osint-rag · grounded answers from your articles, every claim cited to its sentence")
        history = gr.State([])
        panels = gr.State([])
        with gr.Tab("Ask", id="ask"), gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=200, elem_id="filters"):
                gr.Markdown("### Filters")
                outlets = gr.Dropdown(
                    choices=assistant.outlets(),
                    multiselect=True,
                    allow_custom_value=True,
                    label="Outlets",
                    elem_id="outlets",
                )
                date_from = gr.Textbox(label="From", placeholder="YYYY-MM-DD", elem_id="date-from")
                date_to = gr.Textbox(label="To", placeholder="YYYY-MM-DD", elem_id="date-to")
                categories = gr.Dropdown(
                    choices=service.categories(assistant),
                    multiselect=True,
                    allow_custom_value=True,
                    label="Categories",
                    elem_id="categories",
                )
                clear_filters = gr.Button("Clear filters", size="sm")
            with gr.Column(scale=3, min_width=360):
                chat = gr.Chatbot(
                    elem_id="chat",
                    label="Conversation",
                    height=520,
                    feedback_options=None,
                    buttons=["copy"],
                    # Messages are HTML built by web/render (article text escaped), shown without
                    # Markdown or LaTeX so article text cannot form images, links or formulas.
                    render_markdown=False,
                    sanitize_html=True,
                    latex_delimiters=[],
                    allow_tags=False,
                )
                with gr.Row():
                    question = gr.Textbox(
                        show_label=False,
                        label="Question",
                        placeholder="Ask about the ingested articles…",
                        scale=5,
                        elem_id="question",
                        autofocus=True,
                    )
                    send = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="send")
                gr.Examples(EXAMPLES, inputs=question, label="Examples")
                new_chat = gr.Button("New conversation", size="sm")
            with gr.Column(scale=2, min_width=300):
                gr.Markdown("### Sources")
                sources = gr.HTML(
                    render.sources_panel([]), label="Sources", elem_id="sources", js_on_load=None
                )
        with gr.Tab("Library", id="library"):
            corpus = gr.Markdown(elem_id="corpus")
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
                    search = gr.Textbox(
                        label="Search articles", placeholder="title, outlet or id", elem_id="search"
                    )
                    table = gr.Dataframe(
                        headers=render.ARTICLE_COLUMNS, interactive=False, elem_id="articles", max_height=480
                    )
                    with gr.Row():
                        article_id = gr.Textbox(label="Selected article id", scale=3, elem_id="article-id")
                        delete_btn = gr.Button("Delete article", variant="stop", scale=1, elem_id="delete")
                    deleted = gr.Markdown()

        shown = gr.State([])  # the chat as displayed (the Chatbot's own value comes back reformatted)
        ask_inputs = [question, shown, history, panels, outlets, date_from, date_to, categories]
        ask_outputs = [question, chat, history, panels, sources, shown]
        question.submit(
            respond,
            ask_inputs,
            ask_outputs,
            api_name="ask",
            concurrency_limit=ASK_CONCURRENCY,
            concurrency_id="ask",
        )
        send.click(
            respond,
            ask_inputs,
            ask_outputs,
            api_visibility="private",
            concurrency_limit=ASK_CONCURRENCY,
            concurrency_id="ask",
        )
        new_chat.click(
            new_conversation, None, [chat, history, panels, sources, shown], api_visibility="private"
        )
        clear_filters.click(
            lambda: (None, "", "", None),
            None,
            [outlets, date_from, date_to, categories],
            api_visibility="private",
        )
        library_outputs = [outlets, categories, table, corpus]
        ingest_btn.click(
            ingest,
            [uploads, urls, feeds, search],
            [summary, uploads, urls, feeds, *library_outputs],
            api_name="ingest",
            concurrency_limit=1,
        )
        search.change(library, search, [table, corpus], api_visibility="private")
        table.select(pick, table, article_id, api_visibility="private")
        delete_btn.click(
            delete, [article_id, search], [article_id, deleted, *library_outputs], api_visibility="private"
        )
        ui.load(refresh, search, library_outputs, api_visibility="private")
    ui.queue(default_concurrency_limit=ASK_CONCURRENCY)
    blocks: gr.Blocks = ui
    return blocks


def _uploaded(ui: gr.Blocks, paths: list[str]) -> Iterator[tuple[str, IO[bytes]]]:
    """Open the files the upload route wrote (name, data); anything else is refused.

    Mounted (not launched), Gradio does not check a ``FileData`` path itself, so a raw API call could
    name any server file. A path must be one the upload route recorded, inside its upload folder.
    """
    folder = Path(get_upload_folder()).resolve()
    recorded = set(getattr(ui, "upload_file_set", set()))
    checked = []
    for path in paths:
        real = Path(path).resolve()
        if str(path) not in recorded or not real.is_relative_to(folder) or not real.is_file():
            raise InputError(
                f"{Path(path).name or 'file'}: not a file uploaded to this workspace; upload it with the "
                "Upload articles box (or POST it to /api/ingest)"
            )
        checked.append(real)
    for real in checked:  # Gradio keeps the file's own name as the last part of its upload path
        yield real.name, real.open("rb")
