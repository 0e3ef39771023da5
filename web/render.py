"""HTML and Markdown for the UI: answers with clickable [n] markers, the sources panel, the library.

Pure functions of :mod:`rag.types` values, so they are tested without a server. Every piece of text
that comes from an article or a user is escaped here, and shown as text: the chat renders messages as
sanitized HTML with Markdown off, so article text cannot form images or links; an article's URL is a
link only when it is http(s). Text for ``gr.Markdown`` goes through :func:`markdown_literal`.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Callable, Sequence
from typing import Any

from rag.types import Answer, Article, ArticleMeta, Citation, Filters, Reporter
from web import excerpts
from web.excerpts import HIDDEN, PASSAGE_CONTEXT, citation_passage

MARKER = re.compile(r"\[(\d+)\]")
WEB_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$", re.IGNORECASE)
ASCII_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]")


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


def sources_turn_html(
    answer: Answer,
    turn: int,
    article_text: Callable[[str], str | None],
    reporters: Callable[[str], Sequence[Reporter]] | None = None,
) -> str:
    """The sources panel for one answer: a card per cited article, each cited sentence marked with its
    number inside a short excerpt (the rest behind "show more"); the timings behind "details"."""
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
    for cited in by_article(answer.citations):
        parts.append(card_html(cited, answer, turn, article_text, reporters))
    if answer.unsupported:
        items = "".join(f"<li>{html.escape(s)}</li>" for s in answer.unsupported)
        parts.append(f'<div class="unsupported-list">Not supported by any source:<ul>{items}</ul></div>')
    if answer.timings_ms:
        timing = " · ".join(f"{k} {v:.0f} ms" for k, v in answer.timings_ms.items())
        parts.append(f'<details class="timings"><summary>details</summary>{html.escape(timing)}</details>')
    parts.append("</div>")
    return "".join(parts)


def by_article(citations: Sequence[Citation]) -> list[list[Citation]]:
    """Citations grouped by article, in the order each article is first cited."""
    groups: dict[str, list[Citation]] = {}
    for c in sorted(citations, key=lambda c: c.n):
        groups.setdefault(c.article_id or f"#{c.n}", []).append(c)
    return list(groups.values())


def card_html(
    cited: Sequence[Citation],
    answer: Answer,
    turn: int,
    article_text: Callable[[str], str | None],
    reporters: Callable[[str], Sequence[Reporter]] | None = None,
) -> str:
    """One article's card: its citation numbers, title, outlet, date and link, the outlets that carried
    a near-copy of it (found at ingest: corroboration, not another source), and the excerpt."""
    first = cited[0]
    numbers = "".join(f'<span class="cite-n">[{c.n}]</span>' for c in cited)
    flags = "".join(f' <span class="flag">[{c.n}] not supported</span>' for c in cited if not c.supported)
    ns = " ".join(str(c.n) for c in cited)
    return (
        f'<div class="cite-card" id="card-{turn}-{first.n}" data-n="{ns}">'
        f'<div class="cite-title">{numbers} {html.escape(first.title)}{flags}</div>'
        f'<div class="cite-meta">{_meta_line(first.source, first.published_at, first.url)}</div>'
        f"{_also_reported(reporters(first.article_id) if reporters and first.article_id else ())}"
        f'<div class="passage">{_card_passage(cited, answer, turn, article_text)}</div></div>'
    )


def _also_reported(others: Sequence[Reporter]) -> str:
    if not others:
        return ""
    names = ", ".join(
        html.escape(r.source or "another outlet")
        + (f" ({html.escape(r.published_at[:10])})" if r.published_at else "")
        for r in others
    )
    return f'<div class="also">Also reported by {names}</div>'


def _card_passage(
    cited: Sequence[Citation], answer: Answer, turn: int, article_text: Callable[[str], str | None]
) -> str:
    """The cited sentences ±1 sentence of the article, with a "show more" window around them; a
    citation whose quote is not at its offsets in the stored text shows its own passage instead."""
    text = article_text(cited[0].article_id) or ""
    exact = [c for c in cited if text and text[c.start : c.end] == c.quote]
    parts = []
    if exact:
        cited_at = [(c.n, c.start, c.end) for c in exact]
        short, wide, marks, hidden = excerpts.excerpt(text, cited_at, PASSAGE_CONTEXT)
        anchor = functools.partial(cite_id, turn)
        shown = excerpts.ranges_html(text, short, marks, hidden, anchor, HIDDEN)
        parts.append(f'<div class="excerpt">{shown}</div>')
        if wide != short:
            full = excerpts.ranges_html(text, wide, marks, hidden, None, HIDDEN)
            parts.append(
                '<details class="more"><summary><span class="show">show more</span>'
                f'<span class="hide">show less</span></summary><div class="full">{full}</div></details>'
            )
        if [(0, len(text))] != wide:  # the whole clean text, every cited sentence highlighted
            whole = excerpts.ranges_html(text, [(0, len(text))], marks, hidden, None, HIDDEN)
            parts.append(
                '<details class="article"><summary>open article</summary>'
                f'<div class="whole">{whole}</div></details>'
            )
    for c in cited:
        if any(c is e for e in exact):
            continue
        passage, start, end = citation_passage(c, answer, lambda _: text or None)
        mark = [excerpts.Mark(start, end, [c.n])]
        body = excerpts.ranges_html(passage, [(0, len(passage))], mark, (), functools.partial(cite_id, turn))
        parts.append(f'<div class="excerpt">{body}</div>')
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
    return describe_filters(answer.filters)


def describe_filters(f: Filters) -> str:
    """Filters in words: "outlets A, B; categories C; dates 2025-01-01 to …"."""
    parts = []
    if f.sources:
        parts.append("outlets " + ", ".join(f.sources))
    if f.categories:
        parts.append("categories " + ", ".join(f.categories))
    if f.date_from and f.date_to:
        parts.append(f"dates {f.date_from} to {f.date_to}")
    elif f.date_from:
        parts.append(f"dates from {f.date_from}")
    elif f.date_to:
        parts.append(f"dates up to {f.date_to}")
    return "; ".join(parts)


def no_match_html(filters: Filters) -> str:
    """The chat's reply when no stored article passes the filters (the question is not run)."""
    return (
        '<span class="abstained"><b>No article matches these filters:</b> '
        f"{html.escape(describe_filters(filters))}. Widen or clear the filters, then ask again.</span>"
    )


def filter_status_html(matching: int, total: int, filtered: bool) -> str:
    """How many stored articles the current filters let through, shown beside them."""
    stored = f"{total} article{'' if total == 1 else 's'}"
    if not filtered:
        return f'<div class="filter-count">{stored} in the library</div>'
    if matching == 0:
        return f'<div class="filter-count none">No article matches these filters (of {stored})</div>'
    verb = "matches" if matching == 1 else "match"
    return f'<div class="filter-count"><b>{matching}</b> of {stored} {verb}</div>'


def input_error_html(message: str) -> str:
    """An input error shown beside the field it is about (escaped)."""
    return f'<div class="input-error" role="alert">⚠ {html.escape(message)}</div>'


def sources_panel(turns: Sequence[str]) -> str:
    """All answers' source sections in the panel's own scroll area, only the newest shown; older ones
    appear when their [n] or their "Q1" button is clicked ("Sources for Q1 Q2 Q3 of 3")."""
    if not turns:
        body = '<div class="sources-empty">Sources of the answer appear here; click a [n] marker.</div>'
    else:
        older = [t.replace('class="turn current"', 'class="turn"', 1) for t in turns[:-1]]
        body = _turn_nav(len(turns)) + "".join([*older, turns[-1]])
    return f'<div class="sources-scroll">{body}</div>'


def _turn_nav(count: int) -> str:
    """Buttons for every answer's sources (the newest selected), when there are several."""
    if count < 2:
        return ""
    buttons = "".join(
        f'<button type="button" class="turn-link{" current" * (k == count)}" data-turn="{k}">Q{k}</button>'
        for k in range(1, count + 1)
    )
    return f'<div class="turn-nav">Sources for {buttons} of {count}</div>'


ARTICLE_COLUMNS = ["id", "title", "outlet", "date", "chunks"]  # the HTTP API's rows
LIBRARY_COLUMNS = ["title", "outlet", "date", "category", "id"]  # the Library table


def _matches(a: Article, needle: str) -> bool:
    return not needle or needle in f"{a.title}\n{a.source}\n{a.id}\n{a.category}".lower()


def article_rows(articles: Sequence[Article], chunks: dict[str, int], query: str = "") -> list[list[Any]]:
    """Rows for the HTTP API's article list, filtered by a case-insensitive search of title, outlet
    and id."""
    needle = query.strip().lower()
    return [
        [a.id, a.title, a.source, a.published_at[:10], chunks.get(a.id, 0)]
        for a in articles
        if _matches(a, needle)
    ]


def library_rows(articles: Sequence[Article], query: str = "") -> list[list[Any]]:
    """Rows of the Library table (:data:`LIBRARY_COLUMNS`: the id last), searched like
    :func:`article_rows`."""
    needle = query.strip().lower()
    return [
        [a.title, a.source, a.published_at[:10], a.category, a.id] for a in articles if _matches(a, needle)
    ]
