"""HTML and Markdown for the UI: answers with clickable [n] markers, the sources panel, the library.

Pure functions of :mod:`rag.types` values, so they are tested without a server. Every piece of text
that comes from an article or a user is escaped here, and shown as text: the chat renders messages as
sanitized HTML with Markdown off, so article text cannot form images or links; an article's URL is a
link only when it is http(s). Text for ``gr.Markdown`` goes through :func:`markdown_literal`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from typing import Any

from rag.injection import flag_sentences
from rag.text import sentence_spans
from rag.types import Answer, Article, ArticleMeta, Citation

MARKER = re.compile(r"\[(\d+)\]")
WEB_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$", re.IGNORECASE)
ASCII_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")
HIDDEN = "[text addressed to AI models, hidden]"
PASSAGE_CONTEXT = 280  # characters shown around a quote when its chunk is unknown


def cite_id(turn: int, n: int) -> str:
    """DOM id of citation ``n`` of answer ``turn`` (the target of its [n] marker)."""
    return f"cite-{turn}-{n}"


def answer_markdown(answer: Answer, turn: int) -> str:
    """The chat message for an answer, as HTML (the chat does not render Markdown): escaped text,
    line breaks kept, [n] as links to the sources panel, flags plain."""
    text = html.escape(answer.text, quote=False)
    for sentence in answer.unsupported:
        escaped = html.escape(sentence, quote=False)
        if escaped and escaped in text:
            text = text.replace(
                escaped, f'<span class="unsupported" title="no source supports this">{escaped}</span>', 1
            )
    known = {c.n for c in answer.citations}

    def link(match: re.Match[str]) -> str:
        n = int(match.group(1))
        if n not in known:
            return match.group(0)
        return f'<a class="cite-ref" href="#{cite_id(turn, n)}" data-n="{n}">[{n}]</a>'

    text = MARKER.sub(link, text).replace("\n", "<br>")
    if answer.abstained:
        return f'<span class="abstained"><b>No answer in the ingested articles.</b> {text}</span>'
    if answer.unsupported:
        count = len(answer.unsupported)
        sentences = f"{count} sentence{'s' if count > 1 else ''}"
        text += f"<br><br>⚠ {sentences} not supported by the sources (underlined)."
    return text


def passage_html(passage: str, start: int, end: int) -> str:
    """``passage`` with ``passage[start:end]`` in ``<mark>``, escaped."""
    start, end = max(0, start), min(len(passage), end)
    before, quote, after = passage[:start], passage[start:end], passage[end:]
    return f"{html.escape(before)}<mark>{html.escape(quote)}</mark>{html.escape(after)}"


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


def markdown_literal(text: str) -> str:
    """``text`` for a ``gr.Markdown`` value, shown as written: every ASCII punctuation character
    becomes an HTML character reference, so no Markdown (images, links, autolinks) or HTML can form."""
    return ASCII_PUNCTUATION.sub(lambda m: f"&#{ord(m.group(0))};", text)


def url_html(url: str) -> str:
    """An article's URL: a link that opens in a new tab when it is http(s), else plain escaped text."""
    url = url.strip()
    safe = html.escape(url)
    if not WEB_URL.match(url):
        return f'<span class="url">{safe}</span>'
    return f'<a href="{safe}" target="_blank" rel="noopener noreferrer nofollow">{safe}</a>'


def _meta_line(source: str, published_at: str, url: str) -> str:
    parts = [html.escape(source or "unknown outlet"), html.escape(published_at[:10] or "undated")]
    if url.strip():
        parts.append(url_html(url))
    return " · ".join(parts)


def sources_turn_html(answer: Answer, turn: int, article_text: Callable[[str], str | None]) -> str:
    """The sources panel for one answer: a card per citation, the quote marked inside its passage."""
    parts = [f'<div class="turn current" data-turn="{turn}">']
    question = answer.standalone_question or answer.question
    parts.append(f'<div class="asked">Q{turn}: {html.escape(question)}</div>')
    if not answer.filters.is_empty():
        parts.append(f'<div class="filters-used">Filters: {html.escape(filters_label(answer))}</div>')
    if answer.abstained:
        parts.append('<div class="abstained-note">No ingested article answers this question.')
        closest = _closest_articles(answer)
        if closest:
            parts.append(" Closest articles:<ul>" + "".join(closest) + "</ul>")
        parts.append("</div>")
    for c in answer.citations:
        passage, start, end = citation_passage(c, answer, article_text)
        flag = "" if c.supported else ' <span class="flag">not supported</span>'
        parts.append(
            f'<div class="cite-card" id="{cite_id(turn, c.n)}" data-n="{c.n}">'
            f'<div class="cite-title"><span class="cite-n">[{c.n}]</span> {html.escape(c.title)}{flag}</div>'
            f'<div class="cite-meta">{_meta_line(c.source, c.published_at, c.url)}</div>'
            f'<div class="passage">{passage_html(passage, start, end)}</div></div>'
        )
    if answer.unsupported:
        items = "".join(f"<li>{html.escape(s)}</li>" for s in answer.unsupported)
        parts.append(f'<div class="unsupported-list">Not supported by any source:<ul>{items}</ul></div>')
    if answer.timings_ms:
        timing = " · ".join(f"{k} {v:.0f} ms" for k, v in answer.timings_ms.items())
        parts.append(f'<div class="timings">{html.escape(timing)}</div>')
    parts.append("</div>")
    return "".join(parts)


def _closest_articles(answer: Answer, limit: int = 3) -> list[str]:
    """The articles nearest an abstained question: ``Answer.closest`` when given, else from the hits."""
    metas: list[ArticleMeta] = list(getattr(answer, "closest", None) or []) or [
        h.article for h in answer.hits
    ]
    seen: set[str] = set()
    items = []
    for meta in metas:
        if meta.id in seen:
            continue
        seen.add(meta.id)
        items.append(f"<li>{html.escape(meta.title)} — {_meta_line(meta.source, meta.published_at, '')}</li>")
        if len(items) == limit:
            break
    return items


def filters_label(answer: Answer) -> str:
    """The filters an answer was retrieved under, in words."""
    f = answer.filters
    parts = []
    if f.sources:
        parts.append("outlets " + ", ".join(f.sources))
    if f.categories:
        parts.append("categories " + ", ".join(f.categories))
    if f.date_from or f.date_to:
        parts.append(f"dates {f.date_from or '…'} to {f.date_to or '…'}")
    return "; ".join(parts)


def sources_panel(turns: Sequence[str]) -> str:
    """All answers' source sections, only the newest shown (older ones appear when their [n] is clicked)."""
    if not turns:
        return '<div class="sources-empty">Sources of the answer appear here; click a [n] marker.</div>'
    older = [t.replace('class="turn current"', 'class="turn"', 1) for t in turns[:-1]]
    return "".join([*older, turns[-1]])


ARTICLE_COLUMNS = ["id", "title", "outlet", "date", "chunks"]


def article_rows(articles: Sequence[Article], chunks: dict[str, int], query: str = "") -> list[list[Any]]:
    """Rows of the library table, filtered by a case-insensitive search of title, outlet and id."""
    needle = query.strip().lower()
    rows = []
    for a in articles:
        if needle and needle not in f"{a.title}\n{a.source}\n{a.id}\n{a.category}".lower():
            continue
        rows.append([a.id, a.title, a.source, a.published_at[:10], chunks.get(a.id, 0)])
    return rows
