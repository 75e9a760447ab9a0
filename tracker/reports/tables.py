"""Tables that never cut a number or a name, whatever the terminal's width.

Rich fits a table that is too wide by narrowing its columns below their longest word: a number
then wraps across lines (`0.0` / `55`) or loses its end to an ellipsis (`-0.1…`), a name breaks
in the middle (`RSC sitre` / `p`). `fitted` lays every table out so that this cannot happen:

1. as rich lays it out, when no column ends up narrower than its longest word (a column marked
   `no_wrap`: narrower than its longest line);
2. else with column widths chosen here: each column at least that wide, the room left shared in
   proportion to what each column would like; free text (titles, rationales) wraps between
   words;
3. else, when even that does not fit, stacked: one block per row, a `header: value` line per
   cell, a rule between blocks.

A table without a border (`show_edge`) and edge padding is tried before stacking. The choice is
made when the table is drawn, for the width it is drawn at (a panel's inside, a terminal).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import replace

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.padding import Padding
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Column, Table
from rich.text import Text

from tracker.reports.escapes import visible

#: Wide enough that measuring a cell never clamps its longest word.
_UNBOUNDED = 1_000_000


class Fitted:
    """A rich renderable: `table` laid out for the width it is drawn at without cutting a word
    (see the module's docstring)."""

    def __init__(self, table: Table) -> None:
        self.table = table

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield fit_table(self.table, console, options)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.table)


class FittedRule:
    """A rich renderable: a rule whose title is written whole above it when the rule is too
    narrow for it (rich would end the title with an ellipsis)."""

    def __init__(self, rule: Rule) -> None:
        self.rule = rule

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        title = self.rule.title
        title_width = Measurement.get(console, options.update_width(_UNBOUNDED), title).maximum
        # Rich's rule keeps a few characters of line beside its title (two on each side).
        if not title or title_width + 6 <= options.max_width:
            yield self.rule
            return
        yield _as_text(title) if isinstance(title, str) else title
        yield Rule(style=self.rule.style, characters=self.rule.characters)


def fitted(renderable: RenderableType) -> RenderableType:
    """`renderable` with every table in it (at the top, in a group, a panel or padding) drawn
    through `Fitted`, and every titled rule through `FittedRule`; anything else is returned as
    it is."""
    if isinstance(renderable, Fitted | FittedRule):
        return renderable
    if isinstance(renderable, Table):
        return Fitted(renderable)
    if isinstance(renderable, Rule):
        return FittedRule(renderable)
    if isinstance(renderable, Group):
        return Group(*(fitted(part) for part in renderable.renderables), fit=renderable.fit)
    if isinstance(renderable, Panel | Padding):
        shell = copy.copy(renderable)
        shell.renderable = fitted(renderable.renderable)
        return shell
    return renderable


def fit_table(table: Table, console: Console, options: ConsoleOptions) -> RenderableType:
    """What to draw for `table` at `options.max_width`: the table itself, a copy with fixed
    column widths, or its rows stacked."""
    width = options.max_width if table.width is None else min(table.width, options.max_width)
    if _cuts_nothing(table, console, options, width):
        return table
    for candidate in (table, _compact(table)):
        widths = column_widths(candidate, console, options, width)
        if widths is not None:
            return _with_widths(candidate, widths)
    if not table.show_header:
        return _grid_rows(table, console, options, width)
    return stacked(table)


def column_widths(
    table: Table, console: Console, options: ConsoleOptions, width: int
) -> list[int] | None:
    """Widths (padding included, borders not) that give each column of `table` at least its
    longest word and fill no more than `width`; None when that cannot be done."""
    ranges = [_column_range(table, console, options, i) for i in range(len(table.columns))]
    room = width - _border_width(table)
    least = [low for low, _ in ranges]
    if sum(least) > room:
        return None
    widths = _shared(least, [high for _, high in ranges], room)
    if table.expand:
        widths = _expanded(widths, [c.ratio or 0 for c in table.columns], room)
    return widths


def stacked(table: Table) -> RenderableType:
    """`table`'s rows one below the other: its title, then per row a `header: value` line for
    each cell that holds something, a rule between rows, then its caption. A table without
    headers (a grid of labels and values) gives one line per row, its cells side by side."""
    parts: list[RenderableType] = []
    if table.title:
        parts.append(_as_text(table.title, style="bold"))
    headers = [_header(column) for column in table.columns] if table.show_header else None
    cells = [list(column.cells) for column in table.columns]
    for row in range(table.row_count):
        values = [column_cells[row] for column_cells in cells]
        if headers is None:
            parts.append(_side_by_side(values))
            continue
        if row:
            parts.append(Rule(style="dim"))
        parts.extend(_labelled(headers, values))
    if table.caption:
        parts.append(_as_text(table.caption, style="dim"))
    return Group(*parts)


def _grid_rows(
    table: Table, console: Console, options: ConsoleOptions, width: int
) -> RenderableType:
    """A table without headers (labels and values) that does not fit: the rows that fit stay
    aligned in columns, each other row is written on its own, its cells side by side."""
    fitting = [
        row
        for row in range(table.row_count)
        if column_widths(_rows_of(table, [row]), console, options, width) is not None
    ]
    widths = column_widths(_rows_of(table, fitting), console, options, width) if fitting else None
    cells = [list(column.cells) for column in table.columns]
    parts: list[RenderableType] = []
    for row in range(table.row_count):
        if widths is not None and row in fitting:
            parts.append(_with_widths(_rows_of(table, [row]), widths))
        else:
            parts.append(_side_by_side([column_cells[row] for column_cells in cells]))
    return Group(*parts)


def _rows_of(table: Table, rows: Sequence[int]) -> Table:
    """A copy of `table` holding only the given rows."""
    part = copy.copy(table)
    part.columns = [replace(c, _cells=[c._cells[row] for row in rows]) for c in table.columns]
    part.rows = [table.rows[row] for row in rows]
    return part


def _cuts_nothing(table: Table, console: Console, options: ConsoleOptions, width: int) -> bool:
    """Whether rich's own layout gives every column at least its longest word."""
    # Rich's own width calculation (a private method, stable since rich 10), as its
    # __rich_console__ calls it.
    laid = table._calculate_column_widths(
        console, options.update_width(width - _border_width(table))
    )
    if sum(laid) + _border_width(table) > width:
        return False
    ranges = [_column_range(table, console, options, i) for i in range(len(table.columns))]
    return all(given >= low for given, (low, _) in zip(laid, ranges, strict=True))


def _border_width(table: Table) -> int:
    """Columns taken by the table's vertical lines."""
    if not table.box:
        return 0
    return len(table.columns) - 1 + (2 if table.show_edge else 0)


def _column_range(
    table: Table, console: Console, options: ConsoleOptions, index: int
) -> tuple[int, int]:
    """(least, most) width of a column, padding included: least is its longest word (longest
    line if the column does not wrap), most its longest line."""
    column = table.columns[index]
    wide = options.update_width(_UNBOUNDED)
    least = most = 0
    for cell in _column_cells(table, column):
        measured = Measurement.get(console, wide, cell)
        least = max(least, measured.maximum if column.no_wrap else measured.minimum)
        most = max(most, measured.maximum)
    if column.max_width is not None:
        most = min(most, max(least, column.max_width))
    if column.min_width is not None:
        most = max(most, column.min_width)
    padding = table._get_padding_width(index)
    return least + padding, max(least, most) + padding


def _column_cells(table: Table, column: Column) -> Iterable[RenderableType]:
    if table.show_header:
        yield column.header
    yield from column.cells
    if table.show_footer:
        yield column.footer


def _shared(least: Sequence[int], most: Sequence[int], room: int) -> list[int]:
    """Each column its least width, and the room left shared in proportion to how much more
    each would take (up to its most)."""
    wants = [high - low for low, high in zip(least, most, strict=True)]
    spare = room - sum(least)
    total = sum(wants)
    if total <= spare:
        return list(most)
    shares = [spare * want // total for want in wants]
    # The columns rounded down the most get the few columns left over.
    left = spare - sum(shares)
    order = sorted(range(len(wants)), key=lambda i: (spare * wants[i]) % total, reverse=True)
    for i in order[:left]:
        shares[i] += 1
    return [low + share for low, share in zip(least, shares, strict=True)]


def _expanded(widths: list[int], ratios: Sequence[int], room: int) -> list[int]:
    """For a table that fills the width: the room left given to the columns with a ratio (in
    proportion), or to the last column when none has one."""
    spare = room - sum(widths)
    if spare <= 0:
        return widths
    weights = list(ratios) if any(ratios) else [0] * (len(widths) - 1) + [1]
    total = sum(weights)
    shares = [spare * weight // total for weight in weights]
    shares[max(range(len(weights)), key=lambda i: weights[i])] += spare - sum(shares)
    return [w + s for w, s in zip(widths, shares, strict=True)]


def _compact(table: Table) -> Table:
    """`table` without its outer border and the padding at its edges (four columns more)."""
    compact = copy.copy(table)
    compact.show_edge = False
    compact.pad_edge = False
    return compact


def _with_widths(table: Table, widths: Sequence[int]) -> Table:
    """A copy of `table` whose columns have the given widths (padding included)."""
    sized = copy.copy(table)
    sized.columns = [
        replace(column, width=width - table._get_padding_width(i), ratio=None, min_width=None)
        for i, (column, width) in enumerate(zip(table.columns, widths, strict=True))
    ]
    sized.expand = False
    return sized


def _header(column: Column) -> Text:
    """A column's header on one line (`time-` over `w.` reads `time-w.`)."""
    lines = _as_text(column.header).plain.split("\n")
    joined = ""
    for line in (" ".join(line.split()) for line in lines):
        joined += line if not joined or joined.endswith("-") else " " + line
    return Text(joined, style="bold")


def _as_text(value: RenderableType, *, style: str = "") -> Text:
    """A cell as Text; a string's hidden characters made visible first, as the console does
    for strings (Text itself would drop some control characters silently)."""
    if isinstance(value, Text):
        return value.copy()
    return Text(visible(value) if isinstance(value, str) else "", style=style)


def _labelled(headers: Sequence[Text], values: Sequence[RenderableType]) -> list[RenderableType]:
    """A row's `header: value` lines; a value of several lines (or not text) goes below its
    header, indented."""
    lines: list[RenderableType] = []
    for header, value in zip(headers, values, strict=True):
        if isinstance(value, str | Text):
            text = _as_text(value)
            if not text.plain.strip():
                continue
            if not header.plain:
                lines.append(text)
            elif "\n" in text.plain:
                lines.append(Text.assemble(header, ":"))
                lines.append(Padding(text, (0, 0, 0, 2), expand=False))
            elif not header.plain[-1].isalnum() and len(header.plain) == 1:
                lines.append(Text.assemble(header, text))  # `#12`, not `#: 12`
            else:
                lines.append(Text.assemble(header, ": ", text))
        else:
            lines.append(Text.assemble(header, ":"))
            lines.append(Padding(value, (0, 0, 0, 2), expand=False))
    return lines


def _side_by_side(values: Sequence[RenderableType]) -> RenderableType:
    """A headerless row on one line: its text cells two spaces apart."""
    if not all(isinstance(value, str | Text) for value in values):
        return Group(*values)
    line = Text()
    for value in values:
        text = _as_text(value)
        if text.plain:
            if line.plain:
                line.append("  ")
            line.append_text(text)
    return line
