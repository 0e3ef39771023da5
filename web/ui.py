"""The Gradio Blocks workspace: Ask (filters, streamed chat, sources, saved conversations) and Library
(web/library.py).

Event handlers are synchronous generators or functions: Gradio runs them in worker threads, so a
slow answer for one analyst never blocks another. The conversation on screen lives in per-session
state and is saved after each answer (web/chats.py). Nothing an analyst types raises into Gradio
(which would cover the chat with error badges): bad input is shown beside its field, a failing
backend in the chat. The ``/ask`` endpoint for Gradio clients keeps its own event (the same answer;
input errors come back as errors there). On a phone the chat and question come first and the
filters, conversations and sources are drawers (web/assets.py).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from typing import Any

import gradio as gr

from rag.assistant import Assistant
from rag.errors import RagError
from rag.types import Answer
from web import chats, filters, library, render, service
from web.answering import Messages, Update, answer_updates, filter_status, public

__all__ = ["EXAMPLES", "answer_updates", "build_ui"]
log = logging.getLogger("osint-rag")
EXAMPLES = [
    "Which systems were discussed at IQDEX?",
    "Which countries were mentioned as buyers of South Korean weapons?",
    "Who is facing a criminal trial on fraud charges according to TechCrunch?",
]
ASK_CONCURRENCY = 8  # answers computed at once (each in its own worker thread)
UPLOAD_SWEEP_S = 600  # how often Gradio deletes this app's temporary uploads older than STALE_UPLOAD_S
TITLE = (
    '<h2 class="app-title">osint-rag<span class="tagline"> · grounded answers from your articles, '
    "every claim cited to its sentence</span></h2>"
)


def build_ui(assistant: Assistant) -> gr.Blocks:
    """The workspace bound to one shared assistant; mount it with :func:`gradio.mount_gradio_app`."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # read at run time; no phoning home
    lookup = service.article_text(assistant)
    saving = chats.Chats(service.conversations_dir(assistant))
    skip = (gr.skip(),) * 10  # every output of the workspace's ask

    def respond(
        message: str | None,
        shown: Messages,
        history: Messages,
        panels: list[str],
        conversation: str,
        outlets: Sequence[str] | None,
        preset: str | None,
        date_from: str | None,
        date_to: str | None,
        categories: Sequence[str] | None,
        request: gr.Request,
    ) -> Iterator[tuple[Any, ...]]:
        """The workspace's ask: bad filters are shown beside them and nothing else changes; each
        answer saves the conversation (the list and the download follow)."""
        question = (message or "").strip()
        if not question:
            yield skip
            return
        try:
            chosen = filters.ui_filters(outlets, preset, date_from, date_to, categories)
        except RagError as exc:
            log.info("ask refused: %s", exc)
            yield *skip[:6], render.input_error_html(public(assistant, exc)), *skip[7:]
            return
        status = filter_status(assistant, chosen)
        answered: list[Answer] = []
        updates = answer_updates(assistant, lookup, question, shown, history, panels, chosen, answered.append)
        for i, update in enumerate(updates):
            saved: tuple[Any, ...] = skip[:3]
            if answered:  # the last update: the answer with its sources
                user = chats.username(request)
                saved = saving.save_answer(user, conversation, answered[0], update[5], update[2], update[3])
            yield *update, status if i == 0 else gr.skip(), *saved

    def respond_api(
        message: str | None,
        shown: Messages,
        history: Messages,
        panels: list[str],
        outlets: Sequence[str] | None,
        date_from: str | None,
        date_to: str | None,
        categories: Sequence[str] | None,
    ) -> Iterator[Update]:
        """``/ask`` for Gradio clients: the same answer; bad input is an error (one log line)."""
        question = (message or "").strip()
        try:
            if not question:
                raise RagError("Type a question about the ingested articles first.")
            chosen = service.make_filters(outlets or [], date_from, date_to, categories or [])
        except RagError as exc:
            log.info("ask refused: %s", exc)
            raise gr.Error(public(assistant, exc), print_exception=False) from None
        yield from answer_updates(
            assistant, lookup, question, shown or [], history or [], panels or [], chosen
        )

    def check_filters(
        outlets: Sequence[str] | None,
        preset: str | None,
        date_from: str | None,
        date_to: str | None,
        categories: Sequence[str] | None,
    ) -> str:
        try:
            return filter_status(
                assistant, filters.ui_filters(outlets, preset, date_from, date_to, categories)
            )
        except RagError as exc:
            return render.input_error_html(public(assistant, exc))

    with gr.Blocks(
        title="osint-rag",
        fill_width=True,
        analytics_enabled=False,
        delete_cache=(UPLOAD_SWEEP_S, int(service.STALE_UPLOAD_S)),
    ) as ui:
        gr.HTML(TITLE, elem_id="title")
        history = gr.State([])
        panels = gr.State([])
        shown = gr.State([])  # the chat as displayed (the Chatbot's own value comes back reformatted)
        conversation = gr.State("")  # the id of the saved conversation on screen ("" until answered)
        with gr.Tab("Ask", id="ask"), gr.Row(equal_height=False, elem_id="ask-row"):
            with gr.Column(scale=1, min_width=200, elem_id="filters"):
                with gr.Accordion("Filters", open=True, elem_id="filters-drawer"):
                    outlets = gr.Dropdown(
                        choices=assistant.outlets(),
                        multiselect=True,
                        allow_custom_value=False,
                        label="Outlets",
                        elem_id="outlets",
                    )
                    categories = gr.Dropdown(
                        choices=service.categories(assistant),
                        multiselect=True,
                        allow_custom_value=False,
                        label="Categories",
                        elem_id="categories",
                    )
                    preset = gr.Radio(
                        list(filters.DATE_PRESETS), value="Any time", label="Published", elem_id="date-preset"
                    )
                    with gr.Column(visible=False, elem_id="custom-dates") as custom_dates:
                        date_from = gr.Textbox(label="From", placeholder="YYYY-MM-DD", elem_id="date-from")
                        date_to = gr.Textbox(label="To", placeholder="YYYY-MM-DD", elem_id="date-to")
                    status = gr.HTML(elem_id="filter-status")
                    clear_filters = gr.Button("Clear filters", size="sm")
                with gr.Accordion("Conversations", open=True, elem_id="conversations-drawer"):
                    drawer = chats.drawer()
            with gr.Column(scale=3, min_width=360, elem_id="chat-col"):
                chat = gr.Chatbot(
                    elem_id="chat",
                    label="Conversation",
                    height=520,
                    autoscroll=False,  # a long answer keeps its first line in view (web/assets.py)
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
                examples = gr.Examples(EXAMPLES, inputs=question, label="Examples")
                with gr.Row():
                    new_chat = gr.Button("New conversation", size="sm", elem_id="new-conversation")
                    download = gr.DownloadButton(
                        "Download as Markdown", size="sm", interactive=False, elem_id="export"
                    )
            with (
                gr.Column(scale=2, min_width=300, elem_id="sources-col"),
                gr.Accordion("Sources", open=True, elem_id="sources-drawer"),
            ):
                sources = gr.HTML(render.sources_panel([]), elem_id="sources", js_on_load=None)
        with gr.Tab("Library", id="library"):
            parts = library.build(assistant, ui, outlets, categories)

        filter_inputs = [outlets, preset, date_from, date_to, categories]
        state = [shown, history, panels]
        outputs = [question, chat, history, panels, sources, shown]
        private: dict[str, Any] = {"api_visibility": "private", "preprocess": False}
        asking: dict[str, Any] = {
            "concurrency_limit": ASK_CONCURRENCY,
            "concurrency_id": "ask",
            "show_progress_on": [chat],
        }
        ask = {
            "fn": respond,
            "inputs": [question, *state, conversation, *filter_inputs],
            "outputs": [*outputs, status, conversation, drawer.saved, download],
            **private,
            **asking,
        }
        asked = gr.on([question.submit, send.click], **ask)
        chip = examples.load_input_event.then(**ask)  # an example chip asks its question
        # /ask for Gradio clients (no trigger in the page): the inputs and outputs it always had
        gr.on(
            [],
            respond_api,
            [question, *state, outlets, date_from, date_to, categories],
            outputs,
            api_name="ask",
            preprocess=False,
            **asking,
        )
        # One way to start over: the button and the chat's own trash icon reset the same state, and
        # an answer still streaming is cancelled so that it cannot come back into the new chat.
        screen = [chat, history, panels, sources, shown, conversation, download]
        saving.wire(ui, drawer, screen, [new_chat.click, chat.clear], [asked, chip])
        preset.change(lambda p: gr.update(visible=p == filters.CUSTOM_RANGE), preset, custom_dates, **private)
        recount: dict[str, Any] = {
            "fn": check_filters,
            "inputs": filter_inputs,
            "outputs": status,
            "show_progress": "hidden",
        }
        changed = [outlets.change, categories.change, preset.change, date_from.blur, date_to.blur]
        gr.on([*changed, date_from.submit, date_to.submit], **recount, **private, trigger_mode="always_last")
        clear_filters.click(
            lambda: (None, "Any time", "", "", None),
            None,
            [outlets, preset, date_from, date_to, categories],
            api_visibility="private",
        ).then(**recount, **private)
        for event in parts.changed:  # an ingest, delete or undo changed what the filters count
            event.then(**recount, **private)
        ui.load(library.refresh_for(assistant), parts.search, parts.refreshed, api_visibility="private").then(
            **recount, **private
        )
    ui.queue(default_concurrency_limit=ASK_CONCURRENCY)
    blocks: gr.Blocks = ui
    return blocks
