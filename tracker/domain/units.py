"""One unit per figure: how each kind of figure in a review or a retrospective is written.

Every format (terminal, Markdown, HTML, the labels of the JSON) writes a figure through the
`Unit` named here, so the same figure reads the same way everywhere: a Brier score is `0.395`
(lower is better), a skill `+41%`, an overconfidence `+15 pts`, a share `99%`. Changes are
compared in the precision shown (docs/reviews.md, "Units"): a change that rounds to nothing
is no change, whatever the last digits say.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.domain import rounding


@dataclass(frozen=True)
class Unit:
    """How one kind of figure is written: decimals, scale, suffix, sign, and which way is
    better. `shift` 2 writes a fraction as a percentage (0.41 -> `41`)."""

    key: str
    label: str  # what the unit is, in words (docs, JSON `units`)
    places: int
    shift: int = 0
    suffix: str = ""
    signed: bool = False
    better: str | None = None  # "lower", "higher", "nearer zero" or None
    #: How a change of this figure is written: percentages change by percentage points.
    change_suffix: str | None = None

    def steps(self, value: float) -> int:
        """`value` in whole steps of the last digit shown (0.3954 as a score -> 395)."""
        return rounding.units(value, self.places + self.shift)

    def text(self, value: float | None) -> str:
        """The figure as written everywhere (`-` when there is none)."""
        if value is None:
            return "-"
        shown = rounding.fixed(value, self.places, shift=self.shift, sign=self.signed)
        return shown + _suffix(self.suffix, self.steps(value), self.places)

    def change(self, current: float, previous: float) -> int:
        """The change from `previous` to `current` as shown: the difference of the two figures
        as written, in steps of the last digit (so `100%` to `100%` is 0, never +0.1)."""
        return self.steps(current) - self.steps(previous)

    def change_text(self, steps: int) -> str:
        """A change given in steps of the last digit, signed (`+0.044`, `-3 pts`, `+1`)."""
        scale: int = 10 ** (self.places + self.shift)
        shown = rounding.fixed(steps / scale, self.places, shift=self.shift, sign=True)
        suffix = self.suffix if self.change_suffix is None else self.change_suffix
        return shown + _suffix(suffix, steps, self.places)

    def difference_text(self, value: float | None) -> str:
        """A difference of two figures of this unit (an interval's end), signed."""
        return "-" if value is None else self.change_text(self.steps(value))


def _suffix(suffix: str, steps: int, places: int) -> str:
    """` pts`, or ` pt` for exactly one point."""
    if suffix == " pts" and places == 0 and abs(steps) == 1:
        return " pt"
    return suffix


#: A Brier score, Brier sum or RPS (time-weighted, final, or a mean): 0.xxx, lower is better.
SCORE = Unit("score", "score (Brier 0-1, Brier sum 0-2, RPS 0-1), 3 decimals", 3, better="lower")
#: A relative score or a difference of scores: signed, 3 decimals, negative is better.
RELATIVE = Unit(
    "relative", "difference of scores, signed, 3 decimals", 3, signed=True, better="lower"
)
#: Skill against an even spread over the options: a signed whole percentage, higher is better.
SKILL = Unit(
    "skill",
    "skill against an even spread, signed whole percent (+100% is perfect, 0% no better "
    "than an even spread)",
    0,
    shift=2,
    suffix="%",
    signed=True,
    better="higher",
    change_suffix=" pts",
)
#: A share or rate (coverage, came true, hit rate, mean confidence): a whole percentage.
SHARE = Unit(
    "share", "share, whole percent", 0, shift=2, suffix="%", better="higher", change_suffix=" pts"
)
#: Over/underconfidence: signed whole percentage points, nearer zero is better.
POINTS = Unit(
    "points",
    "percentage points, signed and whole (positive: too sure)",
    0,
    shift=2,
    suffix=" pts",
    signed=True,
    better="nearer zero",
)
#: Calibration error (ECE): whole percentage points, lower is better.
GAP = Unit("gap", "percentage points, whole", 0, shift=2, suffix=" pts", better="lower")
#: A count: questions, forecasters.
COUNT = Unit("count", "a whole number", 0)
#: Log loss, given in nats and written in bits.
BITS = Unit("bits", "bits, 2 decimals", 2, better="lower")
#: The recalibration slope: 2 decimals, 1 is ideal.
SLOPE = Unit("slope", "2 decimals (1: well calibrated; below 1: too extreme)", 2)

UNITS = {u.key: u for u in (SCORE, RELATIVE, SKILL, SHARE, POINTS, GAP, COUNT, BITS, SLOPE)}

#: Each figure of the documents and its unit: the one place that decides how it is written.
FIGURES: dict[str, Unit] = {
    "brier": SCORE,
    "team_brier": SCORE,
    "team_brier_multi": SCORE,
    "team_rps": SCORE,
    "time_weighted": SCORE,
    "final_score": SCORE,
    "relative": RELATIVE,
    "difference": RELATIVE,
    "skill": SKILL,
    "coverage": SHARE,
    "came_true": SHARE,
    "hit_rate": SHARE,
    "confidence": SHARE,
    "overconfidence": POINTS,
    "ece": GAP,
    "questions_scored": COUNT,
    "annulled_or_ambiguous": COUNT,
    "analysts_scored": COUNT,
    "log_loss_bits": BITS,
    "slope": SLOPE,
}


def unit_of(figure: str) -> Unit:
    """The unit of a figure by its stable key (see FIGURES). Raises KeyError for an unknown
    figure: every figure must have one."""
    return FIGURES[figure]


def figure_text(figure: str, value: float | None) -> str:
    """A figure written in its unit: `figure_text("skill", 0.41)` is `+41%`."""
    return FIGURES[figure].text(value)
