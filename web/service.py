"""What the UI and the HTTP API share: asking (with history, streamed), saving uploads, checking URLs
and dates, listing the library.

The assistant is one shared, thread-safe object; everything here is synchronous and runs in a worker
thread (Gradio's workers, FastAPI's threadpool), never on the event loop.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import os
import re
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import IO, Any

from rag.assistant import Assistant
from rag.errors import InputError
from rag.jobs import JobInput
from rag.types import Answer, Article, Filters, Reporter
from web import words
from web.render import markdown_literal

Message = dict[str, str]  # {"role": "user" | "assistant", "content": text}
URL = re.compile(r"^https?://[^\s/]+\S*$", re.IGNORECASE)
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
MAX_FILTER_VALUES = 100  # outlets or categories in one filter
MAX_FILTER_CHARS = 200  # characters in one outlet or category name
STALE_UPLOAD_S = 3600.0  # an upload left this long (a crash, an abandoned form) is swept at start


def ask(
    assistant: Assistant, question: str, filters: Filters | None = None, history: Sequence[Message] = ()
) -> Answer:
    """``assistant.ask`` with the conversation so far."""
    return assistant.ask(question, filters, history=list(history))


def stream(
    assistant: Assistant, question: str, filters: Filters | None = None, history: Sequence[Message] = ()
) -> Iterator[tuple[str, Answer | None]]:
    """Yield ``(text so far, None)`` as the answer grows, then ``(full text, answer)``: the text deltas
    of ``assistant.stream``, then its verified answer."""
    text = ""
    for event in assistant.stream(question, filters, history=list(history)):
        if event.delta:
            text += event.delta
            yield text, None
        if event.answer is not None:
            yield event.answer.text, event.answer
            return
    raise RuntimeError("the answer stream ended without an answer")


def parse_date(value: str | None, name: str) -> str | None:
    """An ISO date (``YYYY-MM-DD``) or None; anything else is an :class:`InputError`."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError as exc:
        raise InputError(
            f"{name[:1].upper()}{name[1:]} {value!r} is not a date: write it as YYYY-MM-DD, e.g. 2025-04-23"
        ) from exc


def make_filters(
    sources: Sequence[str] = (),
    date_from: str | None = None,
    date_to: str | None = None,
    categories: Sequence[str] = (),
) -> Filters:
    """Validated :class:`Filters` from UI or API values (at most ``MAX_FILTER_VALUES`` outlets and
    categories, each at most ``MAX_FILTER_CHARS`` long)."""
    for name, values in (("outlets", sources), ("categories", categories)):
        if len(values) > MAX_FILTER_VALUES:
            raise InputError(f"{len(values)} {name} given: filter by at most {MAX_FILTER_VALUES}")
        longest = max((v for v in values if isinstance(v, str)), key=len, default="")
        if len(longest) > MAX_FILTER_CHARS:
            raise InputError(
                f"{name} value {longest[:40]!r}… is {len(longest)} characters long: use at most "
                f"{MAX_FILTER_CHARS} (names as the filter lists show them)"
            )
    start, end = parse_date(date_from, "from date"), parse_date(date_to, "to date")
    if start and end and start > end:
        raise InputError(f"the date range is empty: from {start} is after to {end}")
    return Filters(
        sources=[s for s in sources if s],
        date_from=start,
        date_to=end,
        categories=[c for c in categories if c],
    )


def parse_urls(text: str | Sequence[str]) -> list[str]:
    """URLs from a text box (one per line or space-separated) or a list; each must be http(s)."""
    items = text.split() if isinstance(text, str) else [u.strip() for u in text if u.strip()]
    bad = [u for u in items if not URL.match(u)]
    if bad:
        raise InputError(f"not an http(s) URL: {bad[0]!r}")
    return list(dict.fromkeys(items))


def save_upload(uploads: Path, name: str, data: IO[bytes], max_bytes: int) -> Path:
    """Store an uploaded file under ``uploads`` by content hash (so re-uploads are recognised)."""
    content = data.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise InputError(f"{name}: larger than the {max_bytes // 2**20} MB limit (RAG_MAX_FILE_MB)")
    if not content:
        raise InputError(f"{name}: the file is empty")
    safe = SAFE_NAME.sub("_", Path(name).name).strip("._") or "upload"
    target = uploads / hashlib.sha256(content).hexdigest()[:16] / safe
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        target.write_bytes(content)
    return target


def uploads_dir(assistant: Assistant) -> Path:
    """Where uploads are kept: beside the store, so a re-upload of a file is seen as unchanged."""
    return Path(assistant.settings.chroma_path) / "uploads"


def conversations_dir(assistant: Assistant) -> Path:
    """Where the workspace keeps saved conversations: beside the store, like the uploads."""
    return Path(assistant.settings.chroma_path) / "conversations"


def max_upload_bytes(assistant: Assistant) -> int:
    return int(assistant.settings.max_file_mb * 2**20)


def cleanup_upload(path: str | Path, folder: str | Path) -> None:
    """Delete an uploaded file and the folders it leaves empty, up to (not including) ``folder``.

    Nothing outside ``folder`` is touched, so a path a client named cannot delete server files.
    """
    root, target = Path(folder).resolve(), Path(path).resolve()
    if not target.is_relative_to(root) or target == root:
        return
    target.unlink(missing_ok=True)
    for parent in target.parents:
        if parent == root or not parent.is_relative_to(root):
            break
        try:
            parent.rmdir()
        except OSError:  # not empty (another upload) or already gone
            break


def sweep_uploads(folder: str | Path, max_age_s: float = STALE_UPLOAD_S) -> int:
    """Delete files under ``folder`` last changed more than ``max_age_s`` ago, then empty folders.

    Returns how many files went. Links are removed, never followed.
    """
    root = Path(folder)
    cutoff, removed = time.time() - max_age_s, 0
    for parent, dirs, files in os.walk(root, topdown=False):  # children before their folder
        for name in files + [d for d in dirs if Path(parent, d).is_symlink()]:
            path = Path(parent, name)
            try:
                if path.lstat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except OSError:
                continue
        if Path(parent) != root:
            with contextlib.suppress(OSError):  # only an empty folder goes
                Path(parent).rmdir()
    return removed


def job_inputs(
    assistant: Assistant, uploads: Sequence[tuple[str, IO[bytes]]], urls: Sequence[str]
) -> list[JobInput]:
    """What a job ingests: each upload saved under the store (or refused alone: empty, too large) and
    each URL (or refused alone: not http(s)). ``InputError`` only when there is nothing at all."""
    if not uploads and not urls:
        raise InputError("nothing to ingest: upload files or give page or feed URLs")
    folder, limit = uploads_dir(assistant), max_upload_bytes(assistant)
    inputs: list[JobInput] = []
    for name, data in uploads:
        shown = Path(name).name or "upload"
        try:
            saved = save_upload(folder, shown, data, limit)
            inputs.append(JobInput(saved, shown, cleanup=functools.partial(cleanup_upload, saved, folder)))
        except InputError as exc:
            inputs.append(JobInput("", shown, error=str(exc)))
    for url in dict.fromkeys(u.strip() for u in urls if u.strip()):
        error = "" if URL.match(url) else f"not an http(s) URL: {url!r}"
        inputs.append(JobInput(url, url, error=error))
    return inputs


def job_markdown(job: dict[str, Any], clean: Callable[[str], str] = words.plain) -> str:
    """A job's state in a few lines of Markdown, in the analyst's words (file names, not paths; a
    result per input). ``clean`` rewrites each message (e.g. :func:`web.words.public`)."""
    done, total = job["progress"]["done"], job["progress"]["total"]
    if job["state"] in ("queued", "running"):
        waiting = "Waiting for the ingest before it…" if job["state"] == "queued" else "Ingesting…"
        return f"{waiting} {done} of {total} done"
    head = (
        f"**Added {job['added']}**, updated {job['updated']}, unchanged {job['unchanged']}, "
        f"duplicates {job['duplicates']}, failed {job['failed']}"
    )
    lines = [head]
    if job["error"]:
        lines.append(f"- ⚠ the ingest stopped: {markdown_literal(clean(job['error']))}")
    for item in job["items"]:
        for error in item["errors"]:
            lines.append(f"- {markdown_literal(words.item_error(item['input'], clean(error)))}")
    return "\n".join(lines)


def restore_input(assistant: Assistant, article: Article) -> JobInput:
    """A job input that adds a deleted ``article`` back from its stored text and metadata (a JSON
    record, saved like an upload and removed once ingested)."""
    record = {
        "title": article.title,
        "body": article.text,
        "source": article.source,
        "author": article.author,
        "published_at": article.published_at,
        "url": article.url,
        "category": article.category,
    }
    data = io.BytesIO(json.dumps(record, ensure_ascii=False).encode("utf-8"))
    folder = uploads_dir(assistant)
    saved = save_upload(folder, f"restore-{article.id}.json", data, max(len(data.getvalue()), 1))
    cleanup = functools.partial(cleanup_upload, saved, folder)
    return JobInput(saved, f"“{article.title}”", cleanup=cleanup)


def articles(assistant: Assistant) -> list[Article]:
    return assistant.articles()


def chunk_counts(assistant: Assistant) -> dict[str, int]:
    """Chunks per article id."""
    return assistant.article_store.chunk_counts()


def categories(assistant: Assistant) -> list[str]:
    return sorted({a.category for a in assistant.articles() if a.category})


def article_text(assistant: Assistant) -> Callable[[str], str | None]:
    """A lookup of an article's text by id (None when it was deleted meanwhile)."""

    def lookup(article_id: str) -> str | None:
        found = assistant.article_store.get(article_id)
        return found.text if found else None

    return lookup


def article_reporters(assistant: Assistant) -> Callable[[str], list[Reporter]]:
    """A lookup of the outlets that carried a near-copy of an article (found at ingest), by id."""

    def lookup(article_id: str) -> list[Reporter]:
        found = assistant.article_store.get(article_id)
        return list(found.also_reported_by) if found else []

    return lookup
