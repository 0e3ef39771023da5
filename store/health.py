"""The store's health, kept fresh in the background so a health check never waits on the store.

``/api/health`` must answer at once even while the Chroma server hangs and every worker thread is
busy asking; so it only reads :meth:`StoreMonitor.status`. Two daemon threads keep that fresh: one
sends a heartbeat to the server every ``probe_every_s`` (a probe still unanswered after
``overdue_s`` means the server is down: a stopped server accepts connections and never answers),
the other reads the counts every ``count_every_s`` and re-checks that the parts agree when they
change. A failed store call anywhere (``ChromaStore.last_failure``) also marks the store down at
once, until the next heartbeat answers.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from rag.errors import RagError, StoreDamagedError
from store.articles import ArticleStore
from store.doctor import Consistency, check
from store.lexical import LexicalIndex
from store.vectors import ChromaStore

log = logging.getLogger("osint-rag")
HEARTBEAT_TIMEOUT_S = 1.5


@dataclass(frozen=True)
class StoreStatus:
    """One reading of the store's health."""

    reachable: bool
    articles: int | None = None
    chunks: int | None = None
    consistency: Consistency | None = None
    detail: str = ""  # why it is unreachable
    damage: str = ""  # a store file found corrupt (the store answers, but not rightly)
    checked: float = field(default_factory=time.monotonic)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"reachable": self.reachable}
        if self.detail:
            out["detail"] = self.detail
        if self.consistency is not None or self.damage:
            problems = self.consistency.problems if self.consistency is not None else []
            problems = [self.damage, *problems] if self.damage else problems
            out |= {"consistent": not problems, "problems": problems}
        return out


class StoreMonitor:
    """Holds the latest :class:`StoreStatus`; its threads start with the first :meth:`status` call."""

    def __init__(
        self,
        probe: Callable[[], None] | None,
        articles: Callable[[], int],
        chunks: Callable[[], int],
        consistency: Callable[[], Consistency],
        last_failure: Callable[[], tuple[float, str] | None],
        initial: StoreStatus,
        probe_every_s: float = 0.25,
        overdue_s: float = 1.0,
        count_every_s: float = 1.0,
        consistency_every_s: float = 10.0,
    ) -> None:
        """``probe`` raises when the server is down (None: a local store, no server to probe);
        ``articles`` and ``chunks`` count them (in the article store and in Chroma); ``last_failure``
        is the (monotonic time, reason) of the latest failed store call."""
        self._probe, self._articles, self._chunks = probe, articles, chunks
        self._consistency = consistency
        self._last_failure = last_failure
        self.probe_every_s, self.overdue_s = probe_every_s, overdue_s
        self.count_every_s, self.consistency_every_s = count_every_s, consistency_every_s
        self._status = initial  # counts, consistency, damage
        self._answered: tuple[float, str] = (initial.checked, "")  # (last heartbeat, "" or why it failed)
        self._probing_since: float | None = None
        self._consistency_at = time.monotonic()
        self._consistency_of = (initial.articles, initial.chunks)  # counts when it was last checked
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self.wake = threading.Event()  # set() to count again now (after an ingest or a delete)

    def status(self) -> StoreStatus:
        """The latest reading; unreachable when a heartbeat hangs or failed, or a store call just failed."""
        self._start()
        current, (answered, why) = self._status, self._answered
        since = self._probing_since
        now = time.monotonic()
        if since is not None and now - since > self.overdue_s:
            why = f"the Chroma server has not answered a heartbeat for {now - since:.1f} s"
        failure = self._last_failure()
        if not why and failure is not None and failure[0] > answered:
            why = failure[1]
        if why or current.detail:
            return replace(current, reachable=False, detail=why or current.detail)
        return current

    def probe(self) -> None:
        """Send one heartbeat (what the probing thread does every ``probe_every_s``)."""
        if self._probe is None:
            return
        self._probing_since = started = time.monotonic()
        try:
            self._probe()
            why = ""
        except Exception as exc:  # whatever breaks, health must say so rather than freeze
            why = str(exc) if isinstance(exc, RagError) else f"{type(exc).__name__}: {exc}"
        finally:
            self._probing_since = None
        if bool(why) != bool(self._answered[1]):
            log.warning("store %s", f"unreachable: {why}" if why else "reachable again")
        self._answered = (started, why)

    def count(self) -> StoreStatus:
        """Read the counts, and the consistency when they changed (the counting thread's work)."""
        previous, started = self._status, time.monotonic()
        articles = previous.articles
        try:
            articles = self._articles()  # first: it needs no server, so it stays right while one is down
            chunks = self._chunks()
            consistency = previous.consistency
            stale = (articles, chunks) != self._consistency_of
            if consistency is None or (stale and started - self._consistency_at > self.consistency_every_s):
                consistency, self._consistency_at = self._consistency(), started
                self._consistency_of = (articles, chunks)
                if not consistency.consistent:
                    log.warning("store parts disagree: %s", "; ".join(consistency.problems))
            status = StoreStatus(True, articles, chunks, consistency, checked=started)
        except StoreDamagedError as exc:
            status = replace(previous, reachable=True, damage=str(exc), checked=started)
        except Exception as exc:
            detail = str(exc) if isinstance(exc, RagError) else f"{type(exc).__name__}: {exc}"
            status = replace(previous, reachable=False, articles=articles, detail=detail, checked=started)
        self._status = status
        return status

    def _start(self) -> None:
        with self._lock:
            if self._threads:
                return
            ref = weakref.ref(self)
            works: list[tuple[str, threading.Event | None]] = [("count", self.wake)]
            if self._probe is not None:  # a local store has no server to send heartbeats to
                works.append(("probe", None))
            self._threads = [
                threading.Thread(target=_every, args=(ref, work, wake), daemon=True, name=f"store-{work}")
                for work, wake in works
            ]
            for thread in self._threads:
                thread.start()


def _every(monitor_ref: weakref.ref[StoreMonitor], work: str, wake: threading.Event | None) -> None:
    """Run the monitor's ``work`` over and over until the monitor (and so its assistant) is gone."""
    while (monitor := monitor_ref()) is not None:
        if work == "probe":
            monitor.probe()
            pause = monitor.probe_every_s
        else:
            monitor.count()
            pause = monitor.count_every_s
        del monitor
        if wake is None:
            time.sleep(pause)
        elif wake.wait(pause):
            wake.clear()


def monitor_store(
    articles: ArticleStore, vectors: ChromaStore, lexical: LexicalIndex | None, found: Consistency
) -> StoreMonitor:
    """A monitor of these parts, starting from what the open found (``found``)."""
    return StoreMonitor(
        probe=(lambda: vectors.probe(HEARTBEAT_TIMEOUT_S)) if vectors.url is not None else None,
        articles=articles.count,
        chunks=vectors.count,
        consistency=lambda: check(articles, vectors, lexical),
        last_failure=lambda: vectors.last_failure,
        initial=StoreStatus(True, found.articles, found.vector_chunks, found),
    )
