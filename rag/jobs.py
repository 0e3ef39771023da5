"""Background ingest jobs: a bounded queue, one worker, a job id to poll, a result per input.

``rag serve`` never ingests on a request thread: ``POST /api/ingest`` and the Library's Ingest button
submit a job and return at once, so questions and health checks never wait behind a slow feed or a
large upload. Jobs run one at a time (the store has one writer); each input is ingested on its own so
that a job reports progress and a result per input, and one bad input loses nothing else.
"""

from __future__ import annotations

import logging
import queue
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from rag.errors import NotFoundError, QueueFullError, RagError
from rag.types import IngestSummary

log = logging.getLogger("osint-rag")

JobState = Literal["queued", "running", "done", "failed"]
MAX_QUEUED = 16  # jobs waiting behind the running one; more is a 429
KEEP_FINISHED = 200  # finished jobs kept for polling (oldest forgotten first)


@dataclass
class JobInput:
    """One thing to ingest: ``target`` (a saved file or a URL) shown to users as ``name``;
    ``cleanup``: called once the input is ingested or refused (a saved upload deletes itself: its text
    is in the store);
    ``error``: the input was refused before the job (an empty upload, not a URL): it fails alone."""

    target: str | Path
    name: str
    cleanup: Callable[[], None] | None = None
    error: str = ""


@dataclass
class ItemResult:
    """What one input gave: ``status`` is ok or failed; ``errors`` name the input, never a server path."""

    input: str
    status: Literal["pending", "ok", "failed"] = "pending"
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0
    errors: list[str] = field(default_factory=list)
    article_ids: list[str] = field(default_factory=list)


@dataclass
class IngestJob:
    """One submitted ingest; read it with :meth:`to_dict` (the body of ``GET /api/jobs/{id}``)."""

    id: str
    items: list[ItemResult]
    state: JobState = "queued"
    submitted_at: float = field(default_factory=time.time)
    started_at: float | None = None
    finished_at: float | None = None
    error: str = ""
    summary: IngestSummary = field(default_factory=IngestSummary)
    ended: threading.Event = field(default_factory=threading.Event, repr=False, compare=False)

    @property
    def done(self) -> int:
        return sum(1 for item in self.items if item.status != "pending")

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    def to_dict(self) -> dict[str, Any]:
        s = self.summary
        return {
            "id": self.id,
            "state": self.state,
            "progress": {"done": self.done, "total": len(self.items)},
            "added": s.added,
            "updated": s.updated,
            "unchanged": s.unchanged,
            "duplicates": s.duplicates,
            "failed": sum(1 for item in self.items if item.status == "failed"),
            "chunks": s.chunks,
            "article_ids": list(s.article_ids),
            "items": [vars(item) | {"errors": list(item.errors)} for item in self.items],
            "error": self.error,
            "submitted_at": _iso(self.submitted_at),
            "started_at": _iso(self.started_at),
            "finished_at": _iso(self.finished_at),
            "seconds": round((self.finished_at or time.time()) - (self.started_at or time.time()), 2),
        }

    def brief(self) -> dict[str, Any]:
        """Progress and counts without article ids or per-input errors (a line of ``/api/health``)."""
        full = self.to_dict()
        keys = ("id", "state", "progress", "added", "updated", "unchanged", "duplicates", "failed", "seconds")
        return {"inputs": [item.input for item in self.items]} | {key: full[key] for key in keys}


Ingest = Callable[[Sequence[str | Path]], IngestSummary]


class IngestJobs:
    """Runs ingest jobs one at a time on a daemon thread. Thread-safe."""

    def __init__(
        self,
        ingest: Ingest,
        max_queued: int = MAX_QUEUED,
        keep: int = KEEP_FINISHED,
    ) -> None:
        self._ingest = ingest
        self._queue: queue.Queue[tuple[IngestJob, list[JobInput]]] = queue.Queue(maxsize=max_queued)
        self._jobs: OrderedDict[str, IngestJob] = OrderedDict()
        self._keep = keep
        self._lock = threading.Lock()
        self._worker: threading.Thread | None = None

    def submit(self, inputs: Sequence[JobInput]) -> IngestJob:
        """Queue ``inputs`` as one job; raises :class:`QueueFullError` when too many jobs wait."""
        job = IngestJob(secrets.token_hex(8), [ItemResult(i.name) for i in inputs])
        try:
            self._queue.put_nowait((job, list(inputs)))
        except queue.Full:
            raise QueueFullError(
                f"{self._queue.maxsize} ingest jobs are already waiting: try again when one has finished "
                "(GET /api/jobs/<id> shows their progress)"
            ) from None
        with self._lock:
            self._jobs[job.id] = job
            self._forget_old()
            if self._worker is None or not self._worker.is_alive():
                self._worker = threading.Thread(target=self._run, name="ingest-jobs", daemon=True)
                self._worker.start()
        return job

    def get(self, job_id: str) -> IngestJob:
        """The job with this id; :class:`NotFoundError` when unknown or long finished."""
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise NotFoundError(f"no ingest job with id {job_id!r}: job ids come from POST /api/ingest")
        return job

    def counts(self) -> dict[str, int]:
        """How many jobs are running (0 or 1) and how many wait behind it."""
        with self._lock:
            states = [job.state for job in self._jobs.values()]
        return {"running": states.count("running"), "queued": states.count("queued")}

    def wait(self, job: IngestJob, timeout_s: float) -> bool:
        """Wait up to ``timeout_s`` for ``job`` to finish; whether it did."""
        return job.ended.wait(timeout_s)

    def _forget_old(self) -> None:
        finished = [job_id for job_id, job in self._jobs.items() if job.finished]
        for job_id in finished[: max(0, len(finished) - self._keep)]:
            del self._jobs[job_id]

    def _run(self) -> None:
        while True:
            job, inputs = self._queue.get()
            job.state, job.started_at = "running", time.time()
            try:
                for item, given in zip(job.items, inputs, strict=True):
                    self._one(job, item, given)
                job.state = "done"
            except Exception as exc:  # a bug or a store failure: the job says so, the worker lives on
                log.exception("ingest job %s failed", job.id)
                job.state, job.error = "failed", _plain(str(exc), inputs)
            finally:
                job.finished_at = time.time()
                job.ended.set()

    def _one(self, job: IngestJob, item: ItemResult, given: JobInput) -> None:
        if given.error:
            item.status, item.errors = "failed", [given.error]
            return
        try:
            summary = self._ingest([given.target])
        except RagError as exc:
            item.status, item.errors = "failed", [_plain(str(exc), [given])]
            return
        finally:
            if given.cleanup is not None:
                given.cleanup()
        item.added, item.updated = summary.added, summary.updated
        item.unchanged, item.duplicates = summary.unchanged, summary.duplicates
        item.article_ids = list(summary.article_ids)
        item.errors = [_plain(f.reason, [given]) for f in summary.failed]
        item.status = "failed" if item.errors and not item.article_ids else "ok"
        _add(job.summary, summary)


def _add(total: IngestSummary, part: IngestSummary) -> None:
    total.added += part.added
    total.updated += part.updated
    total.unchanged += part.unchanged
    total.duplicates += part.duplicates
    total.chunks += part.chunks
    total.embedded += part.embedded
    total.files += part.files
    total.seconds += part.seconds
    total.failed.extend(part.failed)
    total.article_ids.extend(i for i in part.article_ids if i not in total.article_ids)


def _plain(message: str, inputs: Sequence[JobInput]) -> str:
    """``message`` with each input's server-side path replaced by the name the user gave it."""
    for given in inputs:
        if isinstance(given.target, Path) or not str(given.target).startswith(("http://", "https://")):
            message = message.replace(str(Path(given.target).resolve()), given.name)
            message = message.replace(str(given.target), given.name)
    return message


def _iso(stamp: float | None) -> str | None:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(stamp)) if stamp is not None else None
