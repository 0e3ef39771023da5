"""Inputs: expand files, folders (recursive, include/exclude globs) and URLs; read them capped.

A URL is fetched by :mod:`ingest.download` (public addresses only unless allowed, one deadline for
the whole fetch, redirects checked, a size cap); a file larger than the cap is refused before it is
read. Every refusal is an :class:`InputError` naming the input.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ingest.addresses import AddressPolicy
from ingest.download import fetch
from ingest.loaders import RawInput, supported_suffixes
from rag.errors import InputError


@dataclass(frozen=True)
class Source:
    """One input to read: a file (``path``) or a URL; ``root`` is the folder it was found under."""

    origin: str
    path: Path | None = None
    root: str = ""

    @property
    def is_url(self) -> bool:
        return self.path is None


def is_url(item: str | Path) -> bool:
    return isinstance(item, str) and item.lower().startswith(("http://", "https://"))


def expand(
    inputs: Iterable[str | Path], include: Sequence[str] = (), exclude: Sequence[str] = ()
) -> Iterator[Source | InputError]:
    """Sources in order (folders walked recursively and sorted); missing inputs as errors.

    ``include``/``exclude`` are glob patterns matched against a file's path relative to the folder
    given and against its name (``*`` also matches ``/``); they apply to files found in folders.
    """
    suffixes = set(supported_suffixes())
    for item in inputs:
        if is_url(item):
            yield Source(str(item))
            continue
        path = Path(item).expanduser()
        if path.is_dir():
            root = path.resolve()
            for file in sorted(p for p in root.rglob("*") if p.is_file()):
                rel = file.relative_to(root).as_posix()
                if any(part.startswith(".") for part in file.relative_to(root).parts):
                    continue
                if include:
                    if not _matches(rel, include):
                        continue
                elif file.suffix.lower() not in suffixes:
                    continue
                if exclude and _matches(rel, exclude):
                    continue
                yield Source(str(file), file, str(root))
        elif path.is_file():
            resolved = path.resolve()
            yield Source(str(resolved), resolved, str(resolved))
        else:
            yield InputError(f"{item}: no such file or folder")


def _matches(rel: str, patterns: Sequence[str]) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatch(rel, p) or fnmatch.fnmatch(name, p) for p in patterns)


def read(source: Source, max_bytes: int, timeout_s: float, policy: AddressPolicy | None = None) -> RawInput:
    """The bytes of a source; raises InputError when missing, too large, or unreachable.

    A URL is fetched within ``timeout_s`` in all, from public addresses or those ``policy`` allows.
    """
    if source.path is not None:
        try:
            size = source.path.stat().st_size
            if size > max_bytes:
                raise InputError(
                    f"{source.origin}: {size / 1e6:.1f} MB is over the {max_bytes / 1e6:.1f} MB cap "
                    "(RAG_MAX_FILE_MB); raise it or split the file"
                )
            return RawInput(source.origin, source.path.read_bytes())
        except OSError as exc:
            raise InputError(f"{source.origin}: cannot read ({exc.strerror or exc})") from exc
    return fetch(source.origin, max_bytes, timeout_s, policy or AddressPolicy())


__all__ = ["Source", "expand", "fetch", "is_url", "read"]
