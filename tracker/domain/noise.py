"""Is a difference larger than its noise? A bootstrap over questions (docs/reviews.md, "Noise").

A figure of a review is a mean over questions (or over forecasts grouped by question), so the
unit that is resampled is the question: each resample draws as many questions as there are,
with replacement, and recomputes the figure from their totals. The 95% interval of a change
is the 2.5th and 97.5th percentile of the resampled changes. A change is called better or
worse only when that interval, in the precision shown, does not include zero; with fewer than
MIN_QUESTIONS questions on a side nothing is called at all.

Deterministic: the random numbers come from a fixed seed and a stream number per comparison,
so the same data give the same intervals on every machine and in every run. Vectorised: the
resamples are counts per question (a matrix built with one `bincount` per chunk) multiplied
by the per-question totals, so the cost grows with questions x resamples, never with Python
loops over them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Resamples per comparison.
RESAMPLES = 1000
#: The seed of every bootstrap (with a stream number per comparison).
SEED = 20_221_017
#: Fewer questions than this on a side (or in a paired comparison), and a change is "too few
#: questions to tell".
MIN_QUESTIONS = 10
#: The interval: 2.5th and 97.5th percentiles of the resampled values.
INTERVAL = (2.5, 97.5)
#: Largest number of (resample x question) cells built at once, to bound memory.
_CHUNK_CELLS = 2_000_000


def resampled_totals(rows: Any, *, stream: int, resamples: int = RESAMPLES) -> Any:
    """Column totals of `rows` (one row per question, any number of columns) over `resamples`
    bootstrap resamples of the rows: an array (resamples, columns). Same `stream`, same
    draws."""
    values = np.asarray(rows, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    n = len(values)
    out = np.zeros((resamples, values.shape[1]))
    if n == 0:
        return out
    rng = np.random.default_rng([SEED, stream])
    per = max(1, _CHUNK_CELLS // n)
    for start in range(0, resamples, per):
        size = min(per, resamples - start)
        drawn = rng.integers(0, n, size=(size, n))
        drawn += (np.arange(size) * n)[:, None]
        counts = np.bincount(drawn.ravel(), minlength=size * n).reshape(size, n)
        out[start : start + size] = counts.astype(float) @ values
    return out


def _interval(samples: Any) -> tuple[float, float] | None:
    finite = samples[np.isfinite(samples)]
    if not len(finite):
        return None
    low, high = np.percentile(finite, INTERVAL)
    return float(low), float(high)


@dataclass(frozen=True)
class Change:
    """A difference between two figures (current minus previous, or one side minus the other
    on the same questions) and its 95% bootstrap interval; `n` are the questions on each side
    (the same twice for a paired comparison). No interval below MIN_QUESTIONS on a side."""

    difference: float | None
    n: tuple[int, int]
    low: float | None = None
    high: float | None = None

    @property
    def enough(self) -> bool:
        """True when both sides have MIN_QUESTIONS questions or more."""
        return min(self.n) >= MIN_QUESTIONS


@dataclass(frozen=True)
class Sample:
    """Per-question totals of a mean: `sums[i]` of `counts[i]` values on question i (a mean of
    one value per question has counts of 1). Questions with a count of 0 do not count."""

    sums: Any
    counts: Any

    @property
    def n(self) -> int:
        """Questions that count."""
        return int(np.count_nonzero(np.asarray(self.counts)))

    @property
    def mean(self) -> float | None:
        """The figure: all sums over all counts."""
        total = float(np.sum(self.counts))
        return float(np.sum(self.sums)) / total if total else None

    def kept(self) -> Sample:
        """Only the questions that count."""
        counts = np.asarray(self.counts, dtype=float)
        keep = counts > 0
        return Sample(np.asarray(self.sums, dtype=float)[keep], counts[keep])


def sample_of(keys: Sequence[str], values: Sequence[float]) -> Sample:
    """Group values by question key: per-question sums and counts."""
    if not keys:
        return Sample(np.zeros(0), np.zeros(0))
    _, index = np.unique(np.asarray(list(keys)), return_inverse=True)
    sums = np.bincount(index, weights=np.asarray(values, dtype=float))
    counts = np.bincount(index).astype(float)
    return Sample(sums, counts)


def _resampled_means(sample: Sample, stream: int) -> Any:
    totals = resampled_totals(np.column_stack([sample.sums, sample.counts]), stream=stream)
    with np.errstate(invalid="ignore", divide="ignore"):
        return totals[:, 0] / totals[:, 1]


def change_between(current: Sample, previous: Sample, *, stream: int) -> Change:
    """Current mean minus previous mean, each period's questions resampled on their own (two
    independent samples). Raises nothing; the difference is None when a side is empty."""
    current, previous = current.kept(), previous.kept()
    now, before = current.mean, previous.mean
    n = (current.n, previous.n)
    if now is None or before is None:
        return Change(None, n)
    change = Change(now - before, n)
    if not change.enough:
        return change
    found = _interval(
        _resampled_means(current, 2 * stream) - _resampled_means(previous, 2 * stream + 1)
    )
    if found is None:
        return change
    return Change(now - before, n, *found)


def changes_between(
    current: Sequence[Sample], previous: Sequence[Sample], *, stream: int
) -> list[Change]:
    """Several `change_between` at once, for figures over the same questions of each period
    (aligned samples: row i of every current sample is the same question, and so for the
    previous ones). Each period's questions are resampled once for all the figures, so the
    cost is that of one comparison; a figure's questions are those with a count."""
    results = [
        Change(None if c.mean is None or p.mean is None else c.mean - p.mean, (c.n, p.n))
        for c, p in zip(current, previous, strict=True)
    ]
    wanted = [i for i, r in enumerate(results) if r.difference is not None and r.enough]
    if not wanted:
        return results

    def means(samples: Sequence[Sample], draw: int) -> Any:
        rows = np.column_stack(
            [column for i in wanted for column in (samples[i].sums, samples[i].counts)]
        )
        totals = resampled_totals(rows, stream=draw)
        with np.errstate(invalid="ignore", divide="ignore"):
            return totals[:, 0::2] / totals[:, 1::2]

    differences = means(current, 2 * stream) - means(previous, 2 * stream + 1)
    for column, i in enumerate(wanted):
        found = _interval(differences[:, column])
        if found is not None:
            results[i] = Change(results[i].difference, results[i].n, *found)
    return results


def split_changes(samples: Sequence[Sample], *, stream: int) -> list[Change]:
    """For aligned samples given in pairs (a part of the questions, the rest), each part's
    mean minus the rest's, with one resampling of all the questions for every pair."""
    pairs = [(samples[i], samples[i + 1]) for i in range(0, len(samples), 2)]
    results = [
        Change(None if a.mean is None or b.mean is None else a.mean - b.mean, (a.n, b.n))
        for a, b in pairs
    ]
    wanted = [i for i, r in enumerate(results) if r.difference is not None and r.enough]
    if not wanted:
        return results
    rows = np.column_stack([c for i in wanted for s in pairs[i] for c in (s.sums, s.counts)])
    totals = resampled_totals(rows, stream=stream)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = totals[:, 0::2] / totals[:, 1::2]
    differences = means[:, 0::2] - means[:, 1::2]
    for column, i in enumerate(wanted):
        found = _interval(differences[:, column])
        if found is not None:
            results[i] = Change(results[i].difference, results[i].n, *found)
    return results


def aligned_samples(
    keys: Sequence[str], figures: Sequence[tuple[Sequence[str], Sequence[float]]]
) -> list[Sample]:
    """Samples of several figures over the same questions (`keys`, in that order): each figure
    given as the question keys and values of its rows."""
    index = {key: i for i, key in enumerate(keys)}
    samples = []
    for rows, values in figures:
        where = np.fromiter((index[k] for k in rows), dtype=np.int64, count=len(rows))
        sums = np.bincount(where, weights=np.asarray(values, dtype=float), minlength=len(keys))
        counts = np.bincount(where, minlength=len(keys)).astype(float)
        samples.append(Sample(sums, counts))
    return samples


def paired_change(differences: Sequence[float], *, stream: int) -> Change:
    """The mean of per-question differences (one side minus the other on the same question),
    with its bootstrap interval over the questions."""
    values = np.asarray(differences, dtype=float)
    n = len(values)
    if not n:
        return Change(None, (0, 0))
    mean = float(values.mean())
    if n < MIN_QUESTIONS:
        return Change(mean, (n, n))
    found = _interval(_resampled_means(Sample(values, np.ones(n)), stream))
    return Change(mean, (n, n)) if found is None else Change(mean, (n, n), *found)


def mean_of(sample: Sample, *, stream: int) -> Change:
    """A mean against zero (is a gap such as overconfidence clearly away from 0?), with its
    bootstrap interval over the questions."""
    sample = sample.kept()
    mean = sample.mean
    n = (sample.n, sample.n)
    if mean is None:
        return Change(None, n)
    if sample.n < MIN_QUESTIONS:
        return Change(mean, n)
    found = _interval(_resampled_means(sample, stream))
    return Change(mean, n) if found is None else Change(mean, n, *found)


def beyond_noise(change: Change, steps: Any) -> int:
    """+1 if the whole interval is above zero, -1 if below, 0 if it includes zero or there is
    none. `steps` writes a value in whole steps of the precision shown (a Unit's `steps`), so
    an interval that reaches zero only in digits nobody sees still includes it."""
    if not change.enough or change.low is None or change.high is None:
        return 0
    if steps(change.low) > 0:
        return 1
    if steps(change.high) < 0:
        return -1
    return 0


def group_means(
    questions: Any, groups: Any, sums: Any, counts: Any, *, n_groups: int, stream: int
) -> list[Change]:
    """Several means at once (one per group: a forecaster, a tag), each against zero, from
    rows of (question index, group index, sum, count). The questions are resampled together,
    once, and every group's mean is recomputed from the questions it has in each resample:
    one bootstrap of all the questions (one matrix product per chunk of resamples), whatever
    the number of groups."""
    questions = np.asarray(questions, dtype=np.int64)
    groups = np.asarray(groups, dtype=np.int64)
    if not len(questions):
        return [Change(None, (0, 0)) for _ in range(n_groups)]
    _, question_index = np.unique(questions, return_inverse=True)
    n_questions = int(question_index.max()) + 1
    cells = n_questions * 2 * n_groups
    flat = question_index * (2 * n_groups) + 2 * groups
    matrix = (
        np.bincount(flat, weights=np.asarray(sums, dtype=float), minlength=cells)
        + np.bincount(flat + 1, weights=np.asarray(counts, dtype=float), minlength=cells)
    ).reshape(n_questions, 2 * n_groups)
    sizes = np.count_nonzero(matrix[:, 1::2], axis=0)
    totals = matrix.sum(axis=0)
    wanted = sizes >= MIN_QUESTIONS
    resampled = None
    if wanted.any():
        columns = np.flatnonzero(np.repeat(wanted, 2))
        resampled = np.zeros((RESAMPLES, 2 * n_groups))
        resampled[:, columns] = resampled_totals(matrix[:, columns], stream=stream)
    found = []
    for g in range(n_groups):
        n = int(sizes[g])
        if not totals[2 * g + 1]:
            found.append(Change(None, (n, n)))
            continue
        mean = float(totals[2 * g] / totals[2 * g + 1])
        if resampled is None or not wanted[g]:
            found.append(Change(mean, (n, n)))
            continue
        with np.errstate(invalid="ignore", divide="ignore"):
            means = resampled[:, 2 * g] / resampled[:, 2 * g + 1]
        interval = _interval(means)
        found.append(Change(mean, (n, n)) if interval is None else Change(mean, (n, n), *interval))
    return found
