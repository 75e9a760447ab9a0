"""The one place terminal output goes through: stdout for results, stderr for messages."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console, RenderableType


# Rich honours NO_COLOR and turns colour off when output is not a terminal. Markup is off:
# table cells hold user text (titles, names, options), and "[eu]" or "[/]" in it is text,
# not a style; styles are given as Text objects. The consoles (and rich) are loaded on first
# use, so that `tracker --help` and shell completion do not pay for them.
@cache
def _out() -> Console:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False, markup=False)


@cache
def _err() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False, markup=False)


def show(renderable: RenderableType) -> None:
    """Print a table, panel or text to stdout."""
    _out().print(renderable)


def show_err(renderable: RenderableType) -> None:
    """Print a table or text to stderr (problems found on the way)."""
    _err().print(renderable)


def say(message: str) -> None:
    """Print a confirmation to stdout (plain text, no markup)."""
    _out().print(message, markup=False, highlight=False, soft_wrap=True)


def note(message: str) -> None:
    """Print a side remark to stderr (warnings, hints)."""
    _err().print(message, markup=False, highlight=False, soft_wrap=True)


def error(message: str) -> None:
    """Print one error line to stderr."""
    _err().print(f"error: {message}", markup=False, highlight=False, soft_wrap=True, style="red")


class _NoteHandler(logging.Handler):
    """Shows the library's warnings (e.g. an automatic upgrade) as `note:` lines on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        note(f"note: {record.getMessage()}")


def route_library_notes() -> None:
    """Send tracker's log warnings to stderr as notes (once per process)."""
    logger = logging.getLogger("tracker")
    if not any(isinstance(h, _NoteHandler) for h in logger.handlers):
        logger.addHandler(_NoteHandler(level=logging.WARNING))
        logger.propagate = False


def is_terminal() -> bool:
    """Whether stdout is a person's terminal (else a pipe or a file)."""
    return sys.stdout.isatty()


def emit_text(chunks: Iterable[str]) -> None:
    """Write text to stdout piece by piece (large JSON documents are streamed this way)."""
    for chunk in chunks:
        sys.stdout.write(chunk)
    sys.stdout.flush()


def emit_json(data: Any) -> None:
    """Write JSON to stdout, unstyled, one document: indented for a person at a terminal,
    compact for a pipe (the C encoder is many times faster, which matters for large scores)."""
    indent = 2 if sys.stdout.isatty() else None
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=indent) + "\n")
    sys.stdout.flush()


class DelayedProgress:
    """A progress bar on stderr that appears only once work has taken longer than `delay`
    seconds, and only on a terminal; call it with (stage, done, total), total 0 if unknown."""

    def __init__(self, delay: float = 1.0) -> None:
        import time

        self._clock = time.monotonic
        self._start = self._clock()
        self._delay = delay
        self._progress: Any = None
        self._task: Any = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self._progress is None:
            if not _err().is_terminal or self._clock() - self._start < self._delay:
                return
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
            )

            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=_err(),
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task(stage, total=None)
        self._progress.update(self._task, description=stage, completed=done, total=total or None)

    def stage(self, name: str) -> None:
        """Name a step whose size is unknown (e.g. drawing charts)."""
        self(name, 0, 0)

    def close(self) -> None:
        """Remove the bar (if it was shown)."""
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
