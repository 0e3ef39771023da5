"""The ingest job runner on its own. The real pipeline runs behind it in tests/web/test_api.py and
tests/security/test_ingest_jobs.py; here the ingest step is a plain function we can hold and fail at
will, to check the queue bound, the per-input results and the clean-up deterministically."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from functools import partial
from pathlib import Path

import pytest

from rag.errors import InputError, NotFoundError, QueueFullError
from rag.jobs import IngestJobs, JobInput
from rag.types import IngestFailure, IngestSummary
from web.service import cleanup_upload


def test_each_input_gets_its_result_and_server_paths_become_names(tmp_path: Path) -> None:
    saved = tmp_path / "uploads" / "ab12" / "notes.md"
    saved.parent.mkdir(parents=True)
    saved.write_text("x")

    def ingest(inputs: Sequence[str | Path]) -> IngestSummary:
        [target] = inputs
        if str(target).startswith("http"):
            raise InputError(f"{target}: timed out after 20s (RAG_FETCH_TIMEOUT_S)")
        failed = [IngestFailure(str(target), f"{target}: page 2 empty")]
        return IngestSummary(added=1, chunks=3, article_ids=["a1"], failed=failed)

    jobs = IngestJobs(ingest)
    job = jobs.submit(
        [
            JobInput(saved, "notes.md", cleanup=partial(cleanup_upload, saved, tmp_path / "uploads")),
            JobInput("http://example.org/slow", "http://example.org/slow"),
            JobInput("", "empty.md", error="empty.md: the file is empty"),
        ]
    )
    assert jobs.wait(job, 10)
    body = job.to_dict()
    assert body["state"] == "done" and body["progress"] == {"done": 3, "total": 3}
    notes, slow, empty = body["items"]
    assert notes["status"] == "ok" and notes["added"] == 1 and notes["errors"] == ["notes.md: page 2 empty"]
    assert slow["status"] == "failed" and "timed out" in slow["errors"][0]
    assert empty["status"] == "failed" and empty["errors"] == ["empty.md: the file is empty"]
    assert body["added"] == 1 and body["chunks"] == 3 and body["failed"] == 2
    assert str(tmp_path) not in str(body)
    assert not saved.exists() and not saved.parent.exists(), "the saved upload is removed once ingested"
    assert jobs.get(job.id) is job
    with pytest.raises(NotFoundError):
        jobs.get("nope")


def test_the_queue_is_bounded_and_jobs_run_one_at_a_time() -> None:
    release = threading.Event()
    running: list[int] = []
    most = 0

    def ingest(inputs: Sequence[str | Path]) -> IngestSummary:
        nonlocal most
        running.append(1)
        most = max(most, len(running))
        release.wait(10)
        running.pop()
        return IngestSummary(added=1)

    jobs = IngestJobs(ingest, max_queued=2)
    first = jobs.submit([JobInput("a", "a")])
    assert jobs.wait(first, 0.3) is False and first.state == "running"
    waiting = [jobs.submit([JobInput(n, n)]) for n in ("b", "c")]
    with pytest.raises(QueueFullError, match="already waiting"):
        jobs.submit([JobInput("d", "d")])
    assert all(job.state == "queued" for job in waiting)
    release.set()
    assert all(jobs.wait(job, 10) for job in [first, *waiting])
    assert most == 1 and all(job.summary.added == 1 for job in [first, *waiting])


def test_a_crashing_job_is_reported_and_the_worker_goes_on() -> None:
    calls = iter([RuntimeError("disk full at /srv/store"), IngestSummary(added=1)])

    def ingest(inputs: Sequence[str | Path]) -> IngestSummary:
        outcome = next(calls)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    jobs = IngestJobs(ingest)
    broken, fine = jobs.submit([JobInput("a", "a")]), jobs.submit([JobInput("b", "b")])
    assert jobs.wait(broken, 10) and jobs.wait(fine, 10)
    assert broken.state == "failed" and "disk full" in broken.error
    assert fine.state == "done" and fine.summary.added == 1


def test_counts_and_brief_show_progress_without_article_ids_or_errors() -> None:
    release = threading.Event()

    def ingest(inputs: Sequence[str | Path]) -> IngestSummary:
        release.wait(10)
        return IngestSummary(added=2, article_ids=["a1", "a2"], failed=[IngestFailure("x", "x: bad page")])

    jobs = IngestJobs(ingest)
    first, second = jobs.submit([JobInput("a", "a"), JobInput("b", "b")]), jobs.submit([JobInput("c", "c")])
    deadline = time.monotonic() + 10
    while first.state != "running" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert jobs.counts() == {"running": 1, "queued": 1}
    brief = first.brief()
    assert brief["inputs"] == ["a", "b"] and brief["state"] == "running"
    assert brief["progress"] == {"done": 0, "total": 2} and brief["added"] == 0
    release.set()
    assert jobs.wait(first, 10) and jobs.wait(second, 10)
    assert jobs.counts() == {"running": 0, "queued": 0}
    brief = first.brief()
    assert brief["state"] == "done" and brief["progress"] == {"done": 2, "total": 2} and brief["added"] == 4
    assert "a1" not in str(brief) and "bad page" not in str(brief)
