"""What a source card shows of an article: the cited sentences with one sentence either side, marked
and numbered, and a wider window around each citation behind "show more".

Pure functions of an article's text and character offsets; every piece of text is escaped here.
Sentences that address an AI (prompt injection) are replaced by a notice unless they are cited.
:func:`citation_passage` is the passage around one citation when the article's stored text cannot
be used (its chunk, a window of the text, or the quote alone).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rag.injection import flag_sentences
from rag.text import Span, sentence_spans
from rag.types import Answer, Citation

Range = tuple[int, int]
HIDDEN = "[text addressed to AI models, hidden]"
PASSAGE_CONTEXT = 280  # characters shown around a quote when its chunk is unknown
GAP = " … "  # between two ranges of an article that are not next to each other


@dataclass
class Mark:
    """A cited stretch of text and the citation numbers it carries."""

    start: int
    end: int
    numbers: list[int]


def marks_of(cited: Sequence[tuple[int, int, int]]) -> list[Mark]:
    """Marks from (n, start, end) citations: the same or overlapping stretches become one mark."""
    marks: list[Mark] = []
    for n, start, end in sorted(cited, key=lambda c: (c[1], c[2], c[0])):
        if marks and start < marks[-1].end:
            marks[-1].end = max(marks[-1].end, end)
            marks[-1].numbers.append(n)
        else:
            marks.append(Mark(start, end, [n]))
    return marks


def sentence_ranges(spans: Sequence[Span], marks: Sequence[Mark], around: int) -> list[Range]:
    """For each mark, its sentences and ``around`` sentences before and after."""
    ranges = []
    for mark in marks:
        inside = [k for k, s in enumerate(spans) if s.start < mark.end and mark.start < s.end]
        if not inside:
            ranges.append((mark.start, mark.end))
            continue
        lo, hi = max(0, min(inside) - around), min(len(spans) - 1, max(inside) + around)
        ranges.append((min(spans[lo].start, mark.start), max(spans[hi].end, mark.end)))
    return ranges


def window_ranges(spans: Sequence[Span], marks: Sequence[Mark], chars: int) -> list[Range]:
    """For each mark, the whole sentences within ``chars`` characters of it."""
    ranges = []
    for mark in marks:
        near = [s for s in spans if s.end > mark.start - chars and s.start < mark.end + chars]
        lo = min([mark.start, *(s.start for s in near)])
        hi = max([mark.end, *(s.end for s in near)])
        ranges.append((lo, hi))
    return ranges


def merged(text: str, ranges: Sequence[Range]) -> list[Range]:
    """``ranges`` sorted, overlapping ones and ones only whitespace apart joined."""
    out: list[Range] = []
    for start, end in sorted(ranges):
        if out and (start <= out[-1][1] or not text[out[-1][1] : start].strip()):
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def hidden_sentences(text: str, spans: Sequence[Span], marks: Sequence[Mark]) -> list[Range]:
    """The sentences that address an AI, except those a citation marks."""
    flags = flag_sentences([text[s.start : s.end] for s in spans])
    return [
        (s.start, s.end)
        for s, flagged in zip(spans, flags, strict=True)
        if flagged and not any(m.start < s.end and s.start < m.end for m in marks)
    ]


def mark_html(quote: str, numbers: Sequence[int], anchor: Callable[[int], str] | None) -> str:
    """A cited stretch: a numbered badge per citation (with its DOM id when ``anchor`` is given)."""
    badges = "".join(
        f'<sup class="q-n"{_id(anchor(n)) if anchor else ""} data-n="{n}">{n}</sup>' for n in numbers
    )
    numbers_attr = " ".join(map(str, numbers))
    return f'<span class="cited" data-n="{numbers_attr}">{badges}<mark>{html.escape(quote)}</mark></span>'


def _id(value: str) -> str:
    return f' id="{html.escape(value)}"'


def ranges_html(
    text: str,
    ranges: Sequence[Range],
    marks: Sequence[Mark],
    hidden: Sequence[Range] = (),
    anchor: Callable[[int], str] | None = None,
    notice: str = "",
) -> str:
    """``text`` restricted to ``ranges`` (joined by an ellipsis), marks numbered, hidden sentences
    replaced by ``notice``; all escaped."""
    pieces = []
    for a, b in ranges:
        events: list[tuple[int, int, Mark | None]] = [
            (m.start, m.end, m) for m in marks if m.start < b and a < m.end
        ]
        events += [(s, e, None) for s, e in hidden if s < b and a < e]
        out, pos = [], a
        for start, end, mark in sorted(events, key=lambda e: e[0]):
            start, end = max(start, a), min(end, b)
            if start < pos:
                continue
            out.append(html.escape(text[pos:start]))
            out.append(mark_html(text[start:end], mark.numbers, anchor) if mark else html.escape(notice))
            pos = end
        out.append(html.escape(text[pos:b]))
        pieces.append("".join(out))
    before = "… " if ranges and text[: ranges[0][0]].strip() else ""
    after = " …" if ranges and text[ranges[-1][1] :].strip() else ""
    return before + GAP.join(pieces) + after


def excerpt(
    text: str, cited: Sequence[tuple[int, int, int]], context_chars: int
) -> tuple[list[Range], list[Range], list[Mark], list[Range]]:
    """The ranges of ``text`` a card shows at first (cited sentences ±1) and behind "show more" (a
    window of ``context_chars`` around each citation), the marks and the hidden sentences."""
    spans = sentence_spans(text)
    marks = marks_of(cited)
    short = merged(text, sentence_ranges(spans, marks, 1))
    wide = merged(text, [*short, *window_ranges(spans, marks, context_chars)])
    return short, wide, marks, hidden_sentences(text, spans, marks)


def citation_passage(
    citation: Citation, answer: Answer, article_text: Callable[[str], str | None]
) -> tuple[str, int, int]:
    """The passage around a citation and the quote's offsets inside it.

    The chunk the citation came from when the answer carries it (``Answer.hits``); else a window of the
    article's text around the quote; else the quote alone.
    """
    for hit in answer.hits:
        chunk = hit.chunk
        where = chunk.locate(citation.start, citation.end) if chunk.id == citation.chunk_id else None
        if where is not None:
            return _without_injections(chunk.text, where[0], where[1])
    text = article_text(citation.article_id)
    if text and text[citation.start : citation.end] == citation.quote:
        lo = _snap_left(text, max(0, citation.start - PASSAGE_CONTEXT))
        hi = _snap_right(text, min(len(text), citation.end + PASSAGE_CONTEXT))
        prefix, suffix = ("… " if lo > 0 else ""), (" …" if hi < len(text) else "")
        passage = prefix + text[lo:hi] + suffix
        offset = citation.start - lo + len(prefix)
        return _without_injections(passage, offset, offset + len(citation.quote))
    return citation.quote, 0, len(citation.quote)


def _without_injections(passage: str, start: int, end: int) -> tuple[str, int, int]:
    """``passage`` with each sentence around the quote that addresses an AI replaced by a notice (the
    analyst sees that something was there, never its instructions); the quote's new offsets."""
    before, after = (_mask(part) for part in (passage[:start], passage[end:]))
    return before + passage[start:end] + after, len(before), len(before) + end - start


def _mask(text: str) -> str:
    spans = sentence_spans(text)
    flags = flag_sentences([text[s.start : s.end] for s in spans])
    for span, flagged in reversed(list(zip(spans, flags, strict=True))):
        if flagged:
            text = text[: span.start] + HIDDEN + text[span.end :]
    return text


def _snap_left(text: str, i: int) -> int:
    space = text.find(" ", i)
    return i if i == 0 or space < 0 else space + 1


def _snap_right(text: str, i: int) -> int:
    space = text.rfind(" ", 0, i)
    return i if i == len(text) or space < 0 else space
