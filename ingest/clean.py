"""Text cleaning: Unicode normalization, whitespace, repeated paragraphs; content ids.

Cleaning is idempotent (``clean_text(clean_text(t)) == clean_text(t)``), so a loader may clean early
(PDF pages, to keep page offsets) and the pipeline's second pass changes nothing.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable

_INLINE_SPACE = re.compile(r"[ \t\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f\ufffe\uffff]")
_MIN_REPEAT = 40  # shorter lines ("Advertisement", "Share") may legitimately recur


def clean_text(text: str) -> str:
    """NFC-normalize, collapse spaces inside lines, one paragraph per line, drop repeated paragraphs.

    Offsets of chunks and citations refer to this cleaned text, which is what the store keeps.
    """
    return "\n".join(_paragraphs(text, set()))


def clean_pages(pages: Iterable[str]) -> tuple[str, list[tuple[int, int]]]:
    """Clean a paged document as one text; returns it with (start offset, page number) per page.

    Pages with no text after cleaning get no entry; a paragraph repeated on a later page (a running
    header, say) is dropped there too.
    """
    seen: set[str] = set()
    parts: list[str] = []
    starts: list[tuple[int, int]] = []
    offset = 0
    for number, page in enumerate(pages, start=1):
        paragraphs = _paragraphs(page, seen)
        if not paragraphs:
            continue
        block = "\n".join(paragraphs)
        if parts:
            offset += 1  # the newline joining this page to the previous one
        starts.append((offset, number))
        parts.append(block)
        offset += len(block)
    return "\n".join(parts), starts


def _paragraphs(text: str, seen: set[str]) -> list[str]:
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text.replace("\ufeff", "").replace("\u00ad", ""))
    paragraphs: list[str] = []
    for line in text.split("\n"):
        para = _INLINE_SPACE.sub(" ", line).strip()
        if not para:
            continue
        key = para.casefold()
        if len(para) > _MIN_REPEAT and key in seen:  # syndicated pages often repeat a paragraph
            continue
        seen.add(key)
        paragraphs.append(para)
    return paragraphs


def content_hash(text: str) -> str:
    """Id of an article: a hash of its whitespace- and case-normalized text."""
    normalized = re.sub(r"\s+", " ", text).strip().casefold()
    return hashlib.sha1(normalized.encode("utf-8")).hexdigest()[:20]
