"""The Gradio Blocks workspace: Ask (filters, streamed chat, sources) and Library (web/library.py).

Event handlers are synchronous generators or functions: Gradio runs them in worker threads, so a
slow answer for one analyst never blocks another. The conversation lives in per-session state.
Nothing an analyst types raises into Gradio (which would cover the chat with error badges): bad
input is shown beside its field, a failing backend in the chat. The ``/ask`` endpoint for Gradio
clients keeps its own event (the same answer; input errors come back as errors there).
"""

from __future__ import annotations

import html
import logging
import os
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import gradio as gr

from rag.assistant import Assistant
from rag.errors import RagError
from rag.types import Filters
from web import filters, library, render, service, words

log = logging.getLogger("osint-rag")
EXAMPLES = [
    "Which systems were discussed at IQDEX?",
    "Which countries were mentioned as buyers of South Korean weapons?",
    "Who is facing a criminal trial on fraud charges according to TechCrunch?",
]
ASK_CONCURRENCY = 8  # answers computed at once (each in its own worker thread)
UPLOAD_SWEEP_S = 600  # how often Gradio deletes this app's temporary uploads older than STALE_UPLOAD_S

Messages = list[dict[str, str]]
Update = tuple[Any, ...]  # question box, chat, history, source panels, sources HTML, chat state
Lookup = Callable[[str], str | None]


def answer_updates(
    assistant: Assistant,
    lookup: Lookup,
    question: str,
    shown: Messages,
    history: Messages,
    panels: list[str],
    chosen: Filters,
) -> Iterator[Update]:
    """Stream the answer into the chat, then render its citations and sources. Filters that let no
    stored article through are said so plainly, without running the question; a failing backend is
    shown in the chat, the question kept in its box for a retry."""
    asked = [*shown, {"role": "user", "content": html.escape(question)}]
    if not chosen.is_empty() and filters.filter_counts(assistant, chosen)[0] == 0:
        said = [*asked, {"role": "assistant", "content": render.no_match_html(chosen)}]
        yield question, said, history, panels, render.sources_panel(panels), said
        return
    yield "", asked, history, panels, render.sources_panel(panels), asked
    answer = None
    try:
        for text, answer in service.stream(assistant, question, chosen, history):
            if answer is None:  # only the chat changes while the answer streams
                partial = [*asked, {"role": "assistant", "content": html.escape(text)}]
                yield gr.skip(), partial, gr.skip(), gr.skip(), gr.skip(), gr.skip()
    except RagError as exc:
        log.warning("ask failed: %s", exc)
        failed = [*asked, {"role": "assistant", "content": f"⚠ {html.escape(public(assistant, exc))}"}]
        yield question, failed, history, panels, render.sources_panel(panels), failed
        return
    except Exception:  # a bug: the log has it, the workspace stays usable
        log.exception("answering %r failed", question)
        note = "⚠ Something went wrong while answering; try again (the server log has the details)."
        failed = [*asked, {"role": "assistant", "content": note}]
        yield question, failed, history, panels, render.sources_panel(panels), failed
        return
    if answer is None:  # pragma: no cover - stream always ends with the answer
        return
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


def public(assistant: Assistant, exc: BaseException) -> str:
    """An error for the workspace: file names, not server paths, in plain words."""
    return words.public(str(exc), assistant.settings)


def filter_status(assistant: Assistant, chosen: Filters) -> str:
    matching, total = filters.filter_counts(assistant, chosen)
    return render.filter_status_html(matching, total, not chosen.is_empty())


def build_ui(assistant: Assistant) -> gr.Blocks:
    """The workspace bound to one shared assistant; mount it with :func:`gradio.mount_gradio_app`."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # read at run time; no phoning home
    lookup = service.article_text(assistant)
    skip6 = (gr.skip(),) * 6

    def respond(
        message: str | None,
        shown: Messages,
        history: Messages,
        panels: list[str],
        outlets: Sequence[str] | None,
        preset: str | None,
        date_from: str | None,
        date_to: str | None,
        categories: Sequence[str] | None,
    ) -> Iterator[tuple[Any, ...]]:
        """The workspace's ask: bad filters are shown beside them and nothing else changes."""
        question = (message or "").strip()
        if not question:
            yield *skip6, gr.skip()
            return
        try:
            chosen = filters.ui_filters(outlets, preset, date_from, date_to, categories)
        except RagError as exc:
            log.info("ask refused: %s", exc)
            yield *skip6, render.input_error_html(public(assistant, exc))
            return
        status = filter_status(assistant, chosen)
        for i, update in enumerate(
            answer_updates(assistant, lookup, question, shown, history, panels, chosen)
        ):
            yield *update, status if i == 0 else gr.skip()

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

    def new_conversation() -> tuple[Messages, Messages, list[str], str, Messages]:
        return [], [], [], render.sources_panel([]), []

    with gr.Blocks(
        title="osint-rag",
        fill_width=True,
        analytics_enabled=False,
        delete_cache=(UPLOAD_SWEEP_S, int(service.STALE_UPLOAD_S)),
    ) as ui:
        gr.Markdown("## osint-rag · grounded answers from your articles, every claim cited to its sentence")
        history = gr.State([])
        panels = gr.State([])
        shown = gr.State([])  # the chat as displayed (the Chatbot's own value comes back reformatted)
        with gr.Tab("Ask", id="ask"), gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=200, elem_id="filters"):
                gr.Markdown("### Filters")
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
        gr.on(
            [question.submit, send.click],
            respond,
            [question, *state, *filter_inputs],
            [*outputs, status],
            **private,
            **asking,
        )
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
        new_chat.click(
            new_conversation, None, [chat, history, panels, sources, shown], api_visibility="private"
        )
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
