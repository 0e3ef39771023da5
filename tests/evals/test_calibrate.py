"""The answerability refit: cross-validated threshold within the false-abstention bound, per-group rates."""

from __future__ import annotations

import random
from typing import Any

import pytest

from evals.calibrate import fit, table
from rag.answer.answerability import FEATURES, Model

pytest.importorskip("sklearn")


def rows(n: int, group: str, answerable: bool, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    centre = 0.55 if answerable else 0.3
    out = []
    for i in range(n):
        signals = {f: 0.0 for f in FEATURES}
        signals["best"] = rng.gauss(centre, 0.08)
        signals["entity_share"] = 1.0 if answerable or rng.random() < 0.5 else 0.0
        out.append({"group": group, "id": f"{group}-{i}", "answerable": answerable, "signals": signals})
    return out


def test_the_threshold_keeps_false_abstention_within_the_bound_and_separates_the_groups() -> None:
    data = rows(200, "dev", True, 1) + rows(40, "dev", False, 2) + rows(40, "nearmiss-seed", True, 3)
    data += rows(40, "nearmiss-seed", False, 4)
    model = fit(data, max_false_abstention=0.05)
    assert model["weights"]["best"] > 0 and model["weights"]["entity_share"] > 0
    fitted = Model(model["weights"], model["intercept"], model["threshold"])
    answerable = [r for r in data if r["answerable"]]
    abstained = sum(fitted.probability(r["signals"]) < fitted.threshold for r in answerable)
    assert abstained / len(answerable) <= 0.08  # refitted on all folds: near the cross-validated 0.05
    cv = model["cross_validated"]
    assert cv["dev"]["answered"] >= 0.9 and cv["nearmiss-seed"]["abstention_recall"] >= 0.7
    assert model["fitted_on"]["dev"] == {"answerable": 200, "unanswerable": 40}
    assert "| nearmiss-seed | 40 / 40 |" in table(model)


def test_the_yes_no_table_reports_chance_for_a_signal_that_carries_nothing() -> None:
    from evals.calibrate import VERDICT_SIGNALS, yes_no_table

    rng = random.Random(7)
    data = []
    for i in range(120):
        gold = "Yes" if i % 2 else "no"
        signals = {f: rng.random() for f in VERDICT_SIGNALS}
        signals["part_support"] = (0.7 if gold == "Yes" else 0.3) + rng.gauss(0, 0.05)  # this one separates
        data.append({"group": "dev", "answerable": True, "gold": gold, "signals": signals})
    text = yes_no_table(data)
    auc_table, sweep = text.split('A "Yes" needs')
    rows = {
        line.split("|")[1].strip(): float(line.split("|")[2])
        for line in auc_table.splitlines()
        if line.startswith("| ") and "---" not in line and "signal" not in line
    }
    assert rows["part_support"] > 0.95
    assert 0.3 < rows["same_topic"] < 0.7
    assert "120 dev yes/no questions (60 yes, 60 no)" in text
    # the threshold sweep: at 0.50 the separating signal calls (nearly) only the yes-gold questions "Yes"
    cells = {
        line.split("|")[1].strip(): line.split("|")[2:5] for line in sweep.splitlines() if line[:4] == "| 0."
    }
    called, precision, recall = (float(c) for c in cells["0.50"])
    assert 55 <= called <= 65 and precision > 0.95 and recall > 0.9


def test_a_weight_never_takes_the_sign_its_meaning_forbids() -> None:
    import numpy as np

    from evals.calibrate import signed_logistic

    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 400)
    x = np.zeros((400, len(FEATURES)))
    best, absent = FEATURES.index("best"), FEATURES.index("entity_absent")
    x[:, best] = -(y - 0.5) + rng.normal(0, 0.3, 400)  # the data says: the closer, the less answerable
    x[:, absent] = (y - 0.5) + rng.normal(0, 0.3, 400)  # and: an absent entity, the more answerable
    coef, _ = signed_logistic(x, y, np.ones(400))
    assert coef[best] >= 0 and coef[absent] <= 0  # both pinned at zero rather than flipped
