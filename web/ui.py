"""The Gradio Blocks workspace: Ask (filters, streamed chat, sources) and Library (ingest, list, delete).

Event handlers are synchronous generators or functions: Gradio runs them in worker threads, so a
slow answer for one analyst never blocks another. The conversation lives in per-session state.
"""

from __future__ import annotations

import html
import os
from collections.abc import Iterator
from typing import Any

import gradio as gr

from rag.assistant import Assistant
from rag.errors import RagError
from web import render, service

EXAMPLES = [
    "Which systems were discussed at IQDEX?",
    "Which countries were mentioned as buyers of South Korean weapons?",
    "Who is facing a criminal trial on fraud charges according to TechCrunch?",
]
ASK_CONCURRENCY = 8  # answers computed at once (each in its own worker thread)

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
            failed = [*asked, {"role": "assistant", "content": f"⚠ {html.escape(str(exc))}"}]
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
            size += f" · {len(rows)} match “{html.escape(query.strip())}”"
        return rows, size

    def refresh(query: str | None = "") -> tuple[Any, Any, list[list[Any]], str]:
        rows, size = library(query)
        outlets = gr.Dropdown(choices=assistant.outlets())
        categories = gr.Dropdown(choices=service.categories(assistant))
        return outlets, categories, rows, size

    def ingest(
        files: list[str] | None,
        urls: str | None,
        feeds: str | None,
        query: str | None,
        progress: gr.Progress = gr.Progress(track_tqdm=True),  # noqa: B008 (Gradio's idiom)
    ) -> tuple[str, Any, Any, list[list[Any]], str]:
        """Ingest uploads and URLs; show the summary and refresh the library and the filters."""
        progress(0, desc="Ingesting…")
        try:
            uploads, limit = service.uploads_dir(assistant), service.max_upload_bytes(assistant)
            paths = []
            for path in files or []:
                with open(path, "rb") as data:
                    paths.append(service.save_upload(uploads, path, data, limit))
            links = service.parse_urls(f"{urls or ''}\n{feeds or ''}")
            summary = service.ingest(assistant, paths, links, progress=True)
        except RagError as exc:
            raise gr.Error(str(exc)) from exc
        return service.summary_markdown(summary), *refresh(query)

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
        return "", f"Deleted “{html.escape(title)}”.", *refresh(query)

    with gr.Blocks(title="osint-rag", fill_width=True, analytics_enabled=False) as ui:
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
            [summary, *library_outputs],
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
