"""History charts: deterministic, small, text large enough on a phone, ids unique per chart."""

from __future__ import annotations

import re
import struct
from datetime import UTC, date, datetime

from tests.domain.test_history import at, binary, resolved, yes
from tracker.reports.history_charts import colour_order, history_chart


def _history(**kwargs):
    return binary(
        [
            yes("alice", at(2), 0.2),
            yes("bob", at(5), 0.6),
            yes("carol", at(20), 0.9, recorded_at=at(28)),
            yes("alice", at(25), 0.8),
            yes("the report", at(1), 0.7),
        ],
        resolved("yes"),
        report_forecaster="the report",
        clarifications=[datetime(2022, 5, 15, tzinfo=UTC)],
        **kwargs,
    )


def test_the_same_history_gives_the_same_bytes():
    history = _history()
    for fmt in ("svg", "png"):
        assert history_chart(history, fmt=fmt) == history_chart(history, fmt=fmt)


def test_svg_text_is_at_least_10_px_at_its_natural_size_and_at_360_px():
    svg = history_chart(_history(), fmt="svg").decode()
    width_pt = float(re.search(r'<svg[^>]*width="([\d.]+)pt"', svg).group(1))
    view_width = float(re.search(r'viewBox="0 0 ([\d.]+) ', svg).group(1))
    sizes = [float(s) for s in re.findall(r"font-size: ([\d.]+)px", svg)]
    assert sizes and len(re.findall(r"<text", svg)) >= 8
    natural_px_per_unit = width_pt * 4 / 3 / view_width  # 1 pt = 4/3 CSS px
    assert min(sizes) * natural_px_per_unit >= 10
    assert min(sizes) * 360 / view_width >= 10


def test_png_is_360_px_wide():
    png = history_chart(_history(), fmt="png")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, _height = struct.unpack(">II", png[16:24])
    assert width == 360


def test_svg_is_small_without_metadata_and_its_ids_carry_the_prefix():
    svg = history_chart(_history(), fmt="svg", prefix="h7").decode()
    assert len(svg) < 20_000
    assert "<metadata" not in svg and "<?xml" not in svg and "<!DOCTYPE" not in svg
    ids = re.findall(r'\bid="([^"]+)"', svg)
    assert ids and all(i.startswith("h7-") for i in ids)
    for reference in re.findall(r'(?:url\(#|href="#)([^)"]+)', svg):
        assert reference in ids


def test_every_forecaster_the_report_the_median_outcome_and_deadline_are_named():
    svg = history_chart(_history(), fmt="svg").decode()
    for label in (
        "alice",
        "bob",
        "carol",
        "the report (report)",
        "team median",
        "outcome: yes",
        "deadline 2022-06-30",
        "clarification",
    ):
        assert f">{label}<" in svg, label


def test_a_name_with_control_characters_is_drawn_visibly():
    history = binary([yes("eve\x1b[31m", at(2), 0.2)], resolved("no"))
    svg = history_chart(history, fmt="svg").decode()
    assert "\x1b" not in svg
    assert "eve\\x1b[31m" in svg


def test_a_deadline_far_beyond_the_close_is_named_not_drawn():
    history = binary([yes("alice", at(2), 0.2)], resolved("no", date(2022, 4, 10)))
    assert not history.deadline_on_axis
    svg = history_chart(history, fmt="svg").decode()
    assert "deadline 2022-06-30 (later)" in svg


def test_a_forecaster_keeps_one_colour_across_a_documents_charts():
    first = binary([yes("alice", at(2), 0.2), yes("bob", at(3), 0.3)], resolved("no"))
    second = binary([yes("bob", at(2), 0.2)], resolved("no"))
    slots = colour_order([first, second])
    assert slots == {"alice": 1, "bob": 0} or slots == {"bob": 0, "alice": 1}
    colour_of_bob = {
        history_chart(h, fmt="svg", slots=slots).decode().count("#0072b2") > 0
        for h in (first, second)
    }
    assert colour_of_bob == {True}
