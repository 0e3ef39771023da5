"""Citation verification: every answer sentence must be supported by the sentence it cites.

A drafted answer is split into claims (sentences with their ``[n]`` markers). Each claim is scored
against every sentence of every source: lexical overlap (share of the claim's content words the
sentence has), numbers and names (every number / capitalised name of the claim must be there), and
embedding similarity. A claim keeps its own citation when a sentence of the cited source supports it,
is re-cited to another source's sentence that does, and is otherwise listed as unsupported with no
citation at all: a citation is never forced. The threshold (the calibrated ``support_threshold``,
rag/calibration.json) was measured on the MultiHop-RAG dev set (`python -m evals.support_threshold`).
Text addressed to an AI (see :mod:`rag.injection`) counts for nothing: such a source sentence supports
no claim, and such an answer sentence (a backend that followed a planted instruction) is dropped from
the answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from rag.citations import Evidence, cite
from rag.injection import looks_like_injection
from rag.sentence_score import SentenceScorer, sentence_words
from rag.text import normalize_space, sentence_spans
from rag.types import Citation
from store.embeddings import Embedder

_MARKERS = re.compile(r"\s*(?:\[\d+(?:\s*,\s*\d+)*\]\s*)+")
_AFTER_STOP = re.compile(r"[.!?][\"'”’)]*\s*(?:\[\d+(?:\s*,\s*\d+)*\]\s*)+$")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-zA-Z'’\-]+")


@dataclass
class Claim:
    """One sentence of an answer: its text without markers and the source numbers it cites."""

    text: str
    cited: list[int] = field(default_factory=list)


def split_claims(answer: str) -> list[Claim]:
    """Sentences of ``answer`` with their citation markers (``[1]``, ``[1, 2]``, ``[1][3]``)."""
    claims: list[Claim] = []
    for span in sentence_spans(answer):
        piece = answer[span.start : span.end]
        lead = _MARKERS.match(piece)
        if lead and claims:  # "... end. [2] Next" -> the marker belongs to the previous sentence
            _cite_back(claims, _numbers(lead.group()))
            piece = piece[lead.end() :]
        cited = [n for m in _MARKERS.finditer(piece) for n in _numbers(m.group())]
        text = normalize_space(_MARKERS.sub(" ", piece)).strip()
        text = re.sub(r"\s+([.,;:!?])", r"\1", text)
        if text and re.search(r"[A-Za-z0-9]", text):
            claims.append(Claim(text, cited))
            if cited and _AFTER_STOP.search(piece):
                _spread(claims, cited)
        elif cited and claims:
            _cite_back(claims, cited)
    return claims


def _cite_back(claims: list[Claim], cited: list[int]) -> None:
    """A marker group standing after the last claim: it cites that claim (and see :func:`_spread`)."""
    claims[-1].cited.extend(cited)
    _spread(claims, cited)


def _spread(claims: list[Claim], cited: list[int]) -> None:
    """A marker group after the last claim's full stop ("A. B. [1][2]") also cites the uncited claims
    just before it: LLMs often put every citation at the end. Verification checks each."""
    for claim in reversed(claims[:-1]):
        if claim.cited:
            break
        claim.cited.extend(cited)


def _numbers(marker: str) -> list[int]:
    return [int(n) for n in re.findall(r"\d+", marker)]


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _quotes(claim: str, sentence: str) -> bool:
    """The claim is (part of) the sentence, or quotes the whole sentence. A short claim ("Baghdad.", "$565
    million.": an answer stated alone) must stand in the sentence as whole words."""
    claim_key, sentence_key = _key(claim), _key(sentence)
    if len(claim_key) < 12:
        words = claim.strip().rstrip(".!?").strip()
        named = any(c.isdigit() or c.isupper() for c in words) and words.lower() not in {"yes", "no"}
        return len(claim_key) >= 2 and named and _whole_words(words, sentence)
    return claim_key in sentence_key or (len(sentence_key) > 20 and sentence_key in claim_key)


def _whole_words(phrase: str, sentence: str) -> bool:
    return re.search(rf"(?<![\w$€£]){re.escape(phrase)}(?!\w)", sentence, re.IGNORECASE) is not None


def names(text: str) -> set[str]:
    """Capitalised words not at the start of the text (a cheap stand-in for named entities)."""
    return {m.group().lower().strip("'’-") for m in _NAME.finditer(text)}


def numbers(text: str) -> set[str]:
    return {n.replace(",", "") for n in _NUMBER.findall(text)}


class SupportScorer:
    """Scores how well an evidence sentence supports a claim, in [0, 1]."""

    def __init__(self, embedder: Embedder, dense_weight: float = 0.5) -> None:
        self.embedder = embedder
        self.dense_weight = dense_weight
        self.shared = SentenceScorer(dense_weight)

    def scores(
        self, claim: str, evidence: Sequence[Evidence], vectors: np.ndarray | None = None
    ) -> np.ndarray:
        """Support of ``claim`` by each evidence sentence (``vectors``: their embeddings, if known)."""
        if not evidence:
            return np.zeros(0, dtype=np.float32)
        texts = [e.text for e in evidence]
        exact = np.array([float(_quotes(claim, t)) for t in texts], dtype=np.float32)
        if exact.any():  # a verbatim quote: no need to embed anything
            return exact
        if vectors is None:
            vectors = np.asarray(self.embedder.embed(texts))
        claim_vec = np.asarray(self.embedder.embed([claim]))[0]
        dense = np.clip(vectors @ claim_vec, 0.0, 1.0)
        return np.array(
            [self.combine(claim, t, float(d)) for t, d in zip(texts, dense, strict=True)], dtype=np.float32
        )

    def combine(self, claim: str, sentence: str, dense: float) -> float:
        """Lexical, number/name and dense evidence folded into one score."""
        if _quotes(claim, sentence):
            return 1.0
        # the shared sentence score, then the penalties below
        score = float(self.shared.scores(claim, sentence_words([sentence]), np.array([dense]))[0])
        missing_numbers = numbers(claim) - numbers(sentence)
        claim_names = names(claim)
        missing_names = claim_names - set(re.findall(r"[a-z0-9'’\-]+", sentence.lower()))
        if missing_numbers:
            score *= 0.6
        if claim_names and missing_names:
            score *= 1 - 0.5 * len(missing_names) / len(claim_names)
        return float(score)


@dataclass
class Verified:
    """The verified answer: text with earned markers, its citations, and unsupported sentences."""

    text: str
    citations: list[Citation]
    unsupported: list[str]
    supported_claims: int = 0


class Verifier:
    """Checks each claim against its cited source, re-cites, or flags it (see the module doc)."""

    def __init__(self, scorer: SupportScorer, threshold: float | None = None) -> None:
        """``threshold``: the support a citation needs (default: the calibrated ``support_threshold``)."""
        from rag.calibration import load_calibration

        self.scorer = scorer
        self.threshold = load_calibration().support_threshold if threshold is None else threshold

    def verify(
        self, answer: str, pool: Sequence[tuple[int, Evidence]], vectors: np.ndarray | None = None
    ) -> Verified:
        """Verify ``answer`` against ``pool``: (source number, sentence) pairs, with their embeddings."""
        citations: list[Citation] = []
        index: dict[tuple[str, int], int] = {}
        pieces: list[str] = []
        unsupported: list[str] = []
        supported = 0
        clean = [i for i, (_, e) in enumerate(pool) if not looks_like_injection(e.text)]
        if len(clean) < len(pool):
            pool = [pool[i] for i in clean]
            vectors = None if vectors is None else vectors[clean]
        sentences = [e for _, e in pool]
        if vectors is None and sentences:
            vectors = np.asarray(self.scorer.embedder.embed([e.text for e in sentences]))
        for claim in split_claims(answer):
            if looks_like_injection(claim.text):
                continue
            scores = self.scorer.scores(claim.text, sentences, vectors)
            best = self._pick(claim, pool, scores)
            if best is None:
                unsupported.append(claim.text)
                pieces.append(claim.text)
                continue
            supported += 1
            evidence, score = pool[best][1], float(scores[best])
            key = (evidence.hit.article.id, evidence.start)
            if key not in index:
                index[key] = len(citations) + 1
                citations.append(cite(index[key], evidence, score))
            pieces.append(_with_marker(claim.text, index[key]))
        return Verified(_join(pieces, answer), citations, unsupported, supported)

    def _pick(self, claim: Claim, pool: Sequence[tuple[int, Evidence]], scores: np.ndarray) -> int | None:
        """The best supporting sentence, preferring the sources the claim cited."""
        if not pool:
            return None
        cited = [i for i, (n, _) in enumerate(pool) if n in claim.cited]
        if cited:
            own = max(cited, key=lambda i: float(scores[i]))
            if float(scores[own]) >= self.threshold:
                return own
        best = int(np.argmax(scores))
        return best if float(scores[best]) >= self.threshold else None


def _join(pieces: Sequence[str], draft: str) -> str:
    """Join verified sentences, one per line when the draft put them on lines (side by side)."""
    return ("\n" if "\n" in draft.strip() else " ").join(pieces)


def _with_marker(sentence: str, n: int) -> str:
    """``sentence`` with ``[n]`` before its closing punctuation: "It rained [1]."."""
    match = re.search(r"[.!?…]+$", sentence)
    if not match:
        return f"{sentence} [{n}]"
    return f"{sentence[: match.start()]} [{n}]{sentence[match.start() :]}"
