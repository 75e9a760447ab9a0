"""Tables laid out for the terminal's width: fitted without cutting a word, or stacked."""

from __future__ import annotations

import io

from rich.console import Console, RenderableType
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from tracker.reports.tables import fitted, stacked


def drawn(renderable: RenderableType, width: int) -> list[str]:
    screen = io.StringIO()
    Console(file=screen, width=width, color_system=None, highlight=False).print(renderable)
    return [line.rstrip() for line in screen.getvalue().splitlines()]


def scores(*rows: tuple[str, str, str]) -> Table:
    table = Table(title="Scores")
    table.add_column("forecaster")
    table.add_column("Brier", justify="right")
    table.add_column("relative", justify="right")
    for row in rows:
        table.add_row(*row)
    return table


ROWS = (("RSC sitrep (Giragosian)", "0.221", "+0.100"), ("ani", "0.006", "-0.199"))


def test_a_table_that_fits_is_drawn_as_rich_draws_it() -> None:
    assert drawn(fitted(scores(*ROWS)), 80) == drawn(scores(*ROWS), 80)


def test_rich_alone_cuts_numbers_in_a_narrow_table() -> None:
    # What fitted() is for: rich narrows every column below its longest word.
    assert any("…" in line for line in drawn(scores(*ROWS), 24))


def test_a_narrow_table_gets_widths_that_keep_every_word_whole() -> None:
    lines = drawn(fitted(scores(*ROWS)), 35)
    assert lines == [
        "              Scores",
        "┏━━━━━━━━━━━━━━┳━━━━━━━┳━━━━━━━━━━┓",
        "┃ forecaster   ┃ Brier ┃ relative ┃",
        "┡━━━━━━━━━━━━━━╇━━━━━━━╇━━━━━━━━━━┩",
        "│ RSC sitrep   │ 0.221 │   +0.100 │",
        "│ (Giragosian) │       │          │",
        "│ ani          │ 0.006 │   -0.199 │",
        "└──────────────┴───────┴──────────┘",
    ]


def test_without_its_border_a_table_fits_four_columns_narrower() -> None:
    lines = drawn(fitted(scores(*ROWS)), 31)
    assert lines[1:4] == [
        "forecaster   ┃ Brier ┃ relative",
        "━━━━━━━━━━━━━╇━━━━━━━╇━━━━━━━━━",
        "RSC sitrep   │ 0.221 │   +0.100",
    ]


def test_a_table_that_cannot_fit_is_stacked_one_block_per_row() -> None:
    assert drawn(fitted(scores(*ROWS)), 30) == [
        "Scores",
        "forecaster: RSC sitrep",
        "(Giragosian)",
        "Brier: 0.221",
        "relative: +0.100",
        "─" * 30,
        "forecaster: ani",
        "Brier: 0.006",
        "relative: -0.199",
    ]


def test_stacked_cells_of_several_lines_go_below_their_header_and_empty_cells_are_left_out() -> (
    None
):
    table = Table()
    table.add_column("#")
    table.add_column("standing")
    table.add_column("time-\nw.")
    table.add_column("note")
    table.add_row("3", "ani: 93%\ntom: 98%", "0.086", "")
    assert drawn(stacked(table), 40) == [
        "#3",
        "standing:",
        "  ani: 93%",
        "  tom: 98%",
        "time-w.: 0.086",
    ]


def test_a_grid_of_labels_keeps_the_rows_that_fit_aligned() -> None:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    grid.add_row("file", "report.txt")
    grid.add_row("hash", "sha256:" + "a" * 28)
    grid.add_row("published", "2021-11-29")
    # The hash and its label do not fit side by side: that row alone is written on its own.
    assert drawn(fitted(grid), 36) == [
        "file       report.txt",
        "hash",
        "sha256:" + "a" * 28,
        "published  2021-11-29",
    ]


def test_a_rule_too_narrow_for_its_title_writes_the_title_whole_above_it() -> None:
    rule = Rule(Text("Accuracy by source (time-weighted skill)"), align="left")
    assert drawn(fitted(rule), 30) == [
        "Accuracy by source",
        "(time-weighted skill)",
        "─" * 30,
    ]
    assert "…" in "".join(drawn(rule, 30))  # as rich alone draws it


def test_a_stacked_table_shows_outside_text_safely_through_the_tracker_console() -> None:
    from tracker.cli.console import _console_class

    table = scores(("ani\x1b]0;owned\x07", "0.006", "-0.199"))
    screen = io.StringIO()
    _console_class()(file=screen, width=29, color_system=None, markup=False).print(fitted(table))
    assert "ani\\x1b]0;owned\\x07" in screen.getvalue().splitlines()
    assert "\x1b" not in screen.getvalue()
