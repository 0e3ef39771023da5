"""Which outlets a question attributes reports to, and which of them the store has never seen.

"Considering an ESPN article ... and a Sports Illustrated piece ..." asks what those outlets wrote.
When the store holds no article from an outlet the question relies on, no retrieved passage can
answer it, however similar the passages look: the assistant should say so rather than quote
another outlet. Attribution is read from the question's form only: a capitalised name right before
"article / report / piece / ..." ("a Bloomberg article"), or right after "article by / report from /
piece in / reported by / published by" ("a report by Reuters"). "According to X" is left out: X is
as often a person as an outlet.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_NOUN = r"(?:article|report|piece|story|analysis|post|column|op-ed|review|feature|coverage)s?"
_NAME = r"[A-Z0-9][\w.&'’\-]*(?:\s+(?:of|the|and|&|for|de|la)?\s*[A-Z0-9][\w.&'’\-]*){0,5}"
_QUOTE = r"[\"'‘’“”]?"
_BEFORE_NOUN = re.compile(
    rf"\b(?:an?|the|another|one|separate)\s+{_QUOTE}(?P<name>{_NAME}){_QUOTE}\s+{_NOUN}\b"
)
_AFTER_NOUN = re.compile(
    rf"\b(?:{_NOUN}|another(?: one)?|one|reported|published|written|covered)\s+"
    rf"(?:by\s+|from\s+|in\s+)(?:both\s+)?{_QUOTE}(?P<name>(?:the\s+)?{_NAME}){_QUOTE}"
)
# "What did Bloomberg report about ...?": the outlet as the subject of a reporting verb ("say" and
# "write" are left out: people say and write things too).
_SUBJECT = re.compile(
    rf"\b(?i:did|does|do|has|have|had)\s+{_QUOTE}(?P<name>(?:the\s+)?{_NAME}){_QUOTE}\s+"
    r"(?:report|publish|cover)(?:ed|s)?\b"
)
# Capitalised words that start a name match but never name an outlet.
_NOT_OUTLETS = frozenset(
    """a an the this that these those its his her their our my your another one both each either
    january february march april may june july august september october november december
    monday tuesday wednesday thursday friday saturday sunday""".split()  # noqa: SIM905
)


def attributed_names(question: str) -> list[str]:
    """Names the question attributes an article or report to (without a leading "The"), in order, once."""
    found: list[tuple[int, str]] = []
    for pattern in (_BEFORE_NOUN, _AFTER_NOUN, _SUBJECT):
        for match in pattern.finditer(question):
            for name in re.split(r"\s+and\s+", match.group("name")):
                bare = re.sub(r"^(?:The|the)\s+", "", name.strip(" .,'’\""))
                if (
                    bare
                    and bare.split()[0].lower() not in _NOT_OUTLETS
                    and not bare.isdigit()
                    and not re.search(r"['’]s$", bare)  # "the EU's investigation": a possessive
                ):
                    found.append((match.start("name"), bare))
    found.sort()
    return list(dict.fromkeys(name for _, name in found))


def unknown_outlets(question: str, is_known: Callable[[str], bool]) -> list[str]:
    """The attributed names that ``is_known`` rejects, tried with and without a leading "The"."""
    return [name for name in attributed_names(question) if not (is_known(name) or is_known(f"The {name}"))]
