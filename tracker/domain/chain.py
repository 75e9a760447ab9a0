"""The tamper-evident chain: every recorded event hashes its content and the previous hash.

An event is one row of the record: a source, a forecaster, a question (with its tags), a
clarification of a question, a forecast or a resolution. Each carries its place in the chain
(`seq`, 1, 2, 3, ... with no gaps) and
`hash = sha256(version, seq, previous hash, table, canonical content)`. Editing, removing or
splicing in a row behind tracker's back breaks the chain at that row, and `verify` says which.
Someone who recomputes every later hash can only be caught against a head published earlier
(reviews print it): that is what pinning the record means.

Pure functions: the database code reads and writes the rows; this module only does the maths.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from itertools import groupby

VERSION = "tracker-chain-v1"
GENESIS = "0" * 64

#: The content of each kind of event, in the order it is hashed. A row's own id is part of it;
#: the chain columns are not. Which forecaster speaks for a source is an event of its own
#: (`source_forecaster`), since it may be named after the source was added.
CONTENT: Mapping[str, tuple[str, ...]] = {
    "source": (
        "id",
        "slug",
        "title",
        "author",
        "organisation",
        "published_on",
        "url",
        "file",
        "text",
        "content_hash",
        "added_at",
        "added_by",
    ),
    "forecaster": ("id", "name", "created_at"),
    "source_forecaster": ("id", "source_id", "forecaster_id", "named_at", "named_by"),
    # Which yardstick of estimative words a source (or, with no source, the whole ledger)
    # reads and writes by: the latest choice is in force (tracker/domain/yardsticks.py).
    "yardstick_choice": ("id", "source_id", "yardstick", "chosen_at", "chosen_by"),
    "question": (
        "id",
        "slug",
        "title",
        "criteria",
        "kind",
        "options",
        "deadline",
        "opened_on",
        "source_id",
        "quote",
        "notes",
        "created_at",
        "created_by",
        "quote_start",
        "quote_end",
        "deadline_phrase",
        "hedge_phrase",
        "blind",
    ),
    "forecast": (
        "id",
        "question_id",
        "forecaster_id",
        "made_at",
        "recorded_at",
        "probabilities",
        "rationale",
        "input_text",
        "question_version",
    ),
    # A clarification of a question (`tracker clarify`): its title, criteria and deadline from
    # then on. Version 1 is the question as added; these rows are versions 2, 3, ...
    "question_version": (
        "id",
        "question_id",
        "version",
        "title",
        "criteria",
        "deadline",
        "reason",
        "author",
        "recorded_at",
    ),
    "resolution": (
        "id",
        "question_id",
        "status",
        "outcome",
        "occurred_on",
        "evidence",
        "resolved_by",
        "recorded_at",
        "amends_id",
    ),
    # A forecast marked as a mistake by its forecaster: left out of every score from then on.
    "retraction": ("id", "forecast_id", "reason", "recorded_by", "recorded_at"),
}
KINDS = tuple(CONTENT)
#: Columns added after the chain was built, hashed only where they are set: a row that does
#: not set one (every row recorded before the column existed) keeps the canonical text, and so
#: the hash, it always had. A flag is set when true (`blind`: revision 0011).
HASHED_WHEN_SET: Mapping[str, frozenset[str]] = {"question": frozenset({"blind"})}
#: Columns of the record that are not hashed as they stand, each with why that is harmless.
#: A test lists every column of every table and fails on one that is neither in CONTENT nor
#: here, so a new column that changes a score or an attribution cannot slip past the chain.
UNHASHED: Mapping[str, Mapping[str, str]] = {
    **{
        kind: {
            "chain_seq": "the event's place: checked by the chain itself",
            "chain_hash": "the event's hash: checked by the chain itself",
        }
        for kind in KINDS
    },
    "question_tag": {
        "question_id": "hashed as the question's `tags`",
        "tag": "hashed as the question's `tags`",
    },
    "chain_checkpoint": {
        "id": "a cache of verification, recomputed when it does not hold",
        "verified_by": "a cache of verification, recomputed when it does not hold",
        "tags": "a cache of verification, recomputed when it does not hold",
        "seq": "a cache of verification, recomputed when it does not hold",
        "hash": "a cache of verification, recomputed when it does not hold",
        "guards": "a cache of verification, recomputed when it does not hold",
        "verified_at": "a cache of verification, recomputed when it does not hold",
    },
    "ledger_setting": {
        "name": "marks the bundled example, which only refuses writes",
        "value": "marks the bundled example, which only refuses writes",
    },
    "alembic_version": {"version_num": "the schema revision, checked on every open"},
}
_MOMENTS = frozenset({"added_at", "created_at", "made_at", "recorded_at", "named_at", "chosen_at"})
_DAYS = frozenset({"published_on", "deadline", "opened_on", "occurred_on"})
#: Columns added after rows were already chained: left out of the content while they are null,
#: so those rows hash exactly as before (a forecast's version is null for version 1).
_OMITTED_WHEN_NULL: Mapping[str, frozenset[str]] = {"forecast": frozenset({"question_version"})}


def _moment(value: object) -> str:
    if isinstance(value, str):  # SQLite hands times back as text, in UTC
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime), value
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    elif value.utcoffset():
        value = value.astimezone(UTC)
    return value.isoformat(timespec="microseconds")[:-6] + "Z"  # drop "+00:00"


def _day(value: object) -> str:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    assert isinstance(value, str), value
    return date.fromisoformat(value).isoformat()


#: Each kind's keys in sorted order, so the JSON is canonical without sorting every time.
_KEYS = {
    kind: tuple(sorted(columns + (("tags",) if kind == "question" else ())))
    for kind, columns in CONTENT.items()
}
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def canonical(kind: str, row: Mapping[str, object], tags: Iterable[str] = ()) -> str:
    """The content of one event as canonical JSON, the same whichever database it came from.

    Keys sorted, no spaces; times are UTC with microseconds, days ISO-8601; a missing column
    counts as null, except a column of `HASHED_WHEN_SET` (a flag, left out unless it is set)
    or of `_OMITTED_WHEN_NULL` (left out when null), so old rows hash as before. A question's
    tags are part of it, sorted.
    """
    content: dict[str, object] = {}
    flags = HASHED_WHEN_SET.get(kind, frozenset())
    optional = _OMITTED_WHEN_NULL.get(kind, frozenset())
    for name in _KEYS[kind]:
        if name == "tags":
            content[name] = sorted(set(tags))
            continue
        value = row.get(name)
        if name in flags:
            if value:  # SQLite hands a flag back as 1
                content[name] = True
            continue
        if value is None and name in optional:
            continue
        if value is not None:
            if name in _MOMENTS:
                value = _moment(value)
            elif name in _DAYS:
                value = _day(value)
        content[name] = value
    return _ENCODE(content)


def link(previous: str, seq: int, kind: str, content: str) -> str:
    """The hash of event `seq`: over the previous event's hash and this event's content."""
    data = f"{VERSION}\n{seq}\n{previous}\n{kind}\n{content}".encode()
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Head:
    """The last event of the chain: publishing it pins everything recorded up to it."""

    seq: int
    hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"


GENESIS_HEAD = Head(0, GENESIS)
_HEAD = re.compile(r"^(\d+):([0-9a-f]{32,64})$")


def parse_head(text: str) -> Head:
    """Read a published head, `SEQ:HASH` (the hash may be shortened to 32 hex digits or more:
    fewer would make a forged record that matches it feasible to compute).

    Raises ValueError with a message for the user.
    """
    match = _HEAD.match(text.strip().lower())
    if not match:
        raise ValueError(
            f"{text!r} is not a chain head: give SEQ:HASH as a review prints it, e.g. "
            "1204:3fa9c1e2b7d4... (at least 32 of its 64 hex digits)."
        )
    return Head(int(match.group(1)), match.group(2))


@dataclass(frozen=True)
class Event:
    """One chained row as stored: where it claims to sit, its hash, and its content.

    `content` is None for a sealed event: a row the reader may not see (on PostgreSQL, a
    forecast on a blind question hidden from an analyst by row-level security), known only by
    its place and stored hash. The chain runs on through it, but its content is not checked.
    """

    kind: str
    row_id: int
    seq: int | None
    hash: str | None
    content: str | None


@dataclass(frozen=True)
class Finding:
    """Something wrong with the chain. `what`: changed, removed, inserted or head."""

    what: str
    message: str
    seq: int | None = None
    kind: str | None = None
    row_id: int | None = None


@dataclass
class Verification:
    """What `tracker db verify` found."""

    events: int = 0
    head: Head = GENESIS_HEAD
    findings: list[Finding] = field(default_factory=list)
    pinned: Head | None = None
    pinned_ok: bool | None = None
    # Sealed events (see `Event`): their place and hash were taken as stored, unchecked.
    sealed: int = 0

    @property
    def intact(self) -> bool:
        return not self.findings and self.pinned_ok is not False


def describe(kind: str, row_id: int) -> str:
    return f"{kind} #{row_id}"


def verify(
    events: Iterable[Event],
    *,
    unchained: Sequence[Event] = (),
    pinned: Head | None = None,
    start: Head = GENESIS_HEAD,
    verified: Head | None = None,
) -> Verification:
    """Recompute the chain from `events` (in seq order) and say what does not hold.

    `unchained`: rows with no place in the chain (written behind tracker's back). `pinned`: a
    head published earlier (e.g. in a review), which the record must still hold. When two rows
    claim one place, the one whose hash follows from the chain is taken as the genuine one.
    `start`: a place verified earlier; `events` are then those after it, linked on from its
    hash (an incremental check). `verified`: the place tracker last verified (its checkpoint):
    a chain that holds on its own but no longer holds that place lost its end, or was
    rewritten and rehashed, behind tracker's back (a finding of its own, `head`).
    """
    result = Verification(pinned=pinned, head=start)
    previous = start.hash
    expected = start.seq + 1
    last_seq = start.seq
    linked = True  # whether `previous` is the hash of the event in place expected - 1
    hash_at_pin: str | None = None
    hash_at_verified: str | None = start.hash if verified == start else None
    broken_before_pin = False

    def note(finding: Finding) -> None:
        nonlocal broken_before_pin
        result.findings.append(finding)
        place = finding.seq if finding.seq is not None else expected
        if pinned is not None and place <= pinned.seq:
            broken_before_pin = True

    for seq, group in groupby(events, key=lambda e: e.seq):
        claimants = list(group)
        assert seq is not None
        result.events += len(claimants)
        if seq > expected:
            note(_removed(expected, seq - 1))
            linked = False
        result.sealed += sum(1 for e in claimants if e.content is None)
        follows = [
            e
            for e in claimants
            if linked
            and e.hash is not None
            and (e.content is None or link(previous, seq, e.kind, e.content) == e.hash)
        ]
        genuine = follows[0] if follows else claimants[0]
        for other in claimants:
            if other is not genuine:
                note(
                    Finding(
                        "inserted",
                        f"{describe(other.kind, other.row_id)} claims place {seq} in the chain, "
                        f"which {describe(genuine.kind, genuine.row_id)} holds: it was inserted "
                        "behind tracker's back.",
                        seq,
                        other.kind,
                        other.row_id,
                    )
                )
        if linked and not follows:
            note(
                Finding(
                    "changed",
                    f"event {seq}, {describe(genuine.kind, genuine.row_id)}, was changed after "
                    "it was recorded (its content no longer matches its hash).",
                    seq,
                    genuine.kind,
                    genuine.row_id,
                )
            )
        elif genuine.hash is None:  # after a gap, a row whose hash was taken away
            note(
                Finding(
                    "changed",
                    f"event {seq}, {describe(genuine.kind, genuine.row_id)}, has lost its hash.",
                    seq,
                    genuine.kind,
                    genuine.row_id,
                )
            )
        # Go on from the stored hash, so one edit is reported once, not at every later event.
        linked = genuine.hash is not None
        previous = genuine.hash or GENESIS
        expected = seq + 1
        last_seq = seq
        if pinned is not None and seq == pinned.seq:
            hash_at_pin = genuine.hash
        if verified is not None and seq == verified.seq:
            hash_at_verified = genuine.hash
    result.head = Head(last_seq, previous)
    if verified is not None and not result.findings and hash_at_verified != verified.hash:
        result.findings.append(
            Finding(
                "head",
                f"the record no longer holds event {verified.seq} as it was when tracker last "
                "verified it: events were removed or rewritten behind tracker's back.",
                verified.seq,
            )
        )
    for event in unchained:
        result.findings.append(
            Finding(
                "inserted",
                f"{describe(event.kind, event.row_id)} is not in the chain: it was inserted "
                "behind tracker's back.",
                None,
                event.kind,
                event.row_id,
            )
        )
    if pinned is not None:
        result.pinned_ok = (
            hash_at_pin is not None
            and hash_at_pin.startswith(pinned.hash)
            and not broken_before_pin
        )
    return result


def _removed(first: int, last: int) -> Finding:
    places = f"event {first} is" if first == last else f"events {first}-{last} are"
    return Finding("removed", f"{places} missing: removed behind tracker's back.", first)


def merge(streams: Sequence[Iterator[Event]]) -> Iterator[Event]:
    """Merge per-table streams that are each in seq order into one stream in seq order."""
    import heapq

    return heapq.merge(*streams, key=lambda event: event.seq or 0)
