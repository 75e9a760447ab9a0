"""Reading probabilities as analysts write them: percentages, decimals, odds, estimative words."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from tracker.domain.model import BINARY_OPTIONS, match_option
from tracker.domain.yardsticks import ICD_203, Term, Yardstick
from tracker.errors import InputError

#: A sum this far from 100% (half a percentage point) is rescaled without --normalize.
SUM_TOLERANCE = Fraction(1, 200)
#: Probabilities are stored on a grid of millionths: from 0.000001 (0.0001%) to 0.999999.
GRID = 1_000_000
GRID_DECIMALS = 6
_GRID_RANGE = "on tracker's grid of 0.0001% a probability runs from 0.0001% to 99.9999%"
# Decimals are read exactly to this many places (far below the grid, and it keeps a value
# such as 1e-999999999 from turning into a fraction with a billion-digit denominator).
_FINEST = Decimal(1).scaleb(-24)

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)"
_PERCENT = re.compile(rf"^({_NUMBER})\s*%$")
_DECIMAL = re.compile(rf"^{_NUMBER}$")
_ODDS = re.compile(r"^(\d+(?:\.\d*)?|\.\d+)\s*:\s*(\d+(?:\.\d*)?|\.\d+)$")
_OUT_OF_RANGE = (
    "'{text}' is out of range: a probability must be above 0% and below 100% (e.g. 0.5% or 99.5%)."
)


@dataclass(frozen=True)
class Probability:
    """A probability strictly between 0 and 1, with what was typed and how it was read.

    `exact` is the value as typed, without float rounding (`2:1` is exactly 2/3); `value` is
    the same as a float. Words are read through a yardstick: `term` is the row they stand for,
    `yardstick` the yardstick's name, and `synonym` says that the words are not the
    yardstick's own but were read as its nearest term.
    """

    value: float
    text: str
    explanation: str
    words: str | None = None
    low: float | None = None
    high: float | None = None
    exact: Fraction | None = None
    term: Term | None = None
    yardstick: str | None = None
    synonym: bool = False

    @property
    def amount(self) -> Fraction:
        """The exact value (from `value` when it was not given)."""
        return self.exact if self.exact is not None else exact(self.value)


def exact(value: float | int | Decimal | Fraction) -> Fraction:
    """A number between 0 and 1 as an exact fraction: a float by its shortest decimal form
    (0.1 is 1/10, not the binary number nearest to it), a decimal to 24 places. Raises
    ValueError for a value that is not finite."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, float):
        value = Decimal(repr(value))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a number")
        if -1 < value < 1:
            value = value.quantize(_FINEST)
    return Fraction(value)


def grid_units(amounts: Sequence[Fraction]) -> list[int]:
    """Rescale `amounts` (all positive) to add up to 1 and round them to the grid: whole
    millionths that add up to exactly `GRID`, by largest remainder (each gets the millionths
    below its share, and the ones left over go to the largest remainders; on equal remainders,
    to the later option). Values already on the grid that add up to 1 are kept as they are."""
    total = sum(amounts, Fraction(0))
    shares = [amount * GRID / total for amount in amounts]
    units = [math.floor(share) for share in shares]
    left = GRID - sum(units)
    order = sorted(range(len(units)), key=lambda i: (shares[i] - units[i], i), reverse=True)
    for index in order[:left]:
        units[index] += 1
    return units


def grid_percent(units: int) -> str:
    """A grid value (in millionths) as the exact percentage it stands for: 123457 -> `12.3457%`,
    675000 -> `67.5%`."""
    whole, rest = divmod(units, GRID // 100)
    return f"{whole}.{rest:04d}".rstrip("0").rstrip(".") + "%"


def on_grid(amounts: Sequence[Fraction], options: Sequence[str]) -> list[int]:
    """`grid_units` of positive `amounts`, none of which may round to 0% (or so 100%, the
    others' 0%). Raises InputError naming the option (of `options`, in the same order)."""
    units = grid_units(amounts)
    for option, unit in zip(options, units, strict=True):
        if unit == 0:
            raise InputError(f"The probability of '{option}' would be stored as 0%: {_GRID_RANGE}.")
    return units


def binary_on_grid(probability: Fraction, text: str) -> dict[str, float]:
    """The stored probabilities of yes and no for a probability of yes, on the grid. Raises
    InputError (naming `text`, what was given) when it rounds to 0% or 100%."""
    yes, no = grid_units([probability, 1 - probability])
    if yes == 0 or no == 0:
        edge = "0%" if yes == 0 else "100%"
        raise InputError(f"'{text}' rounds to {edge}: {_GRID_RANGE}.")
    return {"yes": yes / GRID, "no": no / GRID}


def _units_if_on_grid(amounts: Sequence[Decimal | Fraction | float]) -> list[int] | None:
    """The grid units of `amounts` when they are already grid values adding up to exactly 1
    (what `grid_units` would return for them, without fractions: an import of a million
    forecasts takes this path); None otherwise."""
    units = []
    for amount in amounts:
        if isinstance(amount, Decimal):
            scaled = amount.scaleb(GRID_DECIMALS)
            if not scaled.is_finite() or scaled != scaled.to_integral_value():
                return None
            unit = int(scaled)
        elif isinstance(amount, float):
            unit = round(amount * GRID) if math.isfinite(amount) else -1
            if unit / GRID != amount:  # the float of a grid decimal is exactly unit / GRID
                return None
        else:
            return None
        if not 0 < unit < GRID:
            return None
        units.append(unit)
    return units if sum(units) == GRID else None


def stored_units(
    amounts: Sequence[float | Decimal | Fraction], options: Sequence[str]
) -> list[int]:
    """`on_grid` of `amounts` (decimals as written, floats by their shortest decimal form, or
    fractions), each strictly between 0 and 1: the whole millionths that are stored. Raises
    InputError as `on_grid` does."""
    fast = _units_if_on_grid(amounts)
    if fast is not None:
        return fast
    return on_grid([exact(amount) for amount in amounts], options)


def regrid(probabilities: dict[str, float]) -> dict[str, float]:
    """Probabilities stored before the grid (any floats that add up to about 1), as the grid
    would store them now, in the same order. Never raises: used to recognise old records."""
    values = list(probabilities.values())
    units = _units_if_on_grid(values)
    if units is None:
        amounts = [exact(p) for p in values]
        if sum(amounts) <= 0:
            return dict(probabilities)
        units = grid_units(amounts)
    return {option: unit / GRID for option, unit in zip(probabilities, units, strict=True)}


@dataclass(frozen=True)
class Distribution:
    """Probabilities over a question's options, in option order, summing to 1."""

    probabilities: dict[str, float]
    explanation: str
    normalized: bool
    # Whether a value was typed as words (the explanation then names the yardstick's term).
    from_words: bool = False


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


def _checked(amount: Fraction, text: str) -> Fraction:
    if not 0 < amount < 1:
        raise InputError(_OUT_OF_RANGE.format(text=text))
    return amount


def _shown(amount: Fraction, text: str) -> tuple[str, bool]:
    """How a single probability of yes is stored, as a percentage, and whether the grid
    changed it. Raises InputError when it rounds to 0% or 100%."""
    stored = binary_on_grid(amount, text)["yes"]
    units = round(stored * GRID)
    return grid_percent(units), Fraction(units, GRID) != amount


def _plain(text: str, amount: Fraction) -> Probability:
    shown, changed = _shown(amount, text)
    if changed:
        explanation = f'"{text}" -> stored {shown}'
    else:
        explanation = shown if text == shown else f'"{text}" -> {shown}'
    return Probability(value=float(amount), text=text, explanation=explanation, exact=amount)


def _from_words(stripped: str, phrase: str, term: Term, yardstick: Yardstick) -> Probability:
    value = term.midpoint
    synonym = not yardstick.own_word(phrase)
    how = f"read as {yardstick.name} " if synonym else f"{yardstick.name}: "
    return Probability(
        value=value,
        text=stripped,
        explanation=f'"{phrase}" -> {format_percent(value)} ({how}{term.name}, {term.range_text})',
        words=phrase,
        low=term.low,
        high=term.high,
        exact=exact(value),
        term=term,
        yardstick=yardstick.name,
        synonym=synonym,
    )


def parse_probability(text: str, *, yardstick: Yardstick = ICD_203) -> Probability:
    """Read one probability and return it with an explanation of how it was read.

    Accepts `65%`, `65.5%`, `0.65`, `.65`, `65` (a number above 1 and below 100 is a
    percentage), odds `2:1` (= 2/3) and estimative words, read through `yardstick` (its own
    words and the synonyms it lists; the midpoint of the row is used, and the explanation says
    when words were read as the nearest term). The result is strictly between 0 and 1, and is
    stored on the grid of millionths (`GRID`): the explanation says so when that changes it
    (`"2:1" odds -> stored 66.6667%`). Raises InputError for empty text, a bare `1` (1% or
    100%?), 0 or 100% and anything outside them, a value that rounds to 0% or 100% on the
    grid, odds with a zero side, and anything it cannot read (words the yardstick does not
    list included).
    """
    stripped = text.strip()
    if not stripped:
        raise InputError("No probability given: use 65%, 0.65, 2:1 or a phrase such as 'likely'.")
    phrase = _normalise_phrase(stripped)

    term = yardstick.term(phrase)
    if term is not None:
        return _from_words(stripped, phrase, term, yardstick)

    if match := _PERCENT.match(phrase):
        return _plain(stripped, _checked(exact(Decimal(match.group(1))) / 100, stripped))

    if _DECIMAL.match(phrase):
        number = Decimal(phrase)
        if number == 1 and "." not in phrase:
            raise InputError(
                f"'{stripped}' is ambiguous (1% or 100%?); write 1% if you mean one percent."
            )
        # Above 1 it can only be a percentage; 1.0 itself means certainty and is refused.
        amount = exact(number) / 100 if number > 1 else exact(number)
        return _plain(stripped, _checked(amount, stripped))

    if match := _ODDS.match(phrase):
        in_favour, against = Decimal(match.group(1)), Decimal(match.group(2))
        if in_favour == 0 or against == 0:
            raise InputError(
                f"Odds '{stripped}' have a zero side: a probability must be above 0% and "
                "below 100% (e.g. 1:99)."
            )
        amount = _checked(Fraction(in_favour) / (Fraction(in_favour) + Fraction(against)), stripped)
        shown, changed = _shown(amount, stripped)
        return Probability(
            value=float(amount),
            text=stripped,
            explanation=f'"{stripped}" odds -> {"stored " if changed else ""}{shown}',
            exact=amount,
        )

    raise InputError(
        f"Cannot read '{stripped}' as a probability: use 65%, 0.65, 2:1 or a phrase of the "
        f"{yardstick.name} yardstick such as 'likely' (see docs/input.md)."
    )


def _read_named(
    tokens: Sequence[str], options: Sequence[str], yardstick: Yardstick
) -> dict[str, Probability]:
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
        given[option] = parse_probability(value_text, yardstick=yardstick)
    return given


def _words_range(read: Probability) -> str | None:
    """`ICD 203 55-80%`, or for a synonym `read as ICD 203 very likely 80-95%`; None for a
    number."""
    if read.term is None or read.yardstick is None:
        return None
    if read.synonym:
        return f"read as {read.yardstick} {read.term.name} {read.term.range_text}"
    return f"{read.yardstick} {read.term.range_text}"


def _origin(read: Probability) -> str | None:
    """How words or odds became a number, for echoes; None for a plain number."""
    words = _words_range(read)
    if words is not None:
        return f'"{read.words}", {words}'
    if ":" in read.text:
        return f"odds {read.text}"
    return None


def _item(option: str | None, units: int, read: Probability) -> str:
    """One value of an echo: as stored, and how it was read. When the grid (or rescaling)
    changed what was typed, the echo says what was stored: `"2:1" odds -> stored 66.6667%`."""
    stored = grid_percent(units)
    if Fraction(units, GRID) != read.amount:
        shown = f'"{read.text}"{" odds" if ":" in read.text else ""} -> stored {stored}'
        words = _words_range(read)
        if words is not None:
            shown += f" ({words})"
    else:
        origin = _origin(read)
        shown = stored if origin is None else f"{stored} (from {origin})"
    return shown if option is None else f"{option} {shown}"


def _distribution(
    units: Sequence[int],
    options: Sequence[str],
    explanation: str,
    *,
    normalized: bool,
    reads: Sequence[Probability],
) -> Distribution:
    return Distribution(
        probabilities={option: unit / GRID for option, unit in zip(options, units, strict=True)},
        explanation=explanation,
        normalized=normalized,
        from_words=any(read.term is not None for read in reads),
    )


def _binary(
    tokens: Sequence[str], *, named: bool, normalize: bool, yardstick: Yardstick
) -> Distribution:
    if named:
        given = _read_named(tokens, BINARY_OPTIONS, yardstick)
        if len(given) == 2:
            return _settle(given, BINARY_OPTIONS, normalize=normalize)
        option, read = next(iter(given.items()))
    else:
        option, read = "yes", parse_probability(" ".join(tokens), yardstick=yardstick)
    yes = read.amount if option == "yes" else 1 - read.amount
    stored = binary_on_grid(yes, read.text)
    units = [round(stored["yes"] * GRID), round(stored["no"] * GRID)]
    if option == "yes":
        explanation = _item(None, units[0], read)
    else:
        explanation = f"{grid_percent(units[0])} (from no {_item(None, units[1], read)})"
    return _distribution(units, BINARY_OPTIONS, explanation, normalized=False, reads=[read])


def _settle(
    given: dict[str, Probability], options: Sequence[str], *, normalize: bool
) -> Distribution:
    missing = [option for option in options if option not in given]
    if missing:
        listed = ", ".join(f"'{o}'" for o in missing)
        raise InputError(
            f"No probability given for {listed}: give every option (they must sum to 100%)."
        )
    amounts = [given[option].amount for option in options]
    total = sum(amounts, Fraction(0))
    off = abs(total - 1) > SUM_TOLERANCE
    if off and not normalize:
        raise InputError(
            f"Probabilities add up to {format_percent(float(total))}, not 100%. "
            "Give all options so they sum to 100%, or pass --normalize."
        )
    units = on_grid(amounts, options)
    explanation = ", ".join(
        _item(option, unit, given[option]) for option, unit in zip(options, units, strict=True)
    )
    if total != 1:
        explanation += f" (rescaled from a sum of {format_percent(float(total))})"
    return _distribution(units, options, explanation, normalized=off, reads=list(given.values()))


def parse_distribution(
    tokens: Sequence[str],
    options: Sequence[str],
    *,
    normalize: bool = False,
    yardstick: Yardstick = ICD_203,
) -> Distribution:
    """Read a forecast over a question's options from command-line tokens.

    For a binary question (options `yes`, `no`) the tokens are read together as the probability
    of yes (`almost certain`), or one of them is given by name (`yes=70`, `no=30`). Otherwise
    either every token is `name=value` (a name is an option, case-insensitive, or a unique
    prefix of one) or the tokens are values in option order, one per option. Values are read
    by `parse_probability` (words through `yardstick`). A sum more than half a point from
    100% raises InputError unless `normalize` is true, in which case it is rescaled (and
    `normalized` is set); a smaller difference is rescaled without it. The result is on the
    grid (`grid_units`): whole millionths that add up to exactly 1, and the explanation shows
    each value as stored.
    Raises InputError for empty, mixed, unknown, ambiguous, missing or repeated options, and
    for a value that would be stored as 0%.
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
        return _binary(cleaned, named=named, normalize=normalize, yardstick=yardstick)

    if named:
        given = _read_named(cleaned, options, yardstick)
    else:
        if len(cleaned) != len(options):
            listed = ", ".join(f"'{o}'" for o in options)
            raise InputError(
                f"Got {len(cleaned)} values for {len(options)} options ({listed}): give one "
                "value per option in that order, or name=value."
            )
        given = {
            option: parse_probability(token, yardstick=yardstick)
            for option, token in zip(options, cleaned, strict=True)
        }
    return _settle(given, options, normalize=normalize)
