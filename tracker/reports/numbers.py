"""How figures are written in reviews, in every format: scores, percentages, points, changes.

Every figure goes through tracker.domain.rounding: half to even at the decimals shown, float
noise below a millionth of the last digit ignored, never `-0` (docs/reviews.md, "Precision").
"""

from __future__ import annotations

import math

from tracker.domain import rounding, units
from tracker.domain.review import BETTER, NO_CHANGE, WORSE, Estimate, Headline
from tracker.domain.scoring import nats_to_bits


def score(value: float | None, digits: int = 3) -> str:
    """A score (Brier, Brier sum, RPS) to three decimals; `-` when there is none. Two digits
    is the recalibration slope."""
    return (units.SCORE if digits == 3 else units.SLOPE).text(value)


def signed(value: float | None, digits: int = 3) -> str:
    """A score with its sign (relative scores, differences); zero is `+0.000`."""
    return units.RELATIVE.text(value)


def percent(value: float | None) -> str:
    """A share, a rate or an interval bound as a whole percentage (`99%`, `0%`)."""
    return units.SHARE.text(value)


def skill(value: float | None) -> str:
    """Skill against an even spread as a signed whole percentage (`+41%`, `-100%`)."""
    return units.SKILL.text(value)


def probability(value: float | None) -> str:
    """A forecast probability as a whole percentage, with the decimals it takes never to read
    0% or 100% (no forecast is either): 0.996 is `99.6%`, not `100%`."""
    return "-" if value is None else rounding.percent(value)


def points(value: float | None) -> str:
    """Over/underconfidence in whole percentage points, signed (`+15 pts`)."""
    return units.POINTS.text(value)


def gap(value: float | None) -> str:
    """A calibration error (ECE) in whole percentage points (`21 pts`)."""
    return units.GAP.text(value)


def bits(nats: float | None) -> str:
    """A log loss given in nats, written in bits."""
    if nats is None:
        return "-"
    return "inf" if math.isinf(nats) else units.BITS.text(nats_to_bits(nats))


def bin_range(lower: float, upper: float) -> str:
    """A calibration bin as whole percentages: `10-20%`."""
    return f"{rounding.fixed(lower, 0, shift=2)}-{rounding.fixed(upper, 0, shift=2)}%"


def figure(value: float | None, key: str) -> str:
    """A headline figure in its unit (by its stable key, tracker.domain.units.FIGURES)."""
    return units.unit_of(key).text(value)


def change(h: Headline) -> str:
    """A headline's change as shown, with its arrow (`↓ -0.044`, `→ +0 pts`); `-` when there
    is nothing to compare. The change is that of the two figures as written."""
    steps = h.shown_change
    if steps is None:
        return "-"
    return f"{h.arrow} {h.unit.change_text(steps)}"


def verdict(h: Headline) -> str:
    """Whether a headline's change is beyond noise, in words with its n (`better`, `no clear
    change (n = 12 and 11)`, `too few questions to tell (n = 2 and 1)`); empty for counts."""
    if h.verdict is None:
        return ""
    sizes = f"n = {h.n or 0} and {h.n_previous or 0}"
    if h.verdict in (BETTER, WORSE):
        return f"{h.verdict} ({sizes})"
    if h.verdict == NO_CHANGE:
        return "no change"
    return f"{h.verdict} ({sizes})"


def interval(h: Headline) -> str:
    """The 95% bootstrap interval of a headline's change (`-0.020 to +0.031`), or `-`."""
    if h.low is None or h.high is None:
        return "-"
    return f"{h.unit.difference_text(h.low)} to {h.unit.difference_text(h.high)}"


def estimate(e: Estimate, signed: bool = False, unit: units.Unit | None = None) -> str:
    """A mean with its 95% interval when there is one: `0.147 (0.100 to 0.190)`; in `unit`
    (a score by default, signed with `signed`)."""
    if e.mean is None:
        return "-"
    chosen = unit or (units.RELATIVE if signed else units.SCORE)
    if e.low is None or e.high is None:
        return chosen.text(e.mean)
    return f"{chosen.text(e.mean)} ({chosen.text(e.low)} to {chosen.text(e.high)})"


def skill_estimate(e: Estimate) -> str:
    """A mean skill with its 95% interval, as signed whole percentages."""
    return estimate(e, unit=units.SKILL)
