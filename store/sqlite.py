"""What the SQLite stores share: opening a file, immediate transactions, and telling damage apart.

A corrupt or truncated file (SQLite's ``SQLITE_CORRUPT`` / ``SQLITE_NOTADB``) becomes one
:class:`~rag.errors.StoreDamagedError` naming the file and the fix, wherever it is noticed: at open
(:func:`connect`) or in any later call of a store class wrapped by :func:`report_damage`.
"""

from __future__ import annotations

import functools
import inspect
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from rag.errors import StoreDamagedError

REPAIR = "run `rag repair` to rebuild it from the vector store (`rag doctor` shows what is wrong)"
_DAMAGE = ("SQLITE_CORRUPT", "SQLITE_NOTADB")
T = TypeVar("T", bound=type)


def is_damage(exc: BaseException) -> bool:
    """Whether ``exc`` says the file itself is broken (not busy, locked or misused)."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    return isinstance(exc, sqlite3.DatabaseError) and name.startswith(_DAMAGE)


def damaged(path: Path, exc: BaseException | str, fix: str = REPAIR) -> StoreDamagedError:
    """The one-line error for a damaged ``path`` (``exc``: what SQLite said)."""
    return StoreDamagedError(f"{path} is damaged ({exc}): {fix}")


@contextmanager
def damage_as_error(path: Path, fix: str = REPAIR) -> Iterator[None]:
    """Turn SQLite's corrupt-file errors inside the block into :class:`StoreDamagedError`."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        if is_damage(exc):
            raise damaged(path, exc, fix) from exc
        raise


def connect(path: Path, schema: str, fix: str = REPAIR) -> sqlite3.Connection:
    """Open (or create) a store file in WAL mode with ``schema``, for use from several threads."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    try:
        with damage_as_error(path, fix):
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.executescript(schema)
    except BaseException:
        db.close()
        raise
    return db


def report_damage(fix: str = REPAIR) -> Callable[[T], T]:
    """Class decorator: every public method maps corrupt-file errors to :class:`StoreDamagedError`.

    The instance must have a ``path`` attribute (the file). Generators and context managers are left
    alone (their errors surface in the caller's block, which the caller's own method wraps).
    """

    def decorate(cls: T) -> T:
        for name, member in list(vars(cls).items()):
            if name.startswith("_") or not inspect.isfunction(member):
                continue
            if inspect.isgeneratorfunction(member) or hasattr(member, "__wrapped__"):
                continue
            setattr(cls, name, _guarded(member, fix))
        return cls

    return decorate


def _guarded(method: Callable[..., Any], fix: str) -> Callable[..., Any]:
    @functools.wraps(method)
    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        with damage_as_error(self.path, fix):
            return method(self, *args, **kwargs)

    return call


def integrity_problems(path: Path, quick: bool = False) -> list[str]:
    """SQLite's ``integrity_check`` (or the faster ``quick_check``) of ``path``: [] when sound.

    Opens the file read-only, so it never creates or changes anything.
    """
    if not path.exists():
        return []
    pragma = "quick_check" if quick else "integrity_check"
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    try:
        rows = [str(r[0]) for r in db.execute(f"PRAGMA {pragma}(20)")]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    finally:
        db.close()
    return [] if rows == ["ok"] else rows


def sidecars(path: Path) -> list[Path]:
    """``path`` and its WAL and shared-memory files."""
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


@contextmanager
def immediate_transaction(db: sqlite3.Connection, lock: threading.RLock) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception (autocommit connections only)."""
    with lock:
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
