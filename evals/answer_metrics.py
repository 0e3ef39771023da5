"""Answer metrics: accuracy (lenient and strict), abstention, citation support, evidence coverage.

Definitions (one question at a time; :mod:`evals.report` averages them):

- *normalization*: lower-case, citation markers ``[n]`` removed, every character that is not a letter
  or digit becomes a space, the articles a/an/the dropped, spaces collapsed.
- ``accuracy_lenient`` (the paper's rule): an answerable question is correct when its normalized gold
  answer occurs in the normalized answer text as a whole-word phrase ("no" does not match "not").
  The authors' released ``qa_evaluate.py`` is looser (any shared word); we do not use that.
- ``accuracy_strict``: for a yes/no gold answer, the first word of the normalized answer must be that
  word; for any other gold answer, the normalized gold must equal the normalized answer, its first
  sentence, or that sentence's lead clause (the text before the first , ; : or dash).
- For both accuracies an abstention is wrong on an answerable question, and on an unanswerable one
  (no gold evidence) the answer is correct exactly when the assistant abstained.
- ``lead_entity`` (entity questions: answerable, gold answer not yes/no): the normalized gold answer
  occurs as whole words in the answer's *lead*, its first sentence cut to :data:`LEAD_WORDS` words.
  ``lead_entity_rate`` averages it over entity questions.
- ``yes_no`` (gold answer yes or no): the answer's first word is that word. Reported separately for
  yes-gold and no-gold questions (``yes_accuracy``, ``no_accuracy``) and as their mean
  (``yes_no_balanced``), so always answering "Yes" scores 0.5, not the share of yes-gold questions.
- ``abstention_recall`` = unanswerable questions that abstained / unanswerable questions.
- ``false_abstention_rate`` = answerable questions that abstained / answerable questions.
- ``citation_precision`` = supported citations / citations, pooled over all answers. A citation is
  supported when :func:`support_score` of its quote for the claim citing it (the last sentence of the
  answer text before its marker, markers removed) is at least ``0.5 / m`` for a claim citing ``m``
  sources (and at least 0.2), and every number in the claim occurs in one of the claim's quotes. The
  cited article's outlet, date and title count as part of its quote (attributions are supported).
- ``evidence_coverage`` = the share of a question's gold facts that its citations cover, averaged over
  answerable questions with gold facts (0 for an abstention). A fact is covered when, compared as in
  :func:`evals.metrics.match_key`, a quote contains it, or it contains a quote that is at least half
  its length, or the quotes from one article, joined in text order, contain it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from evals.metrics import match_key

_MARKERS = re.compile(r"(?:\s*\[\d+(?:\s*[,;-]\s*\d+)*\])+")
_MARKER_NUMBERS = re.compile(r"\d+")
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)?")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_LEAD_CLAUSE = re.compile(r"\s*(?:[,;:]|\s[-–—]\s|—)\s*")
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+")
_STOPWORD_TEXT = (
    "a an the and or but of to in on at by for with from as is are was were be been being it its this "
    "that these those he she they them his her their we our you your i not no yes do does did has have "
    "had will would can could should may might than then there here which who whom whose what when "
    "where why how also about into over after before up out so such very more most other"
)
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
SUPPORT_THRESHOLD = 0.5
LEAD_WORDS = 40
YES_NO = frozenset({"yes", "no"})
MIN_SUPPORT = 0.2
SUBSTANTIAL_QUOTE = 0.5


def normalize_answer(text: str) -> str:
    """Lower-case, no citation markers, letters and digits only, no articles, single spaces."""
    text = unicodedata.normalize("NFKC", _MARKERS.sub(" ", text)).lower()
    text = "".join(ch if ch.isalnum() else " " for ch in text)
    return " ".join(w for w in text.split() if w not in {"a", "an", "the"})


def lenient_correct(gold: str, answer: str) -> bool:
    """The gold answer occurs, as whole words, in the answer text (both normalized)."""
    g = normalize_answer(gold)
    return bool(g) and f" {g} " in f" {normalize_answer(answer)} "


def strict_correct(gold: str, answer: str) -> bool:
    """Yes/no: the answer starts with that word. Otherwise: answer, first sentence or lead clause == gold."""
    g = normalize_answer(gold)
    if not g:
        return False
    plain = _MARKERS.sub("", answer).strip()
    if g in {"yes", "no"}:
        words = normalize_answer(plain).split()
        return bool(words) and words[0] == g
    first = _SENTENCE_END.split(plain, maxsplit=1)[0]
    lead = _LEAD_CLAUSE.split(first, maxsplit=1)[0]
    return g in {normalize_answer(plain), normalize_answer(first), normalize_answer(lead)}


def lead(answer: str) -> str:
    """The answer's first sentence (markers removed), at most :data:`LEAD_WORDS` words."""
    plain = _MARKERS.sub("", answer).strip()
    first = _SENTENCE_END.split(plain, maxsplit=1)[0]
    return " ".join(first.split()[:LEAD_WORDS])


def lead_names_gold(gold: str, answer: str) -> bool:
    """The gold answer occurs, as whole words, in the answer's lead (both normalized)."""
    return lenient_correct(gold, lead(answer))


def yes_no_gold(gold: str) -> str | None:
    """ "yes" or "no" when that is the gold answer, else None."""
    g = normalize_answer(gold)
    return g if g in YES_NO else None


def content_words(text: str) -> set[str]:
    """Lower-cased words minus stopwords (numbers included): the unit of :func:`support_score`."""
    words = (w.lower() for w in _WORD.findall(unicodedata.normalize("NFKC", text)))
    return {w.replace("’", "'") for w in words if w not in _STOPWORDS}


def numbers(text: str) -> set[str]:
    """The numbers written in ``text`` ("1,200" and "1200" compare equal; "2023-10-31" is 3 numbers)."""
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


def support_score(claim: str, quote: str) -> float:
    """Share of the claim's content words that the quote contains (1.0 for an empty claim)."""
    words = content_words(claim)
    if not words:
        return 1.0
    return len(words & content_words(quote)) / len(words)


@dataclass(frozen=True)
class CitedClaim:
    """A stretch of answer text and the citation numbers that follow it."""

    claim: str
    numbers: tuple[int, ...]


def cited_claims(answer: str) -> list[CitedClaim]:
    """Split the answer at citation markers; the claim is the last sentence before each marker group."""
    claims: list[CitedClaim] = []
    pos = 0
    for match in _MARKERS.finditer(answer):
        segment = answer[pos : match.start()].lstrip(" .,;:!?\n\t")
        pos = match.end()
        sentences = [s for s in _SENTENCE_END.split(segment.strip()) if s.strip()]
        cited = tuple(dict.fromkeys(int(n) for n in _MARKER_NUMBERS.findall(match.group(0))))
        claims.append(CitedClaim(sentences[-1].strip() if sentences else "", cited))
    return claims


def supported_citations(
    answer: str, quotes: dict[int, str], metadata: dict[int, str] | None = None
) -> dict[int, bool]:
    """For each citation number in ``quotes``: does its quote support a claim that cites it?

    ``metadata`` (per citation: outlet, date, title) counts as support too, so an attribution such as
    "The Verge (2023-10-31): ..." is backed by the citation it names. A citation whose marker never
    appears in the answer is unsupported (it backs nothing).
    """
    metadata = metadata or {}
    evidence = {n: f"{quote} {metadata.get(n, '')}" for n, quote in quotes.items()}
    result = dict.fromkeys(quotes, False)
    for claim in cited_claims(answer):
        cited = [n for n in claim.numbers if n in quotes]
        if not cited:
            continue
        claim_numbers = numbers(claim.claim)
        quoted_numbers: set[str] = set().union(*(numbers(evidence[n]) for n in cited))
        if not claim_numbers <= quoted_numbers:
            continue
        needed = max(MIN_SUPPORT, SUPPORT_THRESHOLD / len(cited))
        for n in cited:
            if support_score(claim.claim, evidence[n]) >= needed:
                result[n] = True
    return result


@dataclass(frozen=True)
class Quote:
    """A cited passage: its text and where it sits in its article (for joining neighbours)."""

    text: str
    article_id: str = ""
    start: int = 0


def fact_covered(fact: str, quotes: Sequence[Quote]) -> bool:
    """True when the quotes cover the gold fact (see the module docstring)."""
    f = match_key(fact)
    if not f:
        return False
    for quote in quotes:
        q = match_key(quote.text)
        if q and (f in q or (q in f and len(q) >= SUBSTANTIAL_QUOTE * len(f))):
            return True
    by_article: dict[str, list[Quote]] = {}
    for quote in quotes:
        by_article.setdefault(quote.article_id, []).append(quote)
    return any(
        f in "".join(match_key(q.text) for q in sorted(group, key=lambda q: q.start))
        for group in by_article.values()
        if len(group) > 1
    )


def evidence_coverage(facts: Sequence[str], quotes: Sequence[Quote]) -> float | None:
    """Share of the distinct gold facts the quotes cover; None when there are no facts."""
    distinct = list(dict.fromkeys(facts))
    if not distinct:
        return None
    return sum(fact_covered(f, quotes) for f in distinct) / len(distinct)
