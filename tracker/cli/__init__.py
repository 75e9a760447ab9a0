"""The `tracker` command line: typer commands over the services, one error boundary."""

from __future__ import annotations

import sys
from typing import Any

import typer

# typer >= 0.29 vendors click; its usage errors are caught to print them on one line.
from typer._click.exceptions import ClickException, UsageError
from typer.core import TyperGroup

from tracker import __version__
from tracker.cli import console
from tracker.cli.context import Settings
from tracker.errors import ProblemsError, TrackerError


def _debugging(ctx: typer.Context) -> bool:
    root = ctx.find_root().obj
    return isinstance(root, Settings) and root.debug


def _usage_error(exc: UsageError) -> typer.Exit:
    command = exc.ctx.command_path if exc.ctx else "tracker"
    console.error(f"{exc.format_message()} (see: {command} --help)")
    return typer.Exit(2)


def _closed_pipe() -> typer.Exit:
    console.quiet_closed_pipe()
    return typer.Exit(console.BROKEN_PIPE_STATUS)


class TrackerGroup(TyperGroup):
    """The root group: turns every failure into one line on stderr and an exit status.

    TrackerError -> exit 1; usage errors -> exit 2; Ctrl-C -> 130 (typer); a reader that closed
    the pipe early -> quietly, exit 141; anything unexpected -> one line with a hint to rerun
    with --debug, which prints the traceback instead. Messages and tracebacks never show the
    database URL's secrets (console.error, console.print_traceback).
    """

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: Any = None,
        **extra: Any,
    ) -> Any:
        # The root's own options are parsed here, before invoke: their usage errors (an unknown
        # option, which click would echo raw on several lines) get the same one line.
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except UsageError as exc:
            raise _usage_error(exc) from None
        except BrokenPipeError:  # e.g. `tracker --help | head -1`
            raise _closed_pipe() from None

    def invoke(self, ctx: typer.Context) -> Any:  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except TrackerError as exc:
            if _debugging(ctx):
                console.print_traceback(exc)
            else:
                if isinstance(exc, ProblemsError):  # each problem on its own line, then why
                    for problem in exc.problems:
                        console.note(problem)
                console.error(str(exc))
            raise typer.Exit(1) from None
        except UsageError as exc:
            raise _usage_error(exc) from None
        except BrokenPipeError:
            raise _closed_pipe() from None
        except (
            typer.Exit,
            typer.Abort,
            ClickException,
            KeyboardInterrupt,
            EOFError,
            console.OutputFailed,
        ):
            raise
        except MemoryError:
            if _debugging(ctx):
                raise
            console.error(
                "tracker ran out of memory (an import holds about six times its file's size); "
                "nothing was written. Import the file in parts, or on a machine with more memory."
            )
            raise typer.Exit(1) from None
        except Exception as exc:
            if _debugging(ctx):
                console.print_traceback(exc)
                raise typer.Exit(1) from None
            detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            console.error(
                f"unexpected {type(exc).__name__}{': ' + detail if detail else ''}. "
                "Rerun with --debug to see the traceback."
            )
            raise typer.Exit(1) from None


app = typer.Typer(
    rich_markup_mode=None,
    cls=TrackerGroup,
    help=(
        "Track forecasts and expectations from reports: questions with deadlines and resolution "
        "criteria, probabilities updated over time, outcomes with evidence."
    ),
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        console.say(f"tracker {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    db: str | None = typer.Option(
        None,
        "--db",
        help="Database file or SQLAlchemy URL. Default: $TRACKER_DB, else ./forecasts.db.",
        show_default=False,
    ),
    debug: bool = typer.Option(
        False, "--debug", help="Show tracebacks instead of one-line errors."
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Track forecasts and expectations from reports.

    Example: tracker add "Nakhichevan road/rail agreement" -c "..." -d "+6m" -p likely
    """
    ctx.obj = Settings(db_option=db, debug=debug)
    console.route_library_notes()


from tracker.cli import clarify as _clarify  # noqa: E402
from tracker.cli import db as _db  # noqa: E402
from tracker.cli import interchange as _interchange  # noqa: E402
from tracker.cli import questions as _questions  # noqa: E402
from tracker.cli import remind as _remind  # noqa: E402
from tracker.cli import retract as _retract  # noqa: E402
from tracker.cli import review as _review  # noqa: E402
from tracker.cli import score as _score  # noqa: E402
from tracker.cli import source as _source  # noqa: E402

_questions.register(app)
_retract.register(app)
_clarify.register(app)
_remind.register(app)
_score.register(app)
_review.register(app)
_interchange.register(app)
app.add_typer(_source.app, name="source")
app.add_typer(_db.app, name="db")


def main() -> None:
    """Console-script entry point.

    Output still buffered is flushed here, inside the boundary: a reader that closed the pipe
    early (`tracker list | head -1`) ends the command quietly with status 141.
    """
    console.tolerate_any_encoding()
    try:
        try:
            app(prog_name="tracker")
        finally:
            console.flush_streams()
    except BrokenPipeError:
        raise SystemExit(_after_output_failed(_closed_pipe().exit_code)) from None
    except console.OutputFailed as exc:
        status = _after_output_failed(1)
        if status == 0:
            console.note(f"note: cannot write the output ({exc}); what was recorded is recorded.")
        else:
            console.error(f"Cannot write the output: {exc}.")
        raise SystemExit(status) from None


def _after_output_failed(status: int) -> int:
    """The exit status once stdout could not be written: 0 when the command's write was
    committed (only its confirmation was lost: a script must not record it again), else
    `status`."""
    workspace = sys.modules.get("tracker.services.workspace")
    if workspace is not None and workspace.committed_a_write():
        return 0
    return status
