"""Reading probabilities as analysts write them: percentages, decimals, odds, estimative words."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from tracker.domain.model import BINARY_OPTIONS, match_option
from tracker.errors import InputError

#: A sum this far from 100% (half a percentage point) is rescaled without comment.
SUM_TOLERANCE = 0.005
# Float sums such as 0.335 + 0.33 + 0.33 land a hair above the tolerance; do not refuse those.
_SUM_SLACK = 1e-9

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"
_PERCENT = re.compile(rf"^({_NUMBER})\s*%$")
_DECIMAL = re.compile(rf"^{_NUMBER}$")
_ODDS = re.compile(r"^(\d+(?:\.\d*)?|\.\d+)\s*:\s*(\d+(?:\.\d*)?|\.\d+)$")
_OUT_OF_RANGE = (
    "'{text}' is out of range: a probability must be above 0% and below 100% (e.g. 0.5% or 99.5%)."
)


@dataclass(frozen=True)
class Probability:
    """A probability strictly between 0 and 1, with what was typed and how it was read."""

    value: float
    text: str
    explanation: str
    words: str | None = None
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class EstimativeTerm:
    """One row of the ICD 203 table: the phrases and the probability range they stand for."""

    phrases: tuple[str, ...]
    low: float
    high: float

    @property
    def midpoint(self) -> float:
        """The value used when a forecaster writes one of the phrases (middle of the range)."""
        # Rounded so that 0.55..0.80 gives 0.675, not 0.6750000000000001.
        return round((self.low + self.high) / 2, 10)

    @property
    def label(self) -> str:
        """The first phrase, which names the row (e.g. `likely`)."""
        return self.phrases[0]


#: US Intelligence Community Directive 203, "Analytic Standards" (2015), estimative language.
ESTIMATIVE_TERMS: tuple[EstimativeTerm, ...] = (
    EstimativeTerm(("almost no chance", "remote"), 0.01, 0.05),
    EstimativeTerm(("very unlikely", "highly improbable"), 0.05, 0.20),
    EstimativeTerm(("unlikely", "improbable", "improbably"), 0.20, 0.45),
    EstimativeTerm(
        ("roughly even chance", "roughly even odds", "even chance", "toss-up"), 0.45, 0.55
    ),
    EstimativeTerm(("likely", "probable", "probably"), 0.55, 0.80),
    EstimativeTerm(("very likely", "highly probable"), 0.80, 0.95),
    EstimativeTerm(("almost certain", "almost certainly", "nearly certain"), 0.95, 0.99),
)

_TERM_BY_PHRASE: dict[str, EstimativeTerm] = {
    phrase: term for term in ESTIMATIVE_TERMS for phrase in term.phrases
}


@dataclass(frozen=True)
class Distribution:
    """Probabilities over a question's options, in option order, summing to 1."""

    probabilities: dict[str, float]
    explanation: str
    normalized: bool


def _normalise_phrase(text: str) -> str:
    return " ".join(text.lower().split())


def format_percent(value: float) -> str:
    """Format a probability (0..1) as a percentage: one decimal at most (0.675 -> `67.5%`),
    except near 0% and 100%, where as many decimals are kept as it takes to show how far from
    the edge it is (0.0065 -> `0.65%`, 0.999999 -> `99.9999%`), so that an echo never claims
    0% or 100% for a value strictly between them."""
    distance = min(value, 1 - value) * 100
    decimals = 1
    if 0 < distance < 1:
        decimals = min(12, max(1, 1 - math.floor(math.log10(distance))))
    text = f"{round(value * 100, decimals) + 0.0:.{decimals}f}"  # + 0.0 turns -0.0 into 0.0
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


def _range_text(term: EstimativeTerm) -> str:
    return f"{format_percent(term.low)[:-1]}-{format_percent(term.high)}"


def estimative_term(phrase: str) -> EstimativeTerm | None:
    """Return the ICD 203 row for `phrase` (case and spacing ignored, exact phrase), or None."""
    return _TERM_BY_PHRASE.get(_normalise_phrase(phrase))


def _checked(value: float, text: str) -> float:
    if not 0 < value < 1:
        raise InputError(_OUT_OF_RANGE.format(text=text))
    return value


def _plain(text: str, value: float) -> Probability:
    shown = format_percent(value)
    explanation = shown if text == shown else f'"{text}" -> {shown}'
    return Probability(value=value, text=text, explanation=explanation)


def parse_probability(text: str) -> Probability:
    """Read one probability and return it with an explanation of how it was read.

    Accepts `65%`, `65.5%`, `0.65`, `.65`, `65` (a number above 1 and below 100 is a
    percentage), odds `2:1` (= 2/3) and the ICD 203 phrases of `ESTIMATIVE_TERMS` (their
    midpoint is used). The result is strictly between 0 and 1. Raises InputError for empty
    text, a bare `1` (1% or 100%?), 0 or 100% and anything outside them, odds with a zero
    side, and anything it cannot read.
    """
    stripped = text.strip()
    if not stripped:
        raise InputError("No probability given: use 65%, 0.65, 2:1 or a phrase such as 'likely'.")
    phrase = _normalise_phrase(stripped)

    term = _TERM_BY_PHRASE.get(phrase)
    if term is not None:
        value = term.midpoint
        return Probability(
            value=value,
            text=stripped,
            explanation=(
                f'"{phrase}" -> {format_percent(value)} '
                f"(ICD 203: {term.label}, {_range_text(term)})"
            ),
            words=phrase,
            low=term.low,
            high=term.high,
        )

    if match := _PERCENT.match(phrase):
        return _plain(stripped, _checked(float(match.group(1)) / 100, stripped))

    if _DECIMAL.match(phrase):
        number = float(phrase)
        if number == 1 and "." not in phrase:
            raise InputError(
                f"'{stripped}' is ambiguous (1% or 100%?); write 1% if you mean one percent."
            )
        # Above 1 it can only be a percentage; 1.0 itself means certainty and is refused.
        value = number / 100 if number > 1 else number
        return _plain(stripped, _checked(value, stripped))

    if match := _ODDS.match(phrase):
        in_favour, against = float(match.group(1)), float(match.group(2))
        if in_favour == 0 or against == 0:
            raise InputError(
                f"Odds '{stripped}' have a zero side: a probability must be above 0% and "
                "below 100% (e.g. 1:99)."
            )
        value = _checked(in_favour / (in_favour + against), stripped)
        return Probability(
            value=value, text=stripped, explanation=f'"{stripped}" odds -> {format_percent(value)}'
        )

    raise InputError(
        f"Cannot read '{stripped}' as a probability: use 65%, 0.65, 2:1 or a phrase such as "
        "'likely' (see docs/input.md)."
    )


def _read_named(tokens: Sequence[str], options: Sequence[str]) -> dict[str, Probability]:
    given: dict[str, Probability] = {}
    for token in tokens:
        name, _, value_text = token.partition("=")
        if not name.strip():
            raise InputError(f"'{token}' has no option name: write name=value, e.g. yes=65%.")
        option = match_option(name, options)
        if option in given:
            raise InputError(f"Option '{option}' is given twice: give each option once.")
        if not value_text.strip():
            raise InputError(f"'{token}' has no value: write e.g. {name.strip()}=65%.")
        given[option] = parse_probability(value_text)
    return given


def _origin(read: Probability) -> str | None:
    """How words or odds became a number, for echoes; None for a plain number."""
    if read.words is not None and read.low is not None and read.high is not None:
        return (
            f'"{read.words}", ICD 203 {format_percent(read.low)[:-1]}-{format_percent(read.high)}'
        )
    if ":" in read.text:
        return f"odds {read.text}"
    return None


def _item(option: str | None, value: float, read: Probability) -> str:
    shown = format_percent(value) if option is None else f"{option} {format_percent(value)}"
    origin = _origin(read)
    return shown if origin is None else f"{shown} (from {origin})"


def _binary(tokens: Sequence[str], *, named: bool, normalize: bool) -> Distribution:
    if named:
        given = _read_named(tokens, BINARY_OPTIONS)
        if len(given) == 2:
            return _settle(given, BINARY_OPTIONS, normalize=normalize)
        option, read = next(iter(given.items()))
        if option == "yes":
            yes = read.value
            explanation = _item(None, yes, read)
        else:
            yes = round(1 - read.value, 12)
            explanation = f"{format_percent(yes)} (from no {_item(None, read.value, read)})"
    else:
        read = parse_probability(" ".join(tokens))
        yes = read.value
        explanation = _item(None, yes, read)
    return Distribution(
        # Rounded so that 67.5% stores "no" as 0.325, not 0.32499999999999996.
        probabilities={"yes": yes, "no": round(1 - yes, 12)},
        explanation=explanation,
        normalized=False,
    )


def _settle(
    given: dict[str, Probability], options: Sequence[str], *, normalize: bool
) -> Distribution:
    missing = [option for option in options if option not in given]
    if missing:
        listed = ", ".join(f"'{o}'" for o in missing)
        raise InputError(
            f"No probability given for {listed}: give every option (they must sum to 100%)."
        )
    total = math.fsum(given[option].value for option in options)
    off = abs(total - 1) > SUM_TOLERANCE + _SUM_SLACK
    if off and not normalize:
        raise InputError(
            f"Probabilities add up to {format_percent(total)}, not 100%. "
            "Give all options so they sum to 100%, or pass --normalize."
        )
    probabilities = {option: given[option].value / total for option in options}
    explanation = ", ".join(
        _item(option, probabilities[option], given[option]) for option in options
    )
    if off:
        explanation += f" (rescaled from a sum of {format_percent(total)})"
    return Distribution(probabilities=probabilities, explanation=explanation, normalized=off)


def parse_distribution(
    tokens: Sequence[str], options: Sequence[str], *, normalize: bool = False
) -> Distribution:
    """Read a forecast over a question's options from command-line tokens.

    For a binary question (options `yes`, `no`) the tokens are read together as the probability
    of yes (`almost certain`), or one of them is given by name (`yes=70`, `no=30`). Otherwise
    either every token is `name=value` (a name is an option, case-insensitive, or a unique
    prefix of one) or the tokens are values in option order, one per option. Values are read
    by `parse_probability`. A sum more than half a point from 100% raises InputError unless
    `normalize` is true, in which case it is rescaled (and `normalized` is set); a smaller
    difference is rescaled silently. Raises InputError for empty, mixed, unknown, ambiguous,
    missing or repeated options as well.
    """
    cleaned = [token.strip() for token in tokens if token.strip()]
    if not cleaned:
        raise InputError(
            "No probabilities given: give e.g. 65% for a yes/no question, "
            "or name=value for each option."
        )
    named_count = sum("=" in token for token in cleaned)
    if 0 < named_count < len(cleaned):
        raise InputError(
            "Do not mix name=value with bare values: give name=value for every option, "
            "or only values in option order."
        )
    named = named_count > 0

    if tuple(options) == BINARY_OPTIONS:
        return _binary(cleaned, named=named, normalize=normalize)

    if named:
        given = _read_named(cleaned, options)
    else:
        if len(cleaned) != len(options):
            listed = ", ".join(f"'{o}'" for o in options)
            raise InputError(
                f"Got {len(cleaned)} values for {len(options)} options ({listed}): give one "
                "value per option in that order, or name=value."
            )
        given = {
            option: parse_probability(token) for option, token in zip(options, cleaned, strict=True)
        }
    return _settle(given, options, normalize=normalize)
