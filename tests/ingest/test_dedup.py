"""The near-duplicate threshold, measured on a small constructed set (exact Jaccard vs MinHash LSH)."""

from __future__ import annotations

import json
import random
from pathlib import Path

from ingest.dedup import NearDuplicates, jaccard, signature


def variants(base: str, rng: random.Random) -> dict[str, str]:
    words = base.split()
    sentences = base.split(". ")
    edited = list(words)
    for i in rng.sample(range(len(words)), len(words) // 10):  # 10% of the words replaced
        edited[i] = "changed"
    return {
        "syndicated": f"By a staff writer.\n{base}\nRead more from our partners.",
        "retitled_trimmed": ". ".join(sentences[1:]),
        "light_edit": " ".join(edited),
        "half": " ".join(words[: len(words) // 2]),
        "rewrite": " ".join(reversed(words)),
    }


def test_threshold_separates_copies_from_distinct_stories(corpus_path: Path) -> None:
    records = json.loads(corpus_path.read_text(encoding="utf-8"))[:60]
    rng = random.Random(7)
    index = NearDuplicates(0.8)
    for n, record in enumerate(records):
        index.add(str(n), signature(record["body"]))
    base = records[3]["body"]
    found = {}
    for name, text in variants(base, rng).items():
        found[name] = (round(jaccard(base, text), 2), index.find(signature(text)))
    # syndicated copies and trims stay far above 0.8 and are grouped with the original
    for name in ("syndicated", "retitled_trimmed"):
        assert found[name][0] >= 0.9 and found[name][1] == "3", (name, found[name])
    # a 10% word edit breaks ~30% of the 3-shingles: Jaccard ~0.5, another article, not grouped
    for name in ("light_edit", "half", "rewrite"):
        assert found[name][0] < 0.8 and found[name][1] is None, (name, found[name])
    # distinct articles (same outlets, same weeks) never reach the threshold
    scores = [jaccard(records[i]["body"], records[j]["body"]) for i in range(20) for j in range(i + 1, 20)]
    assert max(scores) < 0.5
    assert all(index.find(signature(r["body"])) == str(n) for n, r in enumerate(records[:20]))
