"""An answer as workspace updates: the question, the chat as it streams, then the answer's citations
and sources. Shared by the workspace's ask and the ``/ask`` endpoint for Gradio clients.

Each text delta the assistant streams is one chat update, so an LLM's tokens show as they are written.
Nothing an analyst types raises here: filters that let no article through are said in the chat, a
failing backend too (the question kept in its box for a retry).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Iterator
from typing import Any

import gradio as gr

from rag.assistant import Assistant
from rag.errors import RagError
from rag.types import Answer, Filters
from web import filters, render, service, words

log = logging.getLogger("osint-rag")
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
    on_answer: Callable[[Answer], None] | None = None,
) -> Iterator[Update]:
    """Stream the answer into the chat, then render its citations and sources. Filters that let no
    stored article through are said so plainly, without running the question; a failing backend is
    shown in the chat, the question kept in its box for a retry. ``on_answer`` gets the answer just
    before the last update."""
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
    panels = [*panels, render.sources_turn_html(answer, turn, lookup, service.article_reporters(assistant))]
    history = [
        *history,
        {"role": "user", "content": question},
        {"role": "assistant", "content": answer.text},
    ]
    shown = [*asked, reply]
    if on_answer is not None:
        on_answer(answer)
    yield "", shown, history, panels, render.sources_panel(panels), shown


def public(assistant: Assistant, exc: BaseException) -> str:
    """An error for the workspace: file names, not server paths, in plain words."""
    return words.public(str(exc), assistant.settings)


def filter_status(assistant: Assistant, chosen: Filters) -> str:
    matching, total = filters.filter_counts(assistant, chosen)
    return render.filter_status_html(matching, total, not chosen.is_empty())
