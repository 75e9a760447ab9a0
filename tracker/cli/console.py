"""The one place terminal output goes through: stdout for results, stderr for messages.

Outside text (titles, names, quotes, a report's text, an error that echoes input) never reaches
the terminal as control or escape sequences: every string and rich Text printed here is shown
through `tracker.reports.escapes.visible` (escapes as `\\x1b`, bidi and zero-width characters as
`<U+202E>`), JSON through `json_escaped` (lossless `\\u` escapes). Messages on stderr (notes,
errors, --debug tracebacks) also have database passwords taken out (`tracker.config.hide_secrets`).
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import sys
import warnings
from collections.abc import Iterable, Iterator
from functools import cache
from typing import TYPE_CHECKING, Any

from tracker.config import hide_secrets
from tracker.reports.escapes import has_hidden, json_escaped, visible

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.text import Text

#: The exit status after stdout or stderr was closed early (`tracker list | head -1`): what the
#: shell reports for a command that SIGPIPE ended, 128 + 13, as for `cat` or `seq`.
BROKEN_PIPE_STATUS = 141


def safe_text(text: Text) -> Text:
    """A copy of a rich Text with its hidden characters made visible, styles kept in place (a
    highlighted quote stays highlighted when an escape before it takes more room)."""
    plain = text.plain
    if not has_hidden(plain):
        return text
    from rich.text import Span

    # Where each old offset lands in the new text.
    offsets = [0] * (len(plain) + 1)
    pieces: list[str] = []
    length = 0
    for index, char in enumerate(plain):
        offsets[index] = length
        shown = visible(char)
        pieces.append(shown)
        length += len(shown)
    offsets[len(plain)] = length
    copy = text.blank_copy("".join(pieces))
    copy.spans = [Span(offsets[s.start], offsets[s.end], s.style) for s in text.spans]
    return copy


@cache
def _console_class() -> type[Console]:
    from rich.console import Console, ConsoleOptions
    from rich.segment import Segment
    from rich.text import Text

    class SafeConsole(Console):
        """A rich console that shows outside text safely, whatever renderable holds it: strings
        (table cells, titles, messages) are made visible before they become Text, Text before it
        is laid out, and as a last guard any segment about to be written."""

        def on_broken_pipe(self) -> None:
            # Rich would exit with status 1 here; the error boundary ends quietly with 141.
            self.quiet = True
            raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))

        def render_str(self, text: str, **options: Any) -> Text:
            return super().render_str(visible(text), **options)

        def render(
            self, renderable: RenderableType, options: ConsoleOptions | None = None
        ) -> Iterable[Segment]:
            if isinstance(renderable, Text):
                renderable = safe_text(renderable)
            for segment in super().render(renderable, options):
                if segment.control is None and has_hidden(segment.text):
                    segment = Segment(visible(segment.text), segment.style)
                yield segment

    return SafeConsole


# Rich honours NO_COLOR and turns colour off when output is not a terminal. Markup is off:
# table cells hold user text (titles, names, options), and "[eu]" or "[/]" in it is text,
# not a style; styles are given as Text objects. The consoles (and rich) are loaded on first
# use, so that `tracker --help` and shell completion do not pay for them.
@cache
def _out() -> Console:
    return _console_class()(highlight=False, soft_wrap=False, markup=False)


@cache
def _err() -> Console:
    return _console_class()(stderr=True, highlight=False, markup=False)


class OutputFailed(Exception):
    """stdout could not be written (closed, or its disk full): the error boundary ends the
    command with a status that says whether its work was done (docs/cli.md)."""

    def __init__(self, cause: OSError) -> None:
        super().__init__(cause.strerror or str(cause))
        self.cause = cause


@contextlib.contextmanager
def _writing() -> Iterator[None]:
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise OutputFailed(exc) from exc


def show(renderable: RenderableType) -> None:
    """Print a table, panel or text to stdout; a table that does not fit the terminal is laid
    out so that no number or name is cut, or stacked (tracker.reports.tables)."""
    from tracker.reports.tables import fitted

    with _writing():
        _out().print(fitted(renderable))


def show_err(renderable: RenderableType) -> None:
    """Print a table or text to stderr (problems found on the way), fitted as by `show`."""
    from tracker.reports.tables import fitted

    with contextlib.suppress(OSError):  # nowhere left to say it
        _err().print(fitted(renderable))


def say(message: str) -> None:
    """Print a confirmation to stdout (plain text, no markup)."""
    with _writing():
        _out().print(message, markup=False, highlight=False, soft_wrap=True)


def note(message: str) -> None:
    """Print a side remark to stderr (warnings, hints; a library's words, so secrets hidden)."""
    line = visible(hide_secrets(message), one_line=True)  # e.g. a file name holding a newline
    with contextlib.suppress(OSError):  # nowhere left to say it
        _err().print(line, markup=False, highlight=False, soft_wrap=True)


def error(message: str) -> None:
    """Print one error line to stderr (a newline in echoed input is shown as `\\n`)."""
    line = visible(hide_secrets(message), one_line=True)
    try:
        _err().print(f"error: {line}", markup=False, highlight=False, soft_wrap=True, style="red")
    except BrokenPipeError:  # stderr was closed early: the exit status alone tells
        quiet_closed_pipe()


def traceback_text(exc: BaseException) -> str:
    """The traceback of `exc` (with the exceptions it came from) as Python prints it, with the
    database URL's secrets taken out and control characters made visible (for --debug)."""
    import traceback

    return visible(hide_secrets("".join(traceback.format_exception(exc))))


def print_traceback(exc: BaseException) -> None:
    """Write the traceback of `exc` to stderr (--debug), secrets hidden."""
    try:
        sys.stderr.write(traceback_text(exc))
        sys.stderr.flush()
    except BrokenPipeError:
        quiet_closed_pipe()


def quiet_closed_pipe() -> None:
    """After a reader closed stdout or stderr early: point both at /dev/null, so that nothing
    more is written and Python's final flush does not complain."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        # A stream that is not a real file (captured in tests) has nothing to redirect.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(devnull, stream.fileno())
    os.close(devnull)


class _ClosedStream:
    """Stands in for a stream that was closed before tracker started (`tracker list >&-`):
    writing to it fails as writing to the closed descriptor would."""

    encoding = "utf-8"
    errors = "strict"

    def write(self, _text: str) -> int:
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))

    def flush(self) -> None:
        return None

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))

    @property
    def closed(self) -> bool:
        return False


def tolerate_any_encoding() -> None:
    """Prepare the standard streams: stdout shows a character its encoding lacks as a backslash
    escape instead of failing (PYTHONIOENCODING=ascii, a legacy code page; stderr does so
    already), and a stream closed before tracker started fails only when written to."""
    if sys.stdout is None:
        sys.stdout = _ClosedStream()  # type: ignore[assignment]
    if sys.stderr is None:
        sys.stderr = _ClosedStream()  # type: ignore[assignment]
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors="backslashreplace")


def flush_streams() -> None:
    """Flush stdout and stderr (at the end of a command). Raises BrokenPipeError when a reader
    closed stdout early, and OutputFailed when it cannot be written; stderr failing is let be
    (there is nowhere left to say anything)."""
    if sys.stdout is not None and not sys.stdout.closed:
        with _writing():
            sys.stdout.flush()
    if sys.stderr is not None and not sys.stderr.closed:
        with contextlib.suppress(OSError):
            sys.stderr.flush()


class _NoteHandler(logging.Handler):
    """Shows the library's warnings (e.g. an automatic upgrade) as `note:` lines on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        note(f"note: {record.getMessage()}")


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: Any = None,
    line: str | None = None,
) -> None:
    # A library's warning (e.g. matplotlib's "Glyph 27 (\x1b) missing from font") may quote
    # outside text: it goes through note() like every other message, on one line.
    note(f"note: {category.__name__}: {visible(str(message), one_line=True)}")


def route_library_notes() -> None:
    """Send tracker's log warnings and Python warnings to stderr as notes (once per process)."""
    logger = logging.getLogger("tracker")
    if not any(isinstance(h, _NoteHandler) for h in logger.handlers):
        logger.addHandler(_NoteHandler(level=logging.WARNING))
        logger.propagate = False
    warnings.showwarning = _show_warning


def is_terminal() -> bool:
    """Whether stdout is a person's terminal (else a pipe or a file)."""
    return sys.stdout.isatty()


def emit_text(chunks: Iterable[str]) -> None:
    """Write a document (Markdown, HTML, CSV, SQL) to stdout piece by piece: as it is when stdout
    is a pipe or a file, with hidden characters made visible when it is a terminal (as `ls`
    does with file names)."""
    shown = visible if sys.stdout.isatty() else None
    with _writing():
        for chunk in chunks:
            sys.stdout.write(shown(chunk) if shown else chunk)
        sys.stdout.flush()


def _stdout_takes_unicode() -> bool:
    """Whether stdout can encode every character (UTF-8 nearly everywhere; not with
    PYTHONIOENCODING=ascii or a legacy code page)."""
    try:
        "\u2028\U0001f642".encode(sys.stdout.encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def emit_json_text(chunks: Iterable[str], *, escaped: bool = False) -> None:
    """Write serialised JSON (or JSON Lines) to stdout piece by piece, with the characters a
    terminal would obey written as `\\u` escapes (lossless), and every character beyond ASCII
    too where stdout cannot encode it. `escaped`: the chunks were escaped already (a million
    rows of scores are not scanned twice)."""
    ascii_only = not _stdout_takes_unicode()
    as_it_is = escaped and not ascii_only
    with _writing():
        for chunk in chunks:
            sys.stdout.write(chunk if as_it_is else json_escaped(chunk, ascii_only=ascii_only))
        sys.stdout.flush()


def emit_json(data: Any) -> None:
    """Write JSON to stdout, unstyled, one document: indented for a person at a terminal,
    compact for a pipe (the C encoder is many times faster, which matters for large scores).
    Control, bidi and zero-width characters are written as `\\u` escapes (lossless)."""
    indent = 2 if sys.stdout.isatty() else None
    emit_json_text([json.dumps(data, ensure_ascii=False, indent=indent) + "\n"])


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
