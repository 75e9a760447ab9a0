"""How figures are rounded wherever a document shows or writes them (docs/reviews.md).

One rule everywhere: round half to even at a stated number of decimals, after taking anything
closer than a millionth of the last kept digit to a tie as float noise. Sums and means come out
of numpy a last bit apart from one build to the next (0.16000000000000003 or 0.16); with this
rule both read the same, and a true tie such as a Brier score of 0.5625 shown to three decimals
is 0.562 on every machine, not 0.562 on one and 0.563 on another. Nothing rounds to -0.
"""

from __future__ import annotations

import math
from decimal import Decimal

#: A value this close to halfway between two results, in units of the last kept digit, is a tie.
TIE = 1e-6
#: Below this many units the float product value * 10**places is exact to well within TIE.
_FLOAT_EXACT = 2.0**30
#: Most decimals a probability gets so that a value strictly between 0 and 1 does not read 0 or 1.
MOST_PLACES = 15
#: Powers of ten that are exact as floats (up to 10**22).
_POWERS = tuple(10.0**n for n in range(23))


def units(value: float, places: int) -> int:
    """`value` rounded half to even to `places` decimals, as a whole number of 10**-places
    (0.5625 at 3 places -> 562). Raises ValueError for infinity and NaN."""
    # Documents write hundreds of thousands of figures: the common case stays in floats.
    if places < len(_POWERS):
        scaled = value * _POWERS[places]
        if -_FLOAT_EXACT < scaled < _FLOAT_EXACT:  # also False for infinity and NaN
            low = math.floor(scaled)
            gap = scaled - low - 0.5
            if gap > TIE:
                return low + 1
            if gap < -TIE:
                return low
            return low + (low & 1)  # a tie: to the even neighbour
    return _exact_units(value, places)


def _exact_units(value: float, places: int) -> int:
    """`units` for large figures (counts, huge log losses), in exact decimals."""
    if not math.isfinite(value):
        raise ValueError(f"{value!r} has no rounded value")
    exact = Decimal(value).scaleb(places)
    low = int(exact.to_integral_value(rounding="ROUND_FLOOR"))
    gap = float(exact - low) - 0.5
    if abs(gap) <= TIE:
        return low + (low & 1)
    return low + 1 if gap > 0 else low


def rounded(value: float, places: int) -> float:
    """`value` rounded half to even to `places` decimals, as the float nearest that decimal
    (so it is written with at most `places` decimals); 0.0, never -0.0."""
    scale: int = 10**places
    return units(value, places) / scale  # int / int is correctly rounded


def places_inside(value: float, places: int, *, shift: int = 0) -> int | None:
    """The decimals (`places` or more) it takes for a value strictly between 0 and 1, shown as
    value * 10**shift, not to read as 0 or 1 (0.9996 as a whole percentage reads 100%; with two
    decimals, 99.96%). Other values keep `places`; None when even MOST_PLACES decimals of the
    value do not tell it from 0 or 1."""
    if not 0 < value < 1:
        return places
    while places + shift <= MOST_PLACES:
        if 0 < units(value, places + shift) < 10 ** (places + shift):
            return places
        places += 1
    return None


def fixed(value: float, places: int, *, shift: int = 0, sign: bool = False) -> str:
    """`value` * 10**shift written with `places` decimals, rounded as above: `fixed(0.5625, 3)`
    is `0.562`, `fixed(0.125, 0, shift=2)` is `12`, with `sign` `+0.000` rather than `-0.000`."""
    n = units(value, places + shift)
    text = str(-n if n < 0 else n)
    if places:
        text = text.rjust(places + 1, "0")
        text = f"{text[:-places]}.{text[-places:]}"
    if n < 0:
        return "-" + text
    return "+" + text if sign else text


def percent(value: float, places: int = 0, *, sign: bool = False) -> str:
    """A probability or share as a percentage with `places` decimals (`12%`), with more decimals
    when a value strictly between 0 and 1 would otherwise read 0% or 100% (`99.96%`), and as a
    bound when even MOST_PLACES decimals would (`<0.0000000000001%`)."""
    shown = places_inside(value, places, shift=2)
    if shown is None:
        edge = 10.0**-MOST_PLACES
        bound = MOST_PLACES - 2
        if value < 0.5:
            return f"<{fixed(edge, bound, shift=2, sign=sign)}%"
        return f">{fixed(1 - edge, bound, shift=2, sign=sign)}%"
    return fixed(value, shown, shift=2, sign=sign) + "%"
