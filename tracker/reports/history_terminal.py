"""How a question moved, drawn in the terminal: one row of block characters per forecaster.

Each column is an equal slice of time from the opening day to the end of the axis; its block
gives the probability standing at the end of that slice (like a scored day: the forecast
standing at its end), from ▁ (0%) to █ (100%); `·` means no forecast yet. The rows fit the
width they are given (80 columns and less): names wrap rather than being cut, and the first
and last probability of each line are written out, so no reading depends on the blocks or on
colour.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

from tracker.domain import rounding
from tracker.domain.history import REPORT, TEAM, Line, QuestionHistory
from tracker.reports.escapes import visible
from tracker.reports.history_text import drawn_text

BLOCKS = "\u2581\u2582\u2583\u2584\u2585\u2586\u2587\u2588"
NO_FORECAST = "\u00b7"
#: Where the terminal takes ASCII only (a legacy code page): the same eight steps.
ASCII_BLOCKS = "_.-:=+*#"
ASCII_NO_FORECAST = " "
DEADLINE_MARK = "|"
CLARIFICATION_MARK = "c"
#: Below this width the name goes on its own line above its row.
STACK_BELOW = 56
_NAME_MAX = 18


def block(probability: float, blocks: str = BLOCKS) -> str:
    """The block character for a probability: 0% is ▁, 100% is █, in eight steps."""
    return blocks[min(len(blocks) - 1, max(0, int(probability * (len(blocks) - 1) + 0.5)))]


def _moments(history: QuestionHistory, columns: int) -> list[datetime]:
    """The end of each column's slice of time."""
    span = history.axis_end - history.start
    return [history.start + span * (i + 1) / columns for i in range(columns)]


def spark(line: Line, history: QuestionHistory, columns: int, *, ascii_only: bool = False) -> str:
    """A line's row: a block per column, `·` before its first forecast, blank past its end."""
    blocks, none = (ASCII_BLOCKS, ASCII_NO_FORECAST) if ascii_only else (BLOCKS, NO_FORECAST)
    cells = []
    for moment in _moments(history, columns):
        if moment > history.end and cells:
            # Past the end of the lines (the deadline is later): nothing stands there.
            cells.append(" ")
            continue
        standing = line.standing_at(min(moment, history.end))
        cells.append(none if standing is None else block(standing, blocks))
    return "".join(cells)


def _column_of(history: QuestionHistory, moment: datetime, columns: int) -> int | None:
    span = (history.axis_end - history.start).total_seconds()
    offset = (moment - history.start).total_seconds()
    if span <= 0 or offset < 0 or offset > span:
        return None
    return min(columns - 1, int(offset / span * columns))


def _marks(history: QuestionHistory, columns: int) -> str:
    row = [" "] * columns
    for moment in history.clarifications:
        column = _column_of(history, moment, columns)
        if column is not None:
            row[column] = CLARIFICATION_MARK
    if history.deadline_on_axis:
        column = _column_of(history, history.deadline_end, columns)
        if column is not None:
            row[column] = DEADLINE_MARK
    return "".join(row)


def _values(line: Line, *, ascii_only: bool = False) -> str:
    first, last = rounding.percent(line.first), rounding.percent(line.last)
    arrow = "->" if ascii_only else "\u2192"
    return last if len(line.steps) == 1 else f"{first} {arrow} {last}"


def _name(line: Line) -> Text:
    if line.role == TEAM:
        return Text("team median", style="bold")
    name = Text(visible(line.forecaster, one_line=True))
    if line.role == REPORT:
        name.append(" (report)", style="italic")
    return name


def _axis_days(history: QuestionHistory) -> tuple[str, str]:
    """The first and the last day of the time axis (an end at midnight ends the day before)."""
    last = max(history.axis_end - timedelta(microseconds=1), history.start)
    return history.start.date().isoformat(), last.date().isoformat()


class HistoryView:
    """A rich renderable: the history of one question, laid out for the width it gets."""

    def __init__(self, history: QuestionHistory) -> None:
        self.history = history

    def _lines(self) -> list[Line]:
        team = [self.history.team] if self.history.team is not None else []
        return [*self.history.lines, *team]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        history, width = self.history, options.max_width
        lines = self._lines()
        yield Text(f"How it moved: {drawn_text(history)}", style="bold")
        if not lines:
            yield Text("No forecast to draw.", style="dim")
            return
        plain = options.ascii_only
        value_width = max(len(_values(line, ascii_only=plain)) for line in lines)
        stacked = width < STACK_BELOW
        names = max(len(_name(line).plain) for line in lines)
        name_width = 0 if stacked else min(max(names, 6), _NAME_MAX)
        lead = "" if stacked else " " * (name_width + 1)
        columns = max(8, width - len(lead) - value_width - 1)
        for line in lines:
            name = _name(line)
            drawn = spark(line, history, columns, ascii_only=plain)
            row = Text(drawn, style="bold" if line.role == TEAM else "")
            row.append(" " + _values(line, ascii_only=plain).rjust(value_width))
            if stacked:
                yield name
                yield row
                continue
            wrapped = name.wrap(console, name_width, overflow="fold")
            first = wrapped[0] if wrapped else Text("")
            first.pad_right(name_width - first.cell_len)
            yield Text.assemble(first, " ", row)
            yield from wrapped[1:]
        marks = _marks(history, columns)
        if marks.strip():
            yield Text(lead + marks.rstrip())
        start, end = _axis_days(history)
        fits = columns >= len(start) + len(end) + 1
        if fits:
            yield Text(lead + start + " " * (columns - len(start) - len(end)) + end)
        yield from self._notes(history, axis=not fits, ascii_only=plain)

    @staticmethod
    def _notes(history: QuestionHistory, *, axis: bool, ascii_only: bool) -> Iterable[Text]:
        blocks, none = (ASCII_BLOCKS, "blank:") if ascii_only else (BLOCKS, NO_FORECAST)
        parts = [f"{blocks[0]} 0% to {blocks[-1]} 100%; {none} no forecast yet."]
        if axis:
            parts.append("Time runs from {} to {}.".format(*_axis_days(history)))
        if history.outcome is not None and history.occurred_on is not None:
            parts.append(f"Outcome: {visible(history.outcome, one_line=True)}")
            parts[-1] += f" on {history.occurred_on.isoformat()} (the lines stop at the close)."
        deadline = f"Deadline {history.deadline.isoformat()}"
        if history.deadline_on_axis:
            deadline += f" ({DEADLINE_MARK} on the axis)"
        else:
            deadline += " (after the end of the axis)"
        parts.append(deadline + ".")
        if history.clarifications:
            days = ", ".join(c.date().isoformat() for c in history.clarifications)
            parts.append(f"Clarified ({CLARIFICATION_MARK}): {days}.")
        if history.backfilled:
            late = history.backfilled
            parts.append(f"{late} forecast(s) backfilled (entered more than a day later).")
        if history.after_close:
            parts.append(f"{history.after_close} forecast(s) made after the close not drawn.")
        yield Text(" ".join(parts), style="dim")
