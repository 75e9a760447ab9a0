"""Is the record as tracker wrote it? The check every document and figure runs first.

`tracker db verify` recomputes the whole chain. A document cannot afford that on a large
record at every run, so it checks cheaply what an edit behind tracker's back would disturb, and
recomputes only what was recorded since the last verified place (a checkpoint kept in the
database; docs/data-format.md, "Documents check the record"):

- every row of the record has a place, and the places run 1..head without a gap (a removed or
  spliced-in row anywhere);
- the guards that keep the record append-only (triggers, their functions) are as they were when
  the checkpoint was verified: an in-place edit needs one of them out of the way first;
- the row at the checkpoint still holds the hash it had (a rewritten and rehashed past);
- every event after the checkpoint links on from it (recomputed now).

When any of the first three does not hold, the whole chain is recomputed, so that what was
changed can be named. The head a document prints is the one recomputed here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tracker.domain.chain import GENESIS, GENESIS_HEAD, Finding, Head, link
from tracker.domain.chain import verify as verify_events
from tracker.errors import DatabaseError
from tracker.storage.chain import (
    Checkpoint,
    census,
    chained_events,
    event_at,
    guards,
    latest_checkpoint,
    question_tags_after,
    save_checkpoint,
    stored_hash,
    tags_up_to,
    unchained_events,
)
from tracker.storage.database import Session
from tracker.storage.settings import is_example


@dataclass(frozen=True)
class RecordCheck:
    """What the check found: the recomputed head, and any findings (empty when intact)."""

    head: Head
    findings: list[Finding] = field(default_factory=list)
    recomputed: int = 0  # events recomputed by this check
    whole: bool = False  # the whole chain was recomputed

    @property
    def intact(self) -> bool:
        return not self.findings


class TamperedRecordError(DatabaseError):
    """The record was changed behind tracker's back: no document is built from it."""


def check_record(session: Session) -> RecordCheck:
    """Check the record cheaply (see the module's docstring); never raises for a finding.

    An intact result moves the checkpoint on to its head where this connection may write (not
    on an example ledger, a read-only file or a reviewer's PostgreSQL login).
    """
    counted = census(session)
    verified = latest_checkpoint(session)
    fingerprint = guards(session)
    whole = (
        verified is None
        or verified.guards != fingerprint
        or verified.head.seq > counted.last
        or counted.rows != counted.placed
        or counted.placed != counted.last
        or tags_up_to(session, verified.head.seq) != verified.tags
        or not _still_holds(session, verified.head)
    )
    start = GENESIS_HEAD if whole or verified is None else verified.head
    tags = question_tags_after(session, start.seq)
    result = verify_events(
        chained_events(session, tags, after=start.seq),
        unchained=unchained_events(session, tags) if whole else (),
        start=start,
        # Recomputing everything, the record must still hold the place verified before: a
        # shorter chain, or one rewritten and rehashed, holds on its own.
        verified=None if verified is None else verified.head,
    )
    check = RecordCheck(
        head=result.head,
        findings=result.findings,
        recomputed=result.events,
        whole=whole,
    )
    moved = verified is None or check.head != verified.head
    if check.intact and moved and not is_example(session):
        # Only a saving, on a connection of its own that does not wait: this command may be a
        # reader (a read-only file, a reviewer's login), and then the next check recomputes a
        # little more.
        counted_tags = tags_up_to(session, check.head.seq)
        save_checkpoint(session, Checkpoint(check.head, fingerprint, counted_tags))
    return check


def _still_holds(session: Session, place: Head) -> bool:
    """The event at a verified place is as it was: its content (a question's tags included)
    still links on from the hash stored before it to the hash verified there."""
    event = event_at(session, place.seq)
    if event is None or event.hash != place.hash or event.content is None:
        return False
    previous = GENESIS if place.seq == 1 else stored_hash(session, place.seq - 1)
    return previous is not None and link(previous, place.seq, event.kind, event.content) == (
        place.hash
    )


def require_intact(session: Session, *, allow_broken: bool = False) -> RecordCheck:
    """`check_record`, raising TamperedRecordError with one line (the first finding and how many
    there are) unless `allow_broken`."""
    check = check_record(session)
    if check.intact or allow_broken:
        return check
    first = check.findings[0]
    more = len(check.findings) - 1
    raise TamperedRecordError(
        "The record was changed behind tracker's back"
        + (
            f" ({first.message.rstrip('.')}"
            + (f"; and {more} more finding{'s' if more != 1 else ''})" if more else ")")
        )
        + ". Nothing was built from it: see every finding with tracker db verify, and "
        "docs/data-format.md for what to do (--allow-broken-chain builds it anyway, marked)."
    )
