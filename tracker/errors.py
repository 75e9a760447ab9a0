"""Typed errors: every message tells the user what to do next."""

from __future__ import annotations


class TrackerError(Exception):
    """Base of every error the user may see as one line (exit status 1)."""


class InputError(TrackerError):
    """Malformed or contradictory input: a probability, a date, an option name, a file."""


class ProblemsError(InputError):
    """Several problems found at once (every entry of a file is checked before anything is
    added): the command line lists `problems`, one a line, before the message."""

    def __init__(self, message: str, problems: list[str]) -> None:
        super().__init__(message)
        self.problems = problems


class NotFoundError(TrackerError):
    """A question, source or option that does not exist."""


class ConflictError(TrackerError):
    """The request contradicts the record: a second resolution, a forecast on a closed question."""


class DatabaseError(TrackerError):
    """The database cannot be opened, is of the wrong version, or refused the write."""


class NotAllowedError(DatabaseError):
    """The database refused the write: the user's role or the file's permissions forbid it."""


class OutputError(TrackerError):
    """An output file could not be written: a full disk, a folder that is not writable."""
