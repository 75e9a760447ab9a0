"""Which yardstick of estimative words is in force: for the ledger, and for each source.

The ledger's choice reads the words analysts type (`tracker forecast 12 "highly likely"`) and
writes words beside numbers; a source's choice reads that report's hedges (scan). With no
choice, ICD 203 is in force. A choice is an event of the chain (`yardstick_choice`): a later one
takes over, the earlier stays in the record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tracker.domain import fields
from tracker.domain.model import Source, parse_source_ref
from tracker.domain.yardsticks import Yardstick, get_yardstick
from tracker.reports.words import origin_text
from tracker.storage import ledger as store
from tracker.storage.database import Session


@dataclass(frozen=True)
class YardstickInForce:
    """The yardstick in force for the ledger or one source, and where it comes from:
    `chosen` (for this source, or for the ledger), `ledger` (a source with no choice of its
    own follows the ledger's) or `default` (nobody chose: ICD 203)."""

    yardstick: Yardstick
    origin: str
    source: Source | None = None
    changed: bool = False  # set by a choice that wrote an event (False: it was already so)

    @property
    def text(self) -> str:
        """`PHIA (chosen for this source)`, `ICD 203 (the default)`, ..."""
        return origin_text(self.yardstick, self.origin, source=self.source is not None)


def ledger_yardstick(session: Session) -> Yardstick:
    """The ledger's yardstick: the one chosen last for it, else ICD 203."""
    return get_yardstick(store.chosen_yardstick(session))


def yardstick_for_source(session: Session, source: Source) -> Yardstick:
    """The yardstick a report is read by: the source's choice, else the ledger's, else ICD 203."""
    return _for_source(session, source).yardstick


def _for_ledger(session: Session) -> YardstickInForce:
    chosen = store.chosen_yardstick(session)
    return YardstickInForce(get_yardstick(chosen), "default" if chosen is None else "chosen")


def _for_source(session: Session, source: Source) -> YardstickInForce:
    if source.yardstick is not None:
        return YardstickInForce(get_yardstick(source.yardstick), "chosen", source)
    ledger = _for_ledger(session)
    origin = "default" if ledger.origin == "default" else "ledger"
    return YardstickInForce(ledger.yardstick, origin, source)


def show_yardstick(*, session: Session, source: str | None = None) -> YardstickInForce:
    """The yardstick in force for the ledger, or for `source` (its number or slug). Raises
    NotFoundError for an unknown source."""
    if source is None:
        return _for_ledger(session)
    return _for_source(session, store.get_source(session, parse_source_ref(source)))


def choose_yardstick(
    *,
    session: Session,
    yardstick: str,
    chosen_by: str,
    now: datetime,
    source: str | None = None,
) -> YardstickInForce:
    """Choose the yardstick of the ledger, or of `source` (its number or slug), as an event of
    the chain; nothing is written when it is already the one chosen. Raises InputError for an
    unknown yardstick or name, NotFoundError for an unknown source (and, on a team's
    PostgreSQL database, NotAllowedError unless the ledger's is chosen by the owner and a
    source's by the owner or the analyst who added it)."""
    chosen = get_yardstick(yardstick)
    chosen_by = fields.check_name(chosen_by)
    found = None if source is None else store.get_source(session, parse_source_ref(source))
    current = store.chosen_yardstick(session, None if found is None else found.id)
    if current == chosen.key:
        return YardstickInForce(chosen, "chosen", found)
    store.choose_yardstick(
        session,
        source_id=None if found is None else found.id,
        yardstick=chosen.key,
        now=now,
        by=chosen_by,
    )
    if found is not None:
        found = store.get_source(session, found.id)
    return YardstickInForce(chosen, "chosen", found, changed=True)


def checked_yardstick_key(name: str | None) -> str | None:
    """The key of the yardstick named `name` (None stays None). Raises InputError."""
    return None if name is None else get_yardstick(name).key
