"""What ``rag serve`` does once it listens: :class:`WarmUp` queues the ``--ingest`` paths as background
jobs, asks one question (models load, indexes build), then starts the sentence warmer (rag/warm.py)."""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rag.assistant import Assistant
from rag.errors import InputError, RagError
from rag.jobs import MAX_QUEUED, IngestJob, JobInput

log = logging.getLogger("osint-rag")
WARM_UP_QUESTION = "Which systems were discussed at the exhibition?"
REPORT_EVERY_S = 30.0  # how often rag serve prints the progress of its start-up ingest


class WarmUp:
    """``rag serve``'s start-up work, done after it listens so that /api/health answers at once.

    :meth:`start` queues each ``ingest`` path as its own background job (rag/jobs.py), in order, and
    starts one daemon thread that waits for the first job (so the warm-up question meets its articles),
    asks :data:`WARM_UP_QUESTION` (the embedding model loads, the indexes build), starts the sentence
    warmer, then prints the jobs' progress until they end. A question asked meanwhile is answered,
    just slower: the warm-up question is an ordinary one (it counts in ``Assistant.busy``, so the
    sentence warmer waits for it as for any other). Ingest is idempotent: a restart skips what is in
    the store already and resumes an ingest that was cut short.
    """

    def __init__(self, ingest: Sequence[str | Path] = (), report_every_s: float = REPORT_EVERY_S) -> None:
        if len(ingest) > MAX_QUEUED:
            raise InputError(
                f"--ingest takes at most {MAX_QUEUED} paths ({len(ingest)} given): give folders instead"
            )
        self.paths = list(ingest)
        self.jobs: list[IngestJob] = []
        self.finished = threading.Event()
        self.seconds: float | None = None
        self._report_every_s = report_every_s

    @property
    def done(self) -> bool:
        """Whether the warm-up question was asked and the sentence warmer started."""
        return self.finished.is_set()

    def start(self, assistant: Assistant) -> threading.Thread:
        """Queue the ingest jobs and start the warm-up thread."""
        self.jobs = [assistant.jobs.submit([JobInput(path, _name(path))]) for path in self.paths]
        thread = threading.Thread(target=self.run, args=(assistant,), name="rag-warm-up", daemon=True)
        thread.start()
        return thread

    def run(self, assistant: Assistant) -> None:
        started = time.perf_counter()
        try:
            if self.jobs:
                self.jobs[0].ended.wait()
            try:
                assistant.ask(WARM_UP_QUESTION)
            except RagError as exc:  # an unreachable LLM: the first real question will say so
                log.warning("warm-up question failed: %s", exc)
            if assistant.settings.warm_sentences and assistant.warm_sentences() is not None:
                count = assistant.article_store.count()
                _say(f"embedding the sentences of {count} articles in the background")
        except Exception:  # a bug or a store failure: questions still go on, and say what is wrong
            log.exception("warm-up failed")
        finally:
            self.seconds = time.perf_counter() - started
            self.finished.set()
        _say(f"warmed up in {self.seconds:.1f}s")
        self.report(assistant)

    def report(self, assistant: Assistant) -> None:
        """Print each start-up job's progress every ``report_every_s`` and its result when it ends."""
        for n, job in enumerate(self.jobs, start=1):
            where = f"{', '.join(item.input for item in job.items)} (job {n} of {len(self.jobs)})"
            while not job.ended.wait(self._report_every_s):
                if job.state == "running":
                    _say(f"ingesting {where}: {assistant.article_store.count()} articles in the store")
            s = job.summary
            errors = [job.error] if job.error else [e for item in job.items for e in item.errors]
            _say(
                f"ingested {where}: {job.state}, added {s.added}, updated {s.updated}, "
                f"unchanged {s.unchanged}, duplicates {s.duplicates}, failed {len(s.failed)} "
                f"in {s.seconds:.1f}s" + "".join(f"\n  {error}" for error in errors[:5])
            )

    def status(self) -> dict[str, Any]:
        """What /api/health shows: whether the warm-up is done, and the start-up jobs' progress."""
        seconds = round(self.seconds, 2) if self.seconds is not None else None
        return {"done": self.done, "seconds": seconds, "jobs": [job.brief() for job in self.jobs]}


def _name(path: str | Path) -> str:
    """How a start-up input is shown: its last part (never the server's folders)."""
    text = str(path)
    if text.startswith(("http://", "https://")):
        return text.split("?", 1)[0]  # a token in the query stays out of /api/health
    return Path(text).name or text


def _say(message: str) -> None:
    print(f"osint-rag: {message}", file=sys.stderr, flush=True)
