"""How figures are written in reviews, in every format: scores, percentages, points, changes.

Every figure goes through tracker.domain.rounding: half to even at the decimals shown, float
noise below a millionth of the last digit ignored, never `-0` (docs/reviews.md, "Precision").
"""

from __future__ import annotations

import math

from tracker.domain import rounding
from tracker.domain.review import Estimate, Headline
from tracker.domain.scoring import nats_to_bits


def score(value: float | None, digits: int = 3) -> str:
    """A score to three decimals; `-` when there is none."""
    return "-" if value is None else rounding.fixed(value, digits)


def signed(value: float | None, digits: int = 3) -> str:
    """A score with its sign (relative scores, differences); zero is `+0.000`."""
    return "-" if value is None else rounding.fixed(value, digits, sign=True)


def percent(value: float | None) -> str:
    """A share, a rate or an interval bound as a whole percentage (`99%`, `0%`)."""
    return "-" if value is None else rounding.fixed(value, 0, shift=2) + "%"


def probability(value: float | None) -> str:
    """A forecast probability as a whole percentage, with the decimals it takes never to read
    0% or 100% (no forecast is either): 0.996 is `99.6%`, not `100%`."""
    return "-" if value is None else rounding.percent(value)


def points(value: float | None) -> str:
    """A difference of probabilities in percentage points, signed (overconfidence)."""
    return "-" if value is None else rounding.fixed(value, 0, shift=2, sign=True) + " pts"


def bits(nats: float | None) -> str:
    """A log loss given in nats, written in bits."""
    if nats is None:
        return "-"
    return "inf" if math.isinf(nats) else rounding.fixed(nats_to_bits(nats), 2)


def bin_range(lower: float, upper: float) -> str:
    """A calibration bin as whole percentages: `10-20%`."""
    return f"{rounding.fixed(lower, 0, shift=2)}-{rounding.fixed(upper, 0, shift=2)}%"


def figure(value: float | None, style: str) -> str:
    """A headline figure in its style: count, percent, points or score."""
    if value is None:
        return "-"
    if style == "count":
        return rounding.fixed(value, 0)
    if style == "percent":
        return percent(value)
    if style == "points":
        return rounding.fixed(value, 1, shift=2) + " pts"
    return score(value)


def change(h: Headline) -> str:
    """A headline's change with its arrow (`↓ -0.044`); `-` when there is nothing to compare."""
    moved = h.change
    if moved is None:
        return "-"
    if h.style == "count":
        amount = rounding.fixed(moved, 0, sign=True)
    elif h.style in ("percent", "points"):
        amount = rounding.fixed(moved, 1, shift=2, sign=True) + " pts"
    else:
        amount = rounding.fixed(moved, 3, sign=True)
    return f"{h.arrow} {amount}"


def estimate(e: Estimate, signed: bool = False) -> str:
    """A mean with its 95% interval when there is one: `0.147 (0.100 to 0.190)`."""
    if e.mean is None:
        return "-"

    def text(value: float) -> str:
        return rounding.fixed(value, 3, sign=signed)

    if e.low is None or e.high is None:
        return text(e.mean)
    return f"{text(e.mean)} ({text(e.low)} to {text(e.high)})"
