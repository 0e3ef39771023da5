"""Text utilities shared by every stage: sentence spans with offsets, token counting, word sets.

Leaf module: imports nothing of ours but settings-free helpers.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "etc", "inc", "ltd", "co", "corp",
    "gen", "col", "lt", "sgt", "capt", "gov", "sen", "rep", "no", "fig", "jan", "feb", "mar", "apr",
    "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mt", "ft", "u.s", "u.k", "e.g", "i.e",
    "approx", "est", "dept", "univ",
}  # fmt: skip
# A boundary candidate: terminal punctuation, optional closing quotes/brackets, then whitespace.
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+)")
_NEXT_START = re.compile(r"\s+[\"'“‘(\[]*[A-Z0-9]")
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'’\-]*")

# spaCy's English stop words, less the ones that carry a question's meaning here (numbers, "first",
# "last", "amount", "name", "top", "side", ...), plus the words every news question uses ("report",
# "article", "said", "according")
_KEEP = frozenset(
    [
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "fifteen",
        "twenty",
        "forty",
        "fifty",
        "sixty",
        "hundred",
        "first",
        "third",
        "last",
        "amount",
        "name",
        "top",
        "bottom",
        "front",
        "back",
        "side",
        "part",
        "full",
        "empty",
        "whole",
        "serious",
        "show",
        "call",
        "move",
        "keep",
        "give",
        "take",
        "put",
        "see",
        "made",
        "make",
        "used",
        "using",
        "done",
        "became",
        "become",
        "becomes",
        "becoming",
        "former",
        "formerly",
        "latter",
        "latterly",
        "never",
        "none",
        "nothing",
        "nobody",
        "without",
        "except",
    ]
)
_NEWS_WORDS = frozenset(
    [
        "according",
        "article",
        "articles",
        "having",
        "news",
        "report",
        "reported",
        "reports",
        "said",
        "says",
        "theirs",
    ]
)


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Words left out of lexical scores and lexical search (spaCy's list, loaded on first use: importing
    spaCy takes seconds)."""
    from spacy.lang.en.stop_words import STOP_WORDS

    plain = {w for w in STOP_WORDS if not any(q in w for q in "'’‘")}
    return frozenset(plain - _KEEP) | _NEWS_WORDS


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def sentence_spans(text: str) -> list[Span]:
    """Split ``text`` into sentences; each span excludes surrounding whitespace.

    Newlines always end a sentence (news bodies put headings and captions on their own lines).
    """
    spans: list[Span] = []
    for line_start, line_end in _lines(text):
        spans.extend(_split_line(text, line_start, line_end))
    return spans


def sentence_texts(text: str) -> list[str]:
    """The sentences of ``text`` as strings, split as :func:`sentence_spans` splits them."""
    return [text[s.start : s.end] for s in sentence_spans(text)]


def _lines(text: str) -> Iterator[tuple[int, int]]:
    pos = 0
    for match in re.finditer(r"\n", text):
        yield pos, match.start()
        pos = match.end()
    yield pos, len(text)


def _split_line(text: str, start: int, end: int) -> Iterator[Span]:
    line = text[start:end]
    sent_start = 0
    for match in _BOUNDARY.finditer(line):
        cut = match.end()
        if not _NEXT_START.match(line, cut) or _is_abbreviation(line, match.start()):
            continue
        span = _trimmed(line, sent_start, cut, start)
        if span:
            yield span
        sent_start = cut
    span = _trimmed(line, sent_start, len(line), start)
    if span:
        yield span


def _is_abbreviation(line: str, dot: int) -> bool:
    if line[dot] != ".":
        return False
    word = re.search(r"([A-Za-z][A-Za-z.]*)$", line[:dot])
    if not word:
        return False
    token = word.group(1).lower()
    # single capital letters are initials ("J. Smith"); known abbreviations never end a sentence
    return token in _ABBREVIATIONS or (len(token) == 1 and line[dot - 1].isupper())


def _trimmed(line: str, a: int, b: int, offset: int) -> Span | None:
    segment = line[a:b]
    stripped = segment.strip()
    if not stripped:
        return None
    lead = len(segment) - len(segment.lstrip())
    return Span(offset + a + lead, offset + a + lead + len(stripped))


@lru_cache(maxsize=4)
def _encoding(name: str):  # type: ignore[no-untyped-def]
    import tiktoken

    return tiktoken.get_encoding(name)


def count_tokens(text: str, encoding: str = "cl100k_base") -> int:
    """Number of tiktoken tokens in ``text`` (call rag.offline.configure first for offline use)."""
    return len(_encoding(encoding).encode(text, disallowed_special=()))


_STEMMER = Stemmer.Stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Snowball's English stem: "discussed", "discussions" and "discuss" share "discuss"."""
    return str(_STEMMER.stemWord(word))


def content_words(text: str) -> list[str]:
    """Stemmed, lower-cased words minus stopwords: the unit of lexical overlap scores."""
    words = (w.lower().strip("'’-") for w in _WORD.findall(text))
    stop = stopwords()
    return [stem(w) for w in words if w and w not in stop]


def normalize_space(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# not the comma of a date ("November 1, 2023")
_CLAIM_BREAK = re.compile(r"\s*(?:,(?!\s*\d{4}\b)|[;?]|\b(?:while|whereas|but|and|or)\b)\s*", re.IGNORECASE)


def claims(question: str, min_words: int = 3) -> list[str]:
    """The parts of a multi-part question, each saying one thing ("..., while X suggests ...").

    Split at commas (not a date's), semicolons and the words and/or/but/while/whereas; a piece with fewer than
    ``min_words`` content words ("2023", "and the Verge") joins its neighbour. A question with one
    claim comes back whole.
    """
    out: list[str] = []
    for piece in (p for p in _CLAIM_BREAK.split(question) if p.strip()):
        if out and len(content_words(out[-1])) < min_words:
            out[-1] = f"{out[-1]} {piece}"
        else:
            out.append(piece)
    if len(out) > 1 and len(content_words(out[-1])) < min_words:
        last = out.pop()
        out[-1] = f"{out[-1]} {last}"
    return out if len(out) > 1 else [question]
