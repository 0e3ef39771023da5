"""A saved conversation as a Markdown document: each question, the answer with its [n] markers, and
under it the numbered sources (title, outlet, date, URL, the cited sentence quoted).

Questions, answers and article text are untrusted: they are Markdown-escaped so that none of it forms a
link, image, autolink, HTML tag, heading or list; a URL is shown as code, never as a link. Only the
answer's own [n] markers (numbers of its citations) stay as written.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from web.conversations import Record, shown_time

INLINE = re.compile(r"[\\`*_{}\[\]<>()!|~&@]")  # what can start emphasis, links, HTML, entities, tables
LINE_START = re.compile(r"^(\s*)([#>+=:-]|\d+[.)])")  # what starts a block when first on a line
AUTOLINK = re.compile(r"(?i)(?<=[a-z0-9])(:)(?=//)|(?<=\bwww)(\.)")  # scheme:// and www. (GFM autolinks)
MARKER = re.compile(r"\\\[(\d+)\\\]")


def escape(text: str) -> str:
    """``text`` on one line, shown as written by any CommonMark or GFM renderer."""
    return escape_line(" ".join(str(text).split()))


def escape_line(line: str) -> str:
    escaped = INLINE.sub(lambda m: "\\" + m.group(0), line)
    escaped = AUTOLINK.sub(lambda m: "\\" + m.group(0), escaped)
    return LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)


def answer_markdown(text: str, numbers: Sequence[int]) -> str:
    """An answer's text, escaped line by line (a hard break between lines), its [n] markers for
    ``numbers`` kept as written."""
    known = {str(n) for n in numbers}
    lines = []
    for line in str(text).splitlines():
        line = " ".join(line.split())
        if not line:
            continue
        escaped = escape_line(line)
        lines.append(MARKER.sub(lambda m: f"[{m.group(1)}]" if m.group(1) in known else m.group(0), escaped))
    return "  \n".join(lines)


def code(text: str) -> str:
    """``text`` as a code span (never a link), fenced by more backticks than it holds."""
    text = " ".join(str(text).split())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def source_markdown(citation: dict[str, Any]) -> str:
    """One numbered source: ``- [n] *title* — outlet · date · `url``` and the quoted sentence."""
    n = int(citation.get("n", 0))
    meta = [
        escape(citation.get("source") or "unknown outlet"),
        escape(str(citation.get("published_at") or "undated")[:10]),
    ]
    url = str(citation.get("url") or "").strip()
    if url:
        meta.append(code(url))
    title = escape(citation.get("title") or "untitled")
    quote = escape(citation.get("quote") or "")
    return f"- [{n}] *{title}* — {' · '.join(meta)}\n\n  > {quote}"


def conversation_markdown(record: Record) -> str:
    """The whole conversation, one section per question."""
    turns = record.get("turns") or []
    title = escape(record.get("title") or "Conversation")
    parts = [f"# {title}", f"Exported from osint-rag · {shown_time(str(record.get('updated', '')))}"]
    for i, turn in enumerate(turns, 1):
        citations = sorted(turn.get("citations") or [], key=lambda c: int(c.get("n", 0)))
        parts.append(f"## Q{i}: {escape(turn.get('question', ''))}")
        if turn.get("filters"):
            parts.append(f"Filters: {escape(turn['filters'])}")
        answer = answer_markdown(turn.get("answer", ""), [int(c.get("n", 0)) for c in citations])
        if turn.get("abstained"):
            answer = f"**No answer in the ingested articles.** {answer}"
        parts.append(answer)
        if citations:
            parts.append("Sources:")
            parts.append("\n".join(source_markdown(c) for c in citations))
    return "\n\n".join(parts) + "\n"


def file_name(record: Record) -> str:
    """The export's file name: the conversation's date and id, never its text."""
    day = str(record.get("created", ""))[:10]
    day = day if re.fullmatch(r"\d{4}-\d{2}-\d{2}", day) else "undated"
    return f"conversation-{day}-{str(record.get('id', ''))[:8]}.md"
