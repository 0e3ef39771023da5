"""What every loader gets (:class:`RawInput`) and gives (articles or per-record failures)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlparse

from rag.errors import InputError
from rag.types import Article, IngestFailure

Loaded = Article | IngestFailure
Loader = Callable[["RawInput"], Iterator[Loaded]]


@dataclass
class RawInput:
    """The bytes of one input and where they came from."""

    origin: str  # file path or URL, as reported and kept in the manifest
    data: bytes
    url: str = ""  # the final URL when fetched (after redirects)
    content_type: str = ""  # the HTTP Content-Type when fetched

    @property
    def suffix(self) -> str:
        """Lower-case extension of the file or of the URL's path ("" when none)."""
        path = urlparse(self.origin).path if self.url else self.origin
        return PurePosixPath(path).suffix.lower()

    @property
    def stem(self) -> str:
        path = urlparse(self.origin).path if self.url else self.origin
        return PurePosixPath(path.rstrip("/")).stem or self.origin

    def text(self) -> str:
        """The bytes decoded: UTF-8 (with or without BOM), else the detected encoding."""
        return decode_text(self.data, self.origin)


def looks_binary(data: bytes) -> bool:
    head = data[:4096]
    if not head:
        return False
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    return controls / len(head) > 0.1


def decode_text(data: bytes, origin: str) -> str:
    """Decode text bytes, detecting the encoding when they are not UTF-8; refuses binary data."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if looks_binary(data):
        raise InputError(f"{origin}: looks binary, not text; pass text, HTML, PDF, DOCX, JSON or a feed")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is None:
            raise InputError(f"{origin}: unknown text encoding; save it as UTF-8") from None
        return str(best)
