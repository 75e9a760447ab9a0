"""Charts are drawn for a phone: text large enough once scaled to the column, names whole."""

from __future__ import annotations

import random
import re

import pytest

from tracker.domain.review import HorizonRow, QuarterCalibration
from tracker.domain.scoring import Calibration, calibration
from tracker.reports import charts

#: The narrowest a chart is shown (CSS px): a 390 px phone's column, and a calibration panel
#: in the narrowest column the page's grid gives it (14rem).
PHONE_COLUMN = 350
NARROWEST_PANEL = 224


def _table(seed: int, n: int = 40) -> Calibration:
    draw = random.Random(seed)
    return calibration([(round(draw.random(), 2), draw.randint(0, 1)) for _ in range(n)])


def _smallest_rendered_text(svg: bytes, shown_width: float) -> float:
    """The smallest font size in the SVG, in CSS px once the SVG is `shown_width` px wide."""
    text = svg.decode("utf-8")
    view_width = float(re.search(r'viewBox="0 0 ([0-9.]+) ', text).group(1))  # type: ignore[union-attr]
    sizes = [float(s) for s in re.findall(r"font-size: ([0-9.]+)px", text)]
    assert sizes, "no text in the chart"
    return min(sizes) * shown_width / view_width


def test_every_chart_keeps_its_text_at_10_px_on_a_phone() -> None:
    horizons = [
        HorizonRow(
            "0-7 days",
            0,
            7,
            {"binary": 3, "multiple_choice": 1},
            {"binary": 0.1, "multiple_choice": 0.4},
        ),
        HorizonRow("over 180 days", 181, None, {"binary": 2}, {"binary": 0.3}),
    ]
    quarters = [
        QuarterCalibration(name, quarter, 2, _table(i), 0.2)
        for i, name in enumerate(["ani", "tom", "team (median)"])
        for quarter in ("2021Q4", "2022Q1")
    ]
    whole = {
        "calibration": charts.calibration_chart([("all forecasters", _table(1))], fmt="svg"),
        "horizons": charts.horizon_chart(horizons, fmt="svg"),
        "quarters": charts.quarterly_chart(quarters, fmt="svg"),
    }
    for name, svg in whole.items():
        assert _smallest_rendered_text(svg, PHONE_COLUMN) >= 10, name
    for svg in charts.calibration_panels([("ani", _table(2)), ("tom", _table(3))], fmt="svg"):
        assert _smallest_rendered_text(svg, NARROWEST_PANEL) >= 10


def test_small_multiples_are_one_chart_each_the_same_as_drawn_alone() -> None:
    panels = [(f"analyst {i}", _table(i)) for i in range(4)]
    drawn = charts.calibration_panels(panels, fmt="svg")
    assert len(drawn) == 4 and len(set(drawn)) == 4
    # Drawn in one figure one after the other, nothing of one forecaster stays in the next.
    assert drawn[2] == charts.calibration_panels([panels[2]], fmt="svg")[0]


@pytest.mark.parametrize("name", ["Giragosian-Regional-Studies-Center-desk-officer", "x" * 70])
def test_a_long_name_is_broken_into_lines_not_cut(name: str) -> None:
    svg = charts.calibration_panels([(name, _table(5)), ("ani", _table(6))], fmt="svg")[0]
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg.decode("utf-8"))
    title_lines = [t for t in texts if t and (t in name or "(n=" in t)]
    assert "".join(title_lines).replace(" ", "") == f"{name}(n=40)"
    assert all(len(line) <= 22 for line in title_lines)
