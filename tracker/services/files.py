"""Writing output files (--out) safely: all or nothing, never over a database or a special file.

The rules are described for users in docs/cli.md ("Output files").
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tracker.config import sqlite_path
from tracker.errors import InputError, OutputError

SQLITE_HEADER = b"SQLite format 3\x00"
#: The files SQLite keeps beside a database while it is in use.
COMPANIONS = ("-wal", "-shm", "-journal")


def _resolved(path: Path) -> str:
    """`path` with its folder's links resolved (the file's own name kept as it is)."""
    folder = path.parent if str(path.parent) else Path(".")
    return os.path.join(os.path.realpath(folder), path.name)


def _is_sqlite(path: Path) -> bool:
    """The regular file at `path` starts with SQLite's header (False if it cannot be read)."""
    try:
        with path.open("rb") as handle:
            return handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def _database_files(database_url: str | None) -> dict[str, str]:
    """Every name the database in use and its -wal, -shm and -journal files go by, resolved,
    with what each one is."""
    path = sqlite_path(database_url) if database_url else None
    if path is None:
        return {}
    names = {}
    for base in (_resolved(path), os.path.realpath(path)):
        names[base] = "the database in use"
        for suffix in COMPANIONS:
            names[base + suffix] = f"the {suffix[1:]} file of the database in use"
    return names


def _kind(mode: int) -> str:
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _refuse_target(path: Path, *, database_url: str | None) -> os.stat_result | None:
    """Raise InputError if `path` must not be written; return its status if it is a regular
    file that will be replaced, None if it does not exist."""
    resolved = _resolved(path)
    database = _database_files(database_url)
    if resolved in database:
        raise InputError(f"Refusing to write {path}: it is {database[resolved]}.")
    for suffix in COMPANIONS:
        if path.name.endswith(suffix):
            owner = path.with_name(path.name[: -len(suffix)])
            if owner.is_file() and _is_sqlite(owner):
                raise InputError(
                    f"Refusing to write {path}: it is the {suffix[1:]} file of the SQLite "
                    f"database {owner}. Choose another file."
                )
    try:
        status = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InputError(f"Cannot write {path}: {exc.strerror}.") from None
    if stat.S_ISLNK(status.st_mode):
        raise InputError(
            f"Refusing to write {path}: it is a symbolic link (to {os.readlink(path)}), and "
            "--out never writes through one. Give the file it points to, or another name."
        )
    if stat.S_ISDIR(status.st_mode):
        raise InputError(f"{path} is a folder; give a file name.")
    if not stat.S_ISREG(status.st_mode):
        raise InputError(
            f"Refusing to write {path}: it is {_kind(status.st_mode)}, and --out only writes "
            "files. Leave out --out to write to stdout instead."
        )
    if any(os.path.exists(name) and os.path.samefile(name, path) for name in database):
        raise InputError(f"Refusing to write {path}: it is the database in use (a link to it).")
    if _is_sqlite(path):
        raise InputError(
            f"Refusing to write {path}: it is a SQLite database, and --out never replaces one. "
            "Choose another file."
        )
    return status


def check_writable(path: Path, *, database_url: str | None) -> Path:
    """The folder `path` will be written in. Checked before long work, so a typo in --out fails
    at once, and again just before writing.

    Raises InputError if the folder is missing, or `path` is a folder, the database in use
    (`database_url`) or its -wal, -shm or -journal file, any SQLite database or such a file of
    one, a symbolic link, a device, a named pipe or a socket.
    """
    try:
        if path.is_dir() and not path.is_symlink():
            raise InputError(f"{path} is a folder; give a file name.")
        folder = path.parent if str(path.parent) else Path(".")
        if not folder.is_dir():
            raise InputError(f"Cannot write {path}: the folder {folder} does not exist.")
        _refuse_target(path, database_url=database_url)
    except OSError as exc:  # e.g. a name too long for the file system
        raise InputError(f"Cannot write {path}: {exc.strerror}.") from None
    return folder


def write_atomically(path: Path, content: str | bytes, *, database_url: str | None) -> None:
    """Write `content` to `path` through a temporary file and a rename, so no half file is left.

    Raises InputError for a target that must not be written (see check_writable), OutputError
    when the file cannot be written (a full disk, a folder that is not writable).
    """
    write_files_atomically({path: content}, database_url=database_url)


@dataclass(frozen=True)
class _Pending:
    path: Path
    temporary: Path


def write_files_atomically(files: Mapping[Path, str | bytes], *, database_url: str | None) -> None:
    """Write several files (a document and its charts) all or nothing: every path is checked
    and every file written in full to a temporary beside it before the first one is renamed
    into place.

    A file that is replaced keeps its permission bits (and, where allowed, its owner and
    group); a new file gets 0666 less the umask. Raises InputError for a target that must not be
    written (see check_writable), OutputError when a file cannot be written (a full disk: then
    nothing is left behind).
    """
    folders = {path: check_writable(path, database_url=database_url) for path in files}
    umask = os.umask(0)
    os.umask(umask)
    pending: list[_Pending] = []
    try:
        for path, content in files.items():
            try:
                existing = _refuse_target(path, database_url=database_url)
                # A short name of its own: any name the file system takes for `path` works.
                handle, name = tempfile.mkstemp(
                    dir=folders[path], prefix=".tracker-", suffix=".tmp"
                )
            except OSError as exc:
                raise _cannot_write(path, exc) from None
            pending.append(_Pending(path, Path(name)))
            try:
                data = content if isinstance(content, bytes) else content.encode("utf-8")
                with os.fdopen(handle, "wb") as raw:
                    raw.write(data)
                    raw.flush()
                    # A full disk may only show at fsync or close (delayed allocation, NFS).
                    os.fsync(raw.fileno())
                _take_over(Path(name), existing, umask=umask)
            except OSError as exc:
                raise _cannot_write(path, exc) from None
        for item in pending:  # the targets may have changed while the content was written
            try:
                _refuse_target(item.path, database_url=database_url)
            except OSError as exc:
                raise _cannot_write(item.path, exc) from None
        for item in pending:
            try:
                os.replace(item.temporary, item.path)
            except OSError as exc:
                raise _cannot_write(item.path, exc) from None
    finally:
        for item in pending:
            item.temporary.unlink(missing_ok=True)


def _take_over(temporary: Path, existing: os.stat_result | None, *, umask: int) -> None:
    """Give the new file the permission bits (and owner and group, where allowed) of the file
    it replaces; a new file gets what any new file gets here (mkstemp makes it private)."""
    if existing is None:
        os.chmod(temporary, 0o666 & ~umask)
        return
    # Only the permission bits: set-user-ID and the like are not carried over to new content.
    os.chmod(temporary, stat.S_IMODE(existing.st_mode) & 0o777)
    for owner, group in ((existing.st_uid, existing.st_gid), (-1, existing.st_gid)):
        try:
            os.chown(temporary, owner, group)
            return
        except PermissionError:
            continue


def _cannot_write(path: Path, exc: OSError) -> OutputError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return OutputError(
            f"Cannot write {path}: the disk is full ({exc.strerror}); nothing was written. "
            "Free some space or choose another place."
        )
    if exc.errno == errno.EFBIG:
        return OutputError(
            f"Cannot write {path}: the file would be too large here ({exc.strerror}); nothing "
            "was written. Choose another place."
        )
    return OutputError(f"Cannot write {path}: {exc.strerror}; nothing was written.")
