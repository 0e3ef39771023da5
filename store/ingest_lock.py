"""One ingest at a time per store folder, across processes (a lock file beside the stores).

An ingest notes chunk ids as pending before writing them and clears them when done; crash recovery
deletes pending chunks whose article never committed. That is only right when no other process is
ingesting into the same folder, so an ingest holds this lock for its whole run, and recovery at open
(or `rag repair`) runs only when it can take the lock at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

LOCK_NAME = "ingest.lock"


class IngestLock:
    """The store folder's ingest lock (reentrant within a process; see module doc)."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / LOCK_NAME
        self._lock = FileLock(self.path, thread_local=False)

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold the lock, waiting for another process's ingest to finish first."""
        with self._lock:
            yield

    @contextmanager
    def try_held(self) -> Iterator[bool]:
        """Hold the lock if it is free now; yields whether it is held (False: an ingest is running)."""
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            yield False
            return
        try:
            yield True
        finally:
            self._lock.release()
