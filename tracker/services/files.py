"""Writing output files safely: all or nothing."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from tracker.errors import InputError


def check_writable(path: Path) -> Path:
    """The folder `path` will be written in; raises InputError if it cannot be (checked before
    long work, so a typo in --out fails at once)."""
    if path.is_dir():
        raise InputError(f"{path} is a folder; give a file name.")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"Cannot write {path}: the folder {folder} does not exist.")
    return folder


def write_atomically(path: Path, content: str | bytes) -> None:
    """Write `content` to `path` through a temporary file and a rename, so no half file is left.

    Raises InputError when the folder is missing or not writable, or `path` is a folder.
    """
    write_files_atomically({path: content})


def write_files_atomically(files: Mapping[Path, str | bytes]) -> None:
    """Write several files (a document and its charts) all or nothing: every path is checked
    and every file written to a temporary beside it before the first one is renamed into place.

    Raises InputError when a folder is missing or not writable, or a path is a folder.
    """
    folders = {path: check_writable(path) for path in files}
    # mkstemp makes private (0600) files; a report is written to be shared, so give it the
    # permissions any new file gets here (0666 less the umask).
    umask = os.umask(0)
    os.umask(umask)
    temporaries: dict[Path, str] = {}
    try:
        for path, content in files.items():
            try:
                handle, temporary = tempfile.mkstemp(
                    dir=folders[path], prefix=f".{path.name}.", suffix=".tmp"
                )
            except OSError as exc:
                raise InputError(f"Cannot write {path}: {exc.strerror}.") from None
            temporaries[path] = temporary
            os.chmod(temporary, 0o666 & ~umask)
            if isinstance(content, bytes):
                with os.fdopen(handle, "wb") as raw:
                    raw.write(content)
            else:
                with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
                    stream.write(content)
        for path, temporary in temporaries.items():
            os.replace(temporary, path)
    except BaseException:
        for temporary in temporaries.values():
            Path(temporary).unlink(missing_ok=True)
        raise
