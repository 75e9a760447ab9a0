"""E-mail addresses of forecasters, for reminders: `NAME=ADDRESS` entries, checked."""

from __future__ import annotations

import re
from collections.abc import Iterable
from email.utils import formataddr, parseaddr

from tracker.errors import InputError

# One addr-spec: no spaces, no control characters, one @ with something on both sides.
_ADDR_SPEC = re.compile(r"^[^\s@<>()\[\],;:\"\\]+@[^\s@<>()\[\],;:\"\\]+$")


def check_address(text: str, *, what: str) -> str:
    """Return an e-mail address as it goes into a header: `ani@example.org`, or
    `Ani Petrosyan <ani@example.org>`. Raises InputError naming `what` for anything else
    (a line break, which could start a header of its own, included)."""
    stripped = text.strip()
    if any(ord(char) < 32 or ord(char) == 127 for char in stripped):
        raise InputError(f"{what}: an e-mail address holds no control character or line break.")
    name, address = parseaddr(stripped)
    whole = stripped == address or stripped.endswith(f"<{address}>")
    if not address or not whole or not _ADDR_SPEC.match(address):
        raise InputError(f"{what}: {stripped!r} is not an e-mail address (write ani@example.org).")
    return formataddr((name, address)) if name else address


def parse_address_entries(entries: Iterable[str], *, origin: str) -> dict[str, str]:
    """Read `NAME=ADDRESS` entries (blank ones and those starting with `#` are skipped), each
    checked by `check_address`; a name given twice takes its last address. `origin` names where
    they come from in messages (`--to`, or a file and its line numbers). Raises InputError."""
    book: dict[str, str] = {}
    for number, entry in enumerate(entries, start=1):
        line = entry.strip()
        if not line or line.startswith("#"):
            continue
        where = origin.format(line=number)
        name, equals, address = line.partition("=")
        if not equals or not name.strip():
            raise InputError(f"{where}: write NAME=ADDRESS, e.g. ani=ani@example.org.")
        book[name.strip()] = check_address(address, what=where)
    return book
