"""Saved conversations: one JSON file per conversation, kept beside the store, one folder per analyst.

A conversation holds what the workspace needs to reopen it (the chat as shown, the history the
follow-up rewriting reads, each answer's sources section) and what its Markdown export needs (each
question, the answer's text with its [n] markers, and each citation's article and sentence).

File and folder names are never user text: a conversation is ``<generated id>.json`` and an analyst's
folder is a hash of the login name (``anonymous`` when login is off), so nothing a client sends can
name a path, and one analyst's folder is never reachable from another's session. Writes are atomic
(a temporary file renamed into place). Pure file handling: no Gradio here.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rag.types import Answer
from web.render import describe_filters

ANONYMOUS = "anonymous"  # the shared folder when the workspace has no login
CONVERSATION_ID = re.compile(r"^[0-9a-f]{32}$")
LIST_LIMIT = 200  # conversations listed (the newest)
TITLE_CHARS = 80  # of the first question, in the list
Record = dict[str, Any]


def new_id() -> str:
    return uuid.uuid4().hex


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def shown_time(iso: str) -> str:
    """``2026-12-02T15:09:50+00:00`` as ``2026-12-02 15:09 UTC``."""
    try:
        return datetime.fromisoformat(iso).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return ""


def user_folder_name(user: str | None) -> str:
    """The folder of an analyst: a hash of the login name, or ``anonymous`` without login."""
    if not user:
        return ANONYMOUS
    return "user-" + hashlib.sha256(user.encode("utf-8")).hexdigest()[:32]


def title_of(question: str) -> str:
    """A conversation's title: its first question on one line, cut to ``TITLE_CHARS``."""
    line = " ".join(question.split())
    return line if len(line) <= TITLE_CHARS else line[: TITLE_CHARS - 1].rstrip() + "…"


@dataclass(frozen=True)
class Summary:
    """A saved conversation as the list shows it."""

    id: str
    title: str
    updated: str

    @property
    def label(self) -> str:
        return f"{self.title} · {shown_time(self.updated)}"


def turn_record(answer: Answer) -> Record:
    """What the export needs of one answer: the question, the text with its [n] markers, the filters,
    and each citation's article (title, outlet, date, URL) and cited sentence."""
    return {
        "question": answer.question,
        "answer": answer.text,
        "abstained": answer.abstained,
        "filters": describe_filters(answer.filters),
        "asked_at": now(),
        "citations": [
            {
                "n": c.n,
                "title": c.title,
                "source": c.source,
                "published_at": c.published_at[:10],
                "url": c.url,
                "quote": c.quote,
            }
            for c in sorted(answer.citations, key=lambda c: c.n)
        ],
    }


class Conversations:
    """The saved conversations under ``root`` (``<store>/conversations``)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def folder(self, user: str | None) -> Path:
        return self.root / user_folder_name(user)

    def path(self, user: str | None, conversation_id: str) -> Path | None:
        """The file of a conversation of ``user``; None for anything that is not a generated id."""
        if not isinstance(conversation_id, str) or not CONVERSATION_ID.match(conversation_id):
            return None
        return self.folder(user) / f"{conversation_id}.json"

    def save(self, user: str | None, record: Record) -> None:
        """Write ``record`` (its ``id`` a generated id) atomically, stamping ``updated``."""
        path = self.path(user, str(record.get("id", "")))
        if path is None:
            raise ValueError("a conversation id must come from new_id()")
        path.parent.mkdir(parents=True, exist_ok=True)
        record = {**record, "updated": now()}
        fd, staging = tempfile.mkstemp(dir=path.parent, prefix=".saving-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(record, out, ensure_ascii=False)
            os.replace(staging, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(staging)
            raise

    def load(self, user: str | None, conversation_id: str) -> Record | None:
        """A conversation of ``user``; None when the id is not one of theirs (or the file is unreadable)."""
        path = self.path(user, conversation_id)
        if path is None or not path.is_file() or path.is_symlink():
            return None
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return record if isinstance(record, dict) and record.get("id") == conversation_id else None

    def delete(self, user: str | None, conversation_id: str) -> bool:
        path = self.path(user, conversation_id)
        if path is None or not path.is_file():
            return False
        path.unlink(missing_ok=True)
        return True

    def list(self, user: str | None) -> list[Summary]:
        """``user``'s conversations, the most recently answered first."""
        folder = self.folder(user)
        try:
            files = [p for p in folder.glob("*.json") if CONVERSATION_ID.match(p.stem) and p.is_file()]
        except OSError:
            return []
        files.sort(key=lambda p: p.stat().st_mtime, reverse=True)
        found = []
        for path in files[:LIST_LIMIT]:
            record = self.load(user, path.stem)
            if record is not None:
                found.append(Summary(path.stem, str(record.get("title", "")), str(record.get("updated", ""))))
        found.sort(key=lambda s: s.updated, reverse=True)
        return found


def started(conversation_id: str, question: str) -> Record:
    """A new conversation titled by its first question."""
    return {"id": conversation_id, "title": title_of(question), "created": now(), "turns": []}


def with_turn(
    record: Record, answer: Answer, shown: list[Any], history: list[Any], panels: list[str]
) -> Record:
    """``record`` after one more answer: the display, history and sources as they are now."""
    return {
        **record,
        "shown": shown,
        "history": history,
        "panels": panels,
        "turns": [*record.get("turns", []), turn_record(answer)],
    }
