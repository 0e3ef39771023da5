"""The Ask tab's conversations: start over, save after each answer, list, reopen, delete, export.

A conversation is saved server-side after each answer (web/conversations.py) in the folder of the
analyst signed in (``gr.Request.username``; a shared ``anonymous`` folder without login). Every
handler takes the user from the request, never from the page, so a session only ever lists, opens,
deletes or exports its own analyst's conversations. The Markdown export (web/export.py) is written to
a private temporary folder and handed to the download button, which serves a copy under a path only
this session learns.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr

from rag.types import Answer
from web import conversations, export, render
from web.conversations import Conversations, Record
from web.render import markdown_literal

log = logging.getLogger("osint-rag")
Messages = list[dict[str, str]]


def username(request: gr.Request | None) -> str | None:
    """The analyst signed in to the workspace; None when login is off."""
    if request is None:
        return None
    return getattr(request, "username", None) or None


@dataclass
class Drawer:
    """The Conversations drawer's components."""

    saved: gr.Radio
    delete: gr.Button
    confirm: gr.Row
    confirm_text: gr.Markdown
    confirm_btn: gr.Button
    cancel_btn: gr.Button
    status: gr.Markdown


def drawer() -> Drawer:
    """The list of saved conversations and its delete control (call inside the layout)."""
    saved = gr.Radio(
        choices=[], value=None, label="Saved conversations", elem_id="conversations", show_label=False
    )
    delete = gr.Button("Delete conversation…", size="sm", elem_id="delete-conversation")
    with gr.Row(visible=False, elem_id="confirm-conversation") as confirm:
        confirm_text = gr.Markdown(elem_id="confirm-conversation-text")
        confirm_btn = gr.Button("Delete", size="sm", variant="stop", elem_id="confirm-conversation-btn")
        cancel_btn = gr.Button("Cancel", size="sm", elem_id="cancel-conversation")
    status = gr.Markdown(elem_id="conversation-status")
    return Drawer(saved, delete, confirm, confirm_text, confirm_btn, cancel_btn, status)


def no_download() -> Any:
    return gr.update(value=None, interactive=False)


class Chats:
    """Saved conversations of the workspace's analysts, and their Markdown exports."""

    def __init__(self, root: str | Path) -> None:
        self.store = Conversations(root)
        self.exports = Path(tempfile.mkdtemp(prefix="osint-rag-exports-"))  # private (0700), not served
        weakref.finalize(self, shutil.rmtree, self.exports, ignore_errors=True)

    def listing(self, user: str | None, selected: str | None = None) -> Any:
        """The list of ``user``'s conversations (newest first), ``selected`` chosen."""
        found = self.store.list(user)
        ids = {s.id for s in found}
        return gr.update(
            choices=[(s.label, s.id) for s in found], value=selected if selected in ids else None
        )

    def export_file(self, user: str | None, record: Record) -> str:
        """The conversation as Markdown in a file named by its date and id; its path."""
        folder = self.exports / conversations.user_folder_name(user) / str(record["id"])
        shutil.rmtree(folder, ignore_errors=True)  # one file per conversation: the latest export
        folder.mkdir(parents=True)
        path = folder / export.file_name(record)
        path.write_text(export.conversation_markdown(record), encoding="utf-8")
        return str(path)

    def download(self, user: str | None, record: Record) -> Any:
        return gr.update(value=self.export_file(user, record), interactive=True)

    def save_answer(
        self,
        user: str | None,
        conversation_id: str,
        answer: Answer,
        shown: Messages,
        history: Messages,
        panels: list[str],
    ) -> tuple[str, Any, Any]:
        """Save the conversation after ``answer`` (a new one when ``conversation_id`` is not one of
        ``user``'s); its id, the list and the download button."""
        record = self.store.load(user, conversation_id) if conversation_id else None
        if record is None:
            conversation_id = conversations.new_id()
            record = conversations.started(conversation_id, answer.question)
        record = conversations.with_turn(record, answer, shown, history, panels)
        try:
            self.store.save(user, record)
        except OSError as exc:  # a full disk must not lose the answer on screen
            log.warning("saving conversation %s failed: %s", conversation_id, exc)
            return conversation_id, gr.skip(), gr.skip()
        saved = self.store.load(user, conversation_id) or record
        return conversation_id, self.listing(user, conversation_id), self.download(user, saved)

    def reopen(self, user: str | None, conversation_id: str | None) -> tuple[Any, ...]:
        """Chat, history, panels, sources, chat state, id, download button and a note for the
        conversation picked; nothing changes but the note when it is not one of ``user``'s."""
        record = self.store.load(user, conversation_id or "")
        if record is None:
            note = "⚠ That conversation is no longer saved."
            return *(gr.skip(),) * 6, gr.skip(), self.listing(user), note
        shown = list(record.get("shown") or [])
        panels = [str(p) for p in record.get("panels") or []]
        history = list(record.get("history") or [])
        return (
            shown,
            history,
            panels,
            render.sources_panel(panels),
            shown,
            record["id"],
            self.download(user, record),
            gr.skip(),
            "",
        )

    def ask_delete(self, user: str | None, conversation_id: str | None) -> tuple[Any, str, str]:
        record = self.store.load(user, conversation_id or "")
        if record is None:
            return gr.update(visible=False), "", "Select a saved conversation first."
        title = markdown_literal(str(record.get("title", "")))
        return gr.update(visible=True), f"Delete “{title}”?", ""

    def delete(self, user: str | None, conversation_id: str | None, current: str) -> tuple[Any, ...]:
        """Delete the picked conversation; when it is the one on screen, start over too."""
        hide = gr.update(visible=False)
        record = self.store.load(user, conversation_id or "")
        if record is None or not self.store.delete(user, str(record["id"])):
            return hide, "Nothing to delete.", self.listing(user), *(gr.skip(),) * 7
        with contextlib.suppress(OSError):
            shutil.rmtree(self.exports / conversations.user_folder_name(user) / str(record["id"]))
        said = f"Deleted “{markdown_literal(str(record.get('title', '')))}”."
        if record["id"] != current:
            return hide, said, self.listing(user, current), *(gr.skip(),) * 7
        return hide, said, self.listing(user), *fresh()

    def wire(
        self,
        ui: gr.Blocks,
        drawer: Drawer,
        screen: Sequence[Any],
        starts: Sequence[Any],
        cancels: Sequence[Any],
    ) -> None:
        """The drawer's events, and starting over on each of ``starts`` (cancelling ``cancels``).

        ``screen``: the chat, history, source panels, sources, chat state, conversation id and download
        button. The analyst is always the request's, whatever a call sends.
        """
        private: dict[str, Any] = {"api_visibility": "private", "preprocess": False}
        shown = [*screen, drawer.saved, drawer.status]

        def new_conversation() -> tuple[Any, ...]:
            return *fresh(), gr.update(value=None), ""

        def listed(request: gr.Request) -> Any:
            return self.listing(username(request))

        def reopen(picked: str | None, request: gr.Request) -> tuple[Any, ...]:
            return self.reopen(username(request), picked)

        def ask_delete(picked: str | None, request: gr.Request) -> tuple[Any, ...]:
            return self.ask_delete(username(request), picked)

        def delete(picked: str | None, current: str, request: gr.Request) -> tuple[Any, ...]:
            return self.delete(username(request), picked, current)

        gr.on(list(starts), new_conversation, None, shown, api_visibility="private", cancels=list(cancels))
        drawer.saved.input(reopen, drawer.saved, shown, cancels=list(cancels), **private)
        confirming = [drawer.confirm, drawer.confirm_text, drawer.status]
        drawer.delete.click(ask_delete, drawer.saved, confirming, **private)
        drawer.cancel_btn.click(lambda: gr.update(visible=False), None, drawer.confirm, **private)
        deleted = [drawer.confirm, drawer.status, drawer.saved, *screen]
        drawer.confirm_btn.click(delete, [drawer.saved, screen[5]], deleted, **private)
        ui.load(listed, None, drawer.saved, **private)


def fresh() -> tuple[Any, ...]:
    """A new conversation: chat, history, panels, sources, chat state, id and download emptied."""
    return [], [], [], render.sources_panel([]), [], "", no_download()
