"""Scores checked against reference libraries (test-only): scikit-learn and scoringrules."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.domain.test_scoring import distributions, probability
from tracker.domain.scoring import brier_binary, log_loss, rps

sklearn_metrics = pytest.importorskip("sklearn.metrics")
scoringrules = pytest.importorskip("scoringrules")


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(probability, st.integers(0, 1)), min_size=2, max_size=50))
def test_brier_and_log_loss_agree_with_scikit_learn(pairs: list[tuple[float, int]]) -> None:
    ps = [p for p, _ in pairs]
    os_ = [o for _, o in pairs]
    ours = sum(brier_binary(p, o == 1) for p, o in pairs) / len(pairs)
    assert ours == pytest.approx(sklearn_metrics.brier_score_loss(os_, ps), abs=1e-12)
    mine = sum(log_loss(p if o == 1 else 1 - p) for p, o in pairs) / len(pairs)
    assert mine == pytest.approx(sklearn_metrics.log_loss(os_, ps, labels=[0, 1]), abs=1e-9)


@settings(max_examples=50, deadline=None)
@given(distributions())
def test_rps_agrees_with_scoringrules(case: tuple[tuple[float, ...], int]) -> None:
    probabilities, outcome = case
    theirs = float(scoringrules.rps_score(outcome + 1, list(probabilities)))
    assert rps(probabilities, outcome) * (len(probabilities) - 1) == pytest.approx(theirs, abs=1e-9)
