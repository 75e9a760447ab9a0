"""How figures are written in reviews, in every format: scores, percentages, points, changes."""

from __future__ import annotations

import math

from tracker.domain.review import Estimate, Headline
from tracker.domain.scoring import nats_to_bits


def score(value: float | None, digits: int = 3) -> str:
    """A score to three decimals; `-` when there is none."""
    return "-" if value is None else f"{value:.{digits}f}"


def signed(value: float | None, digits: int = 3) -> str:
    """A score with its sign (relative scores, differences)."""
    return "-" if value is None else f"{value:+.{digits}f}"


def percent(value: float | None) -> str:
    """A probability or a share as a whole percentage."""
    return "-" if value is None else f"{value * 100:.0f}%"


def points(value: float | None) -> str:
    """A difference of probabilities in percentage points, signed (overconfidence)."""
    return "-" if value is None else f"{value * 100:+.0f} pts"


def bits(nats: float | None) -> str:
    """A log loss given in nats, written in bits."""
    if nats is None:
        return "-"
    return "inf" if math.isinf(nats) else f"{nats_to_bits(nats):.2f}"


def figure(value: float | None, style: str) -> str:
    """A headline figure in its style: count, percent, points or score."""
    if value is None:
        return "-"
    if style == "count":
        return f"{value:.0f}"
    if style == "percent":
        return percent(value)
    if style == "points":
        return f"{value * 100:.1f} pts"
    return score(value)


def change(h: Headline) -> str:
    """A headline's change with its arrow (`↓ -0.044`); `-` when there is nothing to compare."""
    moved = h.change
    if moved is None:
        return "-"
    if h.style == "count":
        amount = f"{moved:+.0f}"
    elif h.style in ("percent", "points"):
        amount = f"{moved * 100:+.1f} pts"
    else:
        amount = f"{moved:+.3f}"
    return f"{h.arrow} {amount}"


def estimate(e: Estimate, signed: bool = False) -> str:
    """A mean with its 95% interval when there is one: `0.147 (0.100 to 0.190)`."""
    if e.mean is None:
        return "-"
    fmt = "+.3f" if signed else ".3f"
    if e.low is None or e.high is None:
        return format(e.mean, fmt)
    return f"{format(e.mean, fmt)} ({format(e.low, fmt)} to {format(e.high, fmt)})"
