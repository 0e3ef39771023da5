"""Text cleaning: Unicode normalization, whitespace, repeated paragraphs; content ids."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_INLINE_SPACE = re.compile(r"[ \t\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")


def clean_text(text: str) -> str:
    """NFC-normalize, collapse spaces inside lines, one paragraph per line, drop repeated paragraphs.

    Offsets of chunks and citations refer to this cleaned text, which is what the store keeps.
    """
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\ufeff", "").replace("\u00ad", "")
    seen: set[str] = set()
    paragraphs: list[str] = []
    for line in text.split("\n"):
        para = _INLINE_SPACE.sub(" ", line).strip()
        if not para:
            continue
        key = para.casefold()
        if len(para) > 40 and key in seen:  # syndicated pages often repeat a paragraph
            continue
        seen.add(key)
        paragraphs.append(para)
    return "\n".join(paragraphs)


def content_hash(text: str) -> str:
    """Id of an article: a hash of its whitespace- and case-normalized text."""
    normalized = re.sub(r"\s+", " ", text).strip().casefold()
    return hashlib.sha1(normalized.encode("utf-8")).hexdigest()[:20]
