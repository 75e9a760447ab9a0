"""Queries and inserts for the ledger; returns domain values, never ORM objects."""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tracker.domain.blind import Viewer
from tracker.domain.model import (
    BACKFILL_THRESHOLD,
    Forecast,
    OutcomeStatus,
    Provenance,
    Question,
    QuestionKind,
    Resolution,
    Retraction,
    Source,
    forecast_order,
)
from tracker.domain.versions import QuestionVersion
from tracker.errors import ConflictError, NotFoundError
from tracker.storage.chain import (
    chain_rows,
    chained_insert,
    is_sqlite,
    keep_ids,
    reserve_ids,
    take_turn,
)
from tracker.storage.tables import FORECAST as F
from tracker.storage.tables import FORECASTER as P
from tracker.storage.tables import QUESTION as Q
from tracker.storage.tables import QUESTION_TAG as T
from tracker.storage.tables import QUESTION_VERSION as V
from tracker.storage.tables import RESOLUTION as R
from tracker.storage.tables import RETRACTION as RT
from tracker.storage.tables import SOURCE as S
from tracker.storage.tables import SOURCE_FORECASTER as N
from tracker.storage.tables import YARDSTICK_CHOICE as Y
from tracker.storage.tables import UTCDateTime


def _insert(
    session: Session, table: sa.Table, values: dict[str, object], *, tags: Iterable[str] = ()
) -> int:
    """Insert one row, as the next event of the chain, and return its id."""
    return chained_insert(session, table, values, tags=tags)


def _id_is_free(session: Session, table: sa.Table, number: int | None) -> bool:
    if number is None:
        return False
    return session.execute(sa.select(table.c.id).where(table.c.id == number)).first() is None


def dump_probabilities(probabilities: dict[str, float]) -> str:
    """Canonical JSON for a probability object (keys in option order, floats as repr)."""
    return json.dumps(probabilities, ensure_ascii=False, separators=(",", ":"))


# --- forecasters -------------------------------------------------------------------------------


def forecaster_id(session: Session, name: str, *, now: datetime) -> int:
    """Return the id of forecaster `name`, creating the forecaster on first use."""
    take_turn(session)
    found = session.execute(sa.select(P.c.id).where(P.c.name == name)).scalar()
    if found is not None:
        return int(found)
    return _insert(session, P, {"name": name, "created_at": now})


def forecaster_ids(session: Session) -> dict[str, int]:
    """Every forecaster's id, by name."""
    return {str(name): int(i) for i, name in session.execute(sa.select(P.c.id, P.c.name))}


def forecaster_names(session: Session) -> list[str]:
    """Every forecaster's name, in code-point order (the same on every database collation)."""
    return sorted(str(n) for n in session.execute(sa.select(P.c.name)).scalars())


def source_forecasters(session: Session, *, added_by: datetime | None = None) -> frozenset[str]:
    """Names of the forecasters that speak for a report (left out of team aggregates), as
    named by `added_by` (None: all)."""
    query = sa.select(P.c.name).join(N, N.c.forecaster_id == P.c.id).distinct()
    if added_by is not None:
        query = query.where(N.c.named_at <= added_by)
    return frozenset(str(n) for n in session.execute(query).scalars())


# --- sources -----------------------------------------------------------------------------------


def _source(row: sa.Row[tuple[object, ...]], *, with_text: bool) -> Source:
    m = row._mapping
    return Source(
        id=m["id"],
        key=m["slug"] or str(m["id"]),
        title=m["title"],
        author=m["author"],
        organisation=m["organisation"],
        published_on=m["published_on"],
        url=m["url"],
        file=m["file"],
        content_hash=m["content_hash"],
        added_at=m["added_at"],
        added_by=m["added_by"],
        text=m["text"] if with_text else None,
        forecaster=m["forecaster_name"],
        yardstick=m["yardstick"],
    )


def _chosen_yardstick(source_id: Any) -> sa.ScalarSelect[Any]:
    """The yardstick chosen last for `source_id` (a column, or None for the ledger's)."""
    match = Y.c.source_id.is_(None) if source_id is None else Y.c.source_id == source_id
    return (
        sa.select(Y.c.yardstick)
        .where(match)
        .order_by(Y.c.chain_seq.desc(), Y.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _source_select() -> sa.Select[tuple[object, ...]]:
    """Sources with the name of the forecaster that speaks for each (if any) and the
    yardstick chosen for each (if any)."""
    return sa.select(
        S,
        P.c.name.label("forecaster_name"),
        _chosen_yardstick(S.c.id).label("yardstick"),
    ).select_from(S.outerjoin(N, N.c.source_id == S.c.id).outerjoin(P, N.c.forecaster_id == P.c.id))


def insert_source(
    session: Session,
    *,
    slug: str | None,
    title: str,
    author: str | None,
    organisation: str | None,
    published_on: date | None,
    url: str | None,
    file: str | None,
    text: str | None,
    content_hash: str | None,
    added_at: datetime,
    added_by: str,
    number: int | None = None,
    forecaster: str | None = None,
    yardstick: str | None = None,
) -> Source:
    """Insert a source and return it. `number` keeps an imported id when it is free;
    `forecaster` names who records the report's own implied probabilities (created if new);
    `yardstick` (a key of tracker/domain/yardsticks.py) is chosen for it, as its own event."""
    values: dict[str, object] = {
        "slug": slug,
        "title": title,
        "author": author,
        "organisation": organisation,
        "published_on": published_on,
        "url": url,
        "file": file,
        "text": text,
        "content_hash": content_hash,
        "added_at": added_at,
        "added_by": added_by,
    }
    if _id_is_free(session, S, number):
        values["id"] = number
    source_id = _insert(session, S, values)
    if forecaster is not None:
        set_source_forecaster(session, source_id, forecaster, now=added_at, by=added_by)
    if yardstick is not None:
        choose_yardstick(
            session, source_id=source_id, yardstick=yardstick, now=added_at, by=added_by
        )
    return get_source(session, source_id, with_text=True)


def choose_yardstick(
    session: Session, *, source_id: int | None, yardstick: str, now: datetime, by: str
) -> None:
    """Record that a source (None: the whole ledger) reads and writes estimative words by
    `yardstick` (a key, checked by the caller), as an event of the chain: `now` is when it was
    chosen, `by` who chose it. It takes over from any earlier choice, which stays recorded."""
    _insert(
        session,
        Y,
        {"source_id": source_id, "yardstick": yardstick, "chosen_at": now, "chosen_by": by},
    )


def chosen_yardstick(session: Session, source_id: int | None = None) -> str | None:
    """The yardstick chosen last for a source (None: for the ledger), or None if none was."""
    found = session.execute(sa.select(_chosen_yardstick(source_id))).scalar()
    return None if found is None else str(found)


def set_source_forecaster(
    session: Session, source_id: int, name: str, *, now: datetime, by: str
) -> None:
    """Name the forecaster that speaks for a source (created if new), as an event of the chain:
    `now` is when it was named, `by` who named it. A source names one forecaster, once.

    Raises ConflictError if the source already has one.
    """
    named = session.execute(sa.select(N.c.forecaster_id).where(N.c.source_id == source_id))
    if named.first() is not None:
        raise ConflictError(f"Source #{source_id} already names the forecaster that speaks for it.")
    _insert(
        session,
        N,
        {
            "source_id": source_id,
            "forecaster_id": forecaster_id(session, name, now=now),
            "named_at": now,
            "named_by": by,
        },
    )


def find_source(session: Session, ref: int | str, *, with_text: bool = False) -> Source | None:
    """Return the source with this number or slug, or None."""
    column = S.c.id if isinstance(ref, int) else S.c.slug
    row = session.execute(_source_select().where(column == ref)).first()
    return _source(row, with_text=with_text) if row else None


def get_source(session: Session, ref: int | str, *, with_text: bool = False) -> Source:
    """Return the source with this number or slug; raises NotFoundError."""
    found = find_source(session, ref, with_text=with_text)
    if found is None:
        shown = f"#{ref}" if isinstance(ref, int) else repr(ref)
        raise NotFoundError(f"No source {shown}. List them with: tracker source list")
    return found


def source_by_hash(session: Session, content_hash: str) -> Source | None:
    """Return the source whose text has this hash, if any."""
    row = session.execute(_source_select().where(S.c.content_hash == content_hash)).first()
    return _source(row, with_text=False) if row else None


def find_source_by_metadata(
    session: Session, *, title: str, url: str | None, published_on: date | None
) -> Source | None:
    """A source without text with this title, URL and date (identity for imports)."""
    query = _source_select().where(
        S.c.title == title,
        S.c.content_hash.is_(None),
        S.c.url.is_(None) if url is None else S.c.url == url,
        S.c.published_on.is_(None) if published_on is None else S.c.published_on == published_on,
    )
    row = session.execute(query.order_by(S.c.id)).first()
    return _source(row, with_text=False) if row else None


def list_sources(session: Session, *, with_text: bool = False) -> list[Source]:
    """Every source, by number."""
    rows = session.execute(_source_select().order_by(S.c.id)).all()
    return [_source(r, with_text=with_text) for r in rows]


def question_counts_by_source(session: Session) -> dict[int, int]:
    """How many questions were taken from each source."""
    rows = session.execute(
        sa.select(Q.c.source_id, sa.func.count())
        .where(Q.c.source_id.is_not(None))
        .group_by(Q.c.source_id)
    ).all()
    return {int(r[0]): int(r[1]) for r in rows}


# --- questions ---------------------------------------------------------------------------------


# --- the current version of each question (tracker clarify; tracker/domain/versions.py) -----
#: Each clarified question's latest version number, and that version's row: every read of a
#: question's title, criteria and deadline goes through `_CURRENT_*` (version 1, the question
#: row as added, when it was never clarified).
_LATEST = (
    sa.select(V.c.question_id, sa.func.max(V.c.version).label("version"))
    .group_by(V.c.question_id)
    .subquery("latest_version")
)
_CURRENT = V.alias("current_version")
_CURRENT_TITLE = sa.func.coalesce(_CURRENT.c.title, Q.c.title)
_CURRENT_CRITERIA = sa.func.coalesce(_CURRENT.c.criteria, Q.c.criteria)
_CURRENT_DEADLINE = sa.func.coalesce(_CURRENT.c.deadline, Q.c.deadline, type_=sa.Date())
_ORIGINAL = frozenset({"title", "criteria", "deadline"})


def _with_current_version(selectable: Any) -> Any:
    """`selectable` (the question table, or a join starting from it) joined to each
    question's current version."""
    return selectable.outerjoin(_LATEST, _LATEST.c.question_id == Q.c.id).outerjoin(
        _CURRENT,
        sa.and_(_CURRENT.c.question_id == Q.c.id, _CURRENT.c.version == _LATEST.c.version),
    )


def _question_select() -> sa.Select[tuple[object, ...]]:
    """Questions as every command reads them: the current version's title, criteria and
    deadline, the version's number, and the source's slug and title."""
    return sa.select(
        *(c for c in Q.c if c.name not in _ORIGINAL),
        _CURRENT_TITLE.label("title"),
        _CURRENT_CRITERIA.label("criteria"),
        _CURRENT_DEADLINE.label("deadline"),
        sa.func.coalesce(_LATEST.c.version, 1).label("version"),
        S.c.slug.label("source_slug"),
        S.c.title.label("source_title"),
    ).select_from(_with_current_version(Q.outerjoin(S, S.c.id == Q.c.source_id)))


def _questions(session: Session, rows: Sequence[sa.Row[tuple[object, ...]]]) -> list[Question]:
    ids = [r._mapping["id"] for r in rows]
    tags: dict[int, list[str]] = {i: [] for i in ids}
    for start in range(0, len(ids), 900):  # stay under SQLite's limit on bound parameters
        chunk = ids[start : start + 900]
        for question_id, tag in session.execute(
            sa.select(T.c.question_id, T.c.tag).where(T.c.question_id.in_(chunk))
        ):
            tags[question_id].append(tag)
    for found in tags.values():
        found.sort()  # in Python: database collations differ
    result = []
    for row in rows:
        m = row._mapping
        source_key = None
        if m["source_id"] is not None:
            source_key = m["source_slug"] or str(m["source_id"])
        result.append(
            Question(
                id=m["id"],
                slug=m["slug"],
                title=m["title"],
                criteria=m["criteria"],
                kind=QuestionKind(m["kind"]),
                options=tuple(json.loads(m["options"])),
                deadline=m["deadline"],
                opened_on=m["opened_on"],
                created_at=m["created_at"],
                created_by=m["created_by"],
                source_key=source_key,
                source_title=m["source_title"],
                quote=m["quote"],
                notes=m["notes"],
                tags=tuple(tags[m["id"]]),
                quote_start=m["quote_start"],
                quote_end=m["quote_end"],
                deadline_phrase=m["deadline_phrase"],
                hedge_phrase=m["hedge_phrase"],
                blind=bool(m["blind"]),
                version=int(m["version"]),
            )
        )
    return result


def insert_question(
    session: Session,
    *,
    slug: str | None,
    title: str,
    criteria: str,
    kind: QuestionKind,
    options: Sequence[str],
    deadline: date,
    opened_on: date,
    source_id: int | None,
    quote: str | None,
    notes: str | None,
    tags: Iterable[str],
    created_at: datetime,
    created_by: str,
    number: int | None = None,
    provenance: Provenance | None = None,
    blind: bool = False,
) -> Question:
    """Insert a question with its tags and return it. `number` keeps an imported id if free;
    `provenance` holds a quote's offsets and the report's words for the deadline and hedge;
    `blind` makes others' forecasts hidden from a forecaster until they have forecast."""
    if slug is not None and session.execute(sa.select(Q.c.id).where(Q.c.slug == slug)).first():
        raise ConflictError(f"A question with slug {slug!r} exists already; choose another slug.")
    values: dict[str, object] = {
        "slug": slug,
        "title": title,
        "criteria": criteria,
        "kind": kind.value,
        "options": json.dumps(list(options), ensure_ascii=False),
        "deadline": deadline,
        "opened_on": opened_on,
        "source_id": source_id,
        "quote": quote,
        "notes": notes,
        "created_at": created_at,
        "created_by": created_by,
    }
    if provenance is not None:
        values.update(provenance.as_columns())
    values["blind"] = blind  # the chain hashes it only when it is set (domain/chain.py)
    if _id_is_free(session, Q, number):
        values["id"] = number
    unique_tags = sorted(set(tags))
    new_id = _insert(session, Q, values, tags=unique_tags)
    if unique_tags:
        session.execute(sa.insert(T), [{"question_id": new_id, "tag": t} for t in unique_tags])
    return get_question(session, new_id)


def find_question(session: Session, ref: int | str) -> Question | None:
    """Return the question with this number or slug, or None."""
    column = Q.c.id if isinstance(ref, int) else Q.c.slug
    rows = session.execute(_question_select().where(column == ref)).all()
    return _questions(session, rows)[0] if rows else None


def question_from_quote(session: Session, *, source_id: int, quote_start: int) -> Question | None:
    """The question already taken from this place in a source, if any."""
    row = session.execute(
        _question_select().where(Q.c.source_id == source_id, Q.c.quote_start == quote_start)
    ).first()
    return _questions(session, [row])[0] if row else None


def questions_by_quote(session: Session, *, source_id: int) -> dict[int, Question]:
    """The questions taken from places in a source, by where their quote starts (the first
    one taken, where a place has several)."""
    rows = session.execute(
        _question_select()
        .where(Q.c.source_id == source_id, Q.c.quote_start.is_not(None))
        .order_by(Q.c.id)
    ).all()
    found: dict[int, Question] = {}
    for question in _questions(session, rows):
        if question.quote_start is not None:
            found.setdefault(question.quote_start, question)
    return found


def get_question(session: Session, ref: int | str) -> Question:
    """Return the question with this number or slug; raises NotFoundError."""
    found = find_question(session, ref)
    if found is None:
        shown = f"#{ref}" if isinstance(ref, int) else repr(ref)
        raise NotFoundError(f"No question {shown}. List them with: tracker list")
    return found


@dataclass(frozen=True)
class QuestionFilter:
    """Which questions `list` shows. `state`: None (all), open, resolved, overdue."""

    state: str | None = None
    due_by: date | None = None
    today: date | None = None
    tag: str | None = None
    source: int | str | None = None
    forecaster: str | None = None
    # Who reads: `forecaster` then matches only questions whose forecasts the viewer may see.
    viewer: Viewer | None = None


def hidden_clause(viewer: Viewer) -> sa.ColumnElement[bool]:
    """A condition on `question` rows: their forecasts are hidden from `viewer` (blind, not
    resolved, and no forecast of the viewer's on it; tracker/domain/blind.py)."""
    if viewer.sees_all:
        return sa.false()
    own = sa.exists().where(
        F.c.question_id == Q.c.id,
        F.c.forecaster_id.in_(sa.select(P.c.id).where(P.c.name == viewer.name)),
    )
    resolved = sa.exists().where(R.c.question_id == Q.c.id)
    hidden = sa.and_(Q.c.blind, ~resolved)
    return hidden if viewer.name is None else sa.and_(hidden, ~own)


def any_blind(session: Session) -> bool:
    """Whether the ledger has a blind question at all (most have none: nothing to hide)."""
    return session.execute(sa.select(Q.c.id).where(Q.c.blind).limit(1)).first() is not None


def hidden_questions(
    session: Session, viewer: Viewer, question_ids: Sequence[int] | None = None
) -> set[int]:
    """The questions (of `question_ids`; None: all) whose forecasts are hidden from `viewer`."""
    if viewer.sees_all or not any_blind(session):
        return set()
    found: set[int] = set()
    ids = None if question_ids is None else list(question_ids)
    chunks = [None] if ids is None else [ids[i : i + 500] for i in range(0, len(ids), 500)]
    for chunk in chunks:
        query = sa.select(Q.c.id).where(Q.c.blind, hidden_clause(viewer))
        if chunk is not None:
            query = query.where(Q.c.id.in_(chunk))
        found.update(int(i) for i in session.execute(query).scalars())
    return found


def visible_forecaster_names(session: Session, viewer: Viewer) -> list[str]:
    """`forecaster_names` as `viewer` may know them: those with a forecast the viewer may see,
    the forecasters that speak for reports (named on their sources), and the viewer. A name
    seen only on blind questions hidden from the viewer would tell who has forecast there
    (and on PostgreSQL row-level security hides those forecasts from the viewer anyway)."""
    if viewer.sees_all or not any_blind(session):
        return forecaster_names(session)
    hidden = sa.select(Q.c.id).where(Q.c.blind, hidden_clause(viewer))
    seen = sa.select(F.c.forecaster_id).where(F.c.question_id.not_in(hidden)).distinct()
    speakers = sa.select(N.c.forecaster_id)
    query = sa.select(P.c.name).where(
        sa.or_(P.c.id.in_(seen), P.c.id.in_(speakers), P.c.name == (viewer.name or ""))
    )
    return sorted(str(n) for n in session.execute(query).scalars())


def sees_all(session: Session) -> bool:
    """Whether the connected database user is not bound by the blind rule: on PostgreSQL the
    owner of the tables and anyone who may not record forecasts (reviewers), as the row-level
    security of migration 0011 has it; on SQLite nobody (the rule is a courtesy there)."""
    if is_sqlite(session):
        return False
    return bool(session.execute(sa.text("SELECT tracker_sees_all()")).scalar())


def _matching(flt: QuestionFilter) -> sa.Select[tuple[object, ...]]:
    query = _question_select()
    resolved = sa.exists().where(R.c.question_id == Q.c.id)
    if flt.state in ("open", "overdue"):
        query = query.where(~resolved)
    elif flt.state == "resolved":
        query = query.where(resolved)
    if flt.state == "overdue" and flt.today is not None:
        query = query.where(flt.today > _CURRENT_DEADLINE)
    if flt.due_by is not None:
        query = query.where(~resolved, flt.due_by >= _CURRENT_DEADLINE)
        if flt.today is not None:
            query = query.where(flt.today <= _CURRENT_DEADLINE)
    if flt.tag is not None:
        query = query.where(
            sa.exists().where(T.c.question_id == Q.c.id, T.c.tag == flt.tag.lower())
        )
    if flt.source is not None:
        column = S.c.id if isinstance(flt.source, int) else S.c.slug
        query = query.where(column == flt.source)
    if flt.forecaster is not None:
        query = query.where(
            sa.exists().where(
                F.c.question_id == Q.c.id,
                F.c.forecaster_id == P.c.id,
                P.c.name == flt.forecaster,
            )
        )
        if flt.viewer is not None and flt.forecaster != flt.viewer.name:
            query = query.where(~hidden_clause(flt.viewer))
    return query


def select_questions(
    session: Session, flt: QuestionFilter, *, limit: int | None = None
) -> list[Question]:
    """Questions matching `flt`, by deadline then number (the first `limit` of them)."""
    query = _matching(flt).order_by(_CURRENT_DEADLINE, Q.c.id)
    if limit is not None:
        query = query.limit(limit)
    return _questions(session, session.execute(query).all())


def count_questions(session: Session, flt: QuestionFilter) -> int:
    """How many questions match `flt`."""
    matching = _matching(flt).subquery()
    return int(session.execute(sa.select(sa.func.count()).select_from(matching)).scalar_one())


# --- forecasts ---------------------------------------------------------------------------------


def _forecast(row: sa.Row[tuple[object, ...]]) -> Forecast:
    m = row._mapping
    retraction = None
    if m.get("retraction_id") is not None:
        retraction = Retraction(
            id=m["retraction_id"],
            forecast_id=m["id"],
            reason=m["retraction_reason"],
            recorded_by=m["retraction_by"],
            recorded_at=m["retraction_at"],
        )
    return Forecast(
        id=m["id"],
        question_id=m["question_id"],
        forecaster=m["forecaster"],
        made_at=m["made_at"],
        recorded_at=m["recorded_at"],
        probabilities=json.loads(m["probabilities"]),
        rationale=m["rationale"],
        input_text=m["input_text"],
        retraction=retraction,
        question_version=m["question_version"] or 1,
    )


def _forecast_select() -> sa.Select[tuple[object, ...]]:
    """Forecasts with their forecaster's name and their retraction, if any (shown, not scored)."""
    return sa.select(
        F,
        P.c.name.label("forecaster"),
        RT.c.id.label("retraction_id"),
        RT.c.reason.label("retraction_reason"),
        RT.c.recorded_by.label("retraction_by"),
        RT.c.recorded_at.label("retraction_at"),
    ).select_from(F.join(P, P.c.id == F.c.forecaster_id).outerjoin(RT, RT.c.forecast_id == F.c.id))


# --- retractions (a forecast marked as a mistake: shown, never scored) -------------------------


def _not_retracted(*, recorded_by: datetime | None = None) -> sa.ColumnElement[bool]:
    """A condition on forecast rows: not retracted (as the record stood at `recorded_by`, None:
    now). Every read for scores, aggregates and standing forecasts applies it."""
    retracted = sa.select(RT.c.forecast_id)
    if recorded_by is not None:
        retracted = retracted.where(RT.c.recorded_at <= recorded_by)
    return F.c.id.not_in(retracted)


def retracted_ids(session: Session, *, recorded_by: datetime | None = None) -> frozenset[int]:
    """The numbers of the retracted forecasts (as the record stood at `recorded_by`, None: now):
    few, so scoring reads them once and leaves those forecasts out as it streams."""
    query = sa.select(RT.c.forecast_id)
    if recorded_by is not None:
        query = query.where(RT.c.recorded_at <= recorded_by)
    return frozenset(int(i) for i in session.execute(query).scalars())


def insert_retraction(
    session: Session, *, forecast_id: int, reason: str, recorded_by: str, recorded_at: datetime
) -> Retraction:
    """Append a retraction of forecast `forecast_id`, as an event of the chain.

    Raises ConflictError when the forecast is retracted already (someone was quicker).
    """
    values: dict[str, object] = {
        "forecast_id": forecast_id,
        "reason": reason,
        "recorded_by": recorded_by,
        "recorded_at": recorded_at,
    }
    try:
        with session.begin_nested():
            new_id = _insert(session, RT, values)
    except sa.exc.IntegrityError as exc:
        raise ConflictError(
            f"Forecast #{forecast_id} is retracted already; a forecast is retracted once."
        ) from exc
    return Retraction(new_id, forecast_id, reason, recorded_by, recorded_at)


def insert_forecast(
    session: Session,
    *,
    question_id: int,
    forecaster: str,
    made_at: datetime,
    recorded_at: datetime,
    probabilities: dict[str, float],
    rationale: str | None,
    input_text: str | None,
    question_version: int = 1,
) -> Forecast:
    """Append a forecast (forecasts are never updated) and return it. `question_version`:
    the version of the question it was made under (stored as NULL for version 1)."""
    who = forecaster_id(session, forecaster, now=recorded_at)
    new_id = _insert(
        session,
        F,
        {
            "question_id": question_id,
            "forecaster_id": who,
            "made_at": made_at,
            "recorded_at": recorded_at,
            "probabilities": dump_probabilities(probabilities),
            "rationale": rationale,
            "input_text": input_text,
            "question_version": stored_version(question_version),
        },
    )
    return Forecast(
        id=new_id,
        question_id=question_id,
        forecaster=forecaster,
        made_at=made_at,
        recorded_at=recorded_at,
        probabilities=dict(probabilities),
        rationale=rationale,
        input_text=input_text,
        question_version=question_version,
    )


def stored_version(version: int) -> int | None:
    """A forecast's question version as stored: NULL for version 1 (see migration 0009)."""
    return None if version == 1 else version


def forecasts_for(session: Session, question_ids: Sequence[int]) -> dict[int, list[Forecast]]:
    """Every forecast on these questions, in the order they were made (`forecast_order`: then
    recorded, then by content, never by the order they were written in)."""
    result: dict[int, list[Forecast]] = {i: [] for i in question_ids}
    if not question_ids:
        return result
    for start in range(0, len(question_ids), 500):
        chunk = list(question_ids[start : start + 500])
        rows = session.execute(
            _forecast_select()
            .where(F.c.question_id.in_(chunk))
            .order_by(F.c.question_id, F.c.made_at, F.c.recorded_at, F.c.id)
        ).all()
        for row in rows:
            forecast = _forecast(row)
            result[forecast.question_id].append(forecast)
    for found in result.values():
        # Ties on made_at and recorded_at go by content (in Python: collations differ).
        found.sort(key=forecast_order)
    return result


def standing_for(
    session: Session, question_ids: Sequence[int]
) -> dict[int, tuple[list[Forecast], int]]:
    """Each question's candidates for standing forecast and how many forecasts it has: what
    `list` and `due` show, without reading every earlier forecast. The candidates are every
    forecaster's forecasts with the latest made_at and, among those, the latest recorded_at
    (usually one); `standing_forecasts` picks among ties by content, in Python."""
    result: dict[int, tuple[list[Forecast], int]] = {i: ([], 0) for i in question_ids}
    # Retracted forecasts are neither candidates nor counted (they are shown by `show`).
    for start in range(0, len(question_ids), 500):
        chunk = list(question_ids[start : start + 500])
        ranked = (
            sa.select(
                F,
                P.c.name.label("forecaster"),
                sa.func.rank()
                .over(
                    partition_by=(F.c.question_id, F.c.forecaster_id),
                    order_by=(F.c.made_at.desc(), F.c.recorded_at.desc()),
                )
                .label("place"),
                sa.func.count().over(partition_by=F.c.question_id).label("forecasts"),
            )
            .join(P, P.c.id == F.c.forecaster_id)
            .where(F.c.question_id.in_(chunk), _not_retracted())
            .subquery()
        )
        rows = session.execute(
            sa.select(ranked).where(ranked.c.place == 1).order_by(ranked.c.question_id)
        ).all()
        for row in rows:
            forecast = _forecast(row)
            standing, _count = result[forecast.question_id]
            standing.append(forecast)
            result[forecast.question_id] = (standing, int(row._mapping["forecasts"]))
    return result


def all_forecasts(session: Session) -> list[Forecast]:
    """Every forecast in the database, ordered by made_at, question and id."""
    rows = session.execute(
        _forecast_select().order_by(F.c.made_at, F.c.question_id, F.c.recorded_at, F.c.id)
    ).all()
    return [_forecast(r) for r in rows]


# --- resolutions -------------------------------------------------------------------------------


def _resolution(row: sa.Row[tuple[object, ...]]) -> Resolution:
    m = row._mapping
    return Resolution(
        id=m["id"],
        question_id=m["question_id"],
        status=OutcomeStatus(m["status"]),
        outcome=m["outcome"],
        occurred_on=m["occurred_on"],
        evidence=m["evidence"],
        resolved_by=m["resolved_by"],
        recorded_at=m["recorded_at"],
        amends_id=m["amends_id"],
    )


def insert_resolution(
    session: Session,
    *,
    question_id: int,
    status: OutcomeStatus,
    outcome: str | None,
    occurred_on: date,
    evidence: str | None,
    resolved_by: str,
    recorded_at: datetime,
    amends_id: int | None,
) -> Resolution:
    """Append a resolution. The unique indexes refuse a second first resolution or a fork.

    Raises ConflictError when another resolution won a race for the same question.
    """
    try:
        with session.begin_nested():
            new_id = _insert(
                session,
                R,
                {
                    "question_id": question_id,
                    "status": status.value,
                    "outcome": outcome,
                    "occurred_on": occurred_on,
                    "evidence": evidence,
                    "resolved_by": resolved_by,
                    "recorded_at": recorded_at,
                    "amends_id": amends_id,
                },
            )
    except sa.exc.IntegrityError as exc:
        raise ConflictError(
            f"Question #{question_id} was resolved by someone else just now; "
            f"see it with: tracker show {question_id}"
        ) from exc
    return Resolution(
        id=new_id,
        question_id=question_id,
        status=status,
        outcome=outcome,
        occurred_on=occurred_on,
        evidence=evidence,
        resolved_by=resolved_by,
        recorded_at=recorded_at,
        amends_id=amends_id,
    )


def resolutions_for(session: Session, question_ids: Sequence[int]) -> dict[int, list[Resolution]]:
    """Every resolution of these questions, oldest first (the last one is in force)."""
    result: dict[int, list[Resolution]] = {i: [] for i in question_ids}
    for start in range(0, len(question_ids), 500):
        chunk = list(question_ids[start : start + 500])
        rows = session.execute(
            sa.select(R).where(R.c.question_id.in_(chunk)).order_by(R.c.question_id, R.c.id)
        ).all()
        for row in rows:
            resolution = _resolution(row)
            result[resolution.question_id].append(resolution)
    return result


def all_resolutions(session: Session) -> list[Resolution]:
    """Every resolution, in the order they were recorded."""
    return [_resolution(r) for r in session.execute(sa.select(R).order_by(R.c.id)).all()]


def all_questions(session: Session) -> list[Question]:
    """Every question, by number."""
    return _questions(session, session.execute(_question_select().order_by(Q.c.id)).all())


def find_questions_by_content(session: Session, *, title: str, opened_on: date) -> list[Question]:
    """Questions with this title opened on this day, by number (identity for imports)."""
    rows = session.execute(
        _question_select().where(Q.c.title == title, Q.c.opened_on == opened_on).order_by(Q.c.id)
    ).all()
    return _questions(session, rows)


@dataclass(frozen=True)
class NewForecast:
    """A forecast to insert in bulk (the forecaster already resolved to its id)."""

    question_id: int
    forecaster_id: int
    made_at: datetime
    recorded_at: datetime
    probabilities: dict[str, float]
    rationale: str | None
    input_text: str | None
    probabilities_json: str | None = None  # `dump_probabilities(probabilities)`, if known


def _sqlite_moment(moment: datetime) -> str:
    """A time as UTCDateTime stores it in SQLite: `YYYY-MM-DD HH:MM:SS.ffffff`, UTC, the year
    zero-padded (strftime's `%Y` would write year 999 as `999`)."""
    naive = moment.astimezone(UTC).replace(tzinfo=None)
    return naive.isoformat(sep=" ", timespec="microseconds")


def insert_forecasts(session: Session, rows: Sequence[NewForecast]) -> None:
    """Append many forecasts with one executemany (the bulk path of imports)."""
    if not rows:
        return
    values: list[dict[str, object]] = [
        {
            "question_id": r.question_id,
            "forecaster_id": r.forecaster_id,
            "made_at": r.made_at,
            "recorded_at": r.recorded_at,
            "probabilities": r.probabilities_json or dump_probabilities(r.probabilities),
            "rationale": r.rationale,
            "input_text": r.input_text,
        }
        for r in rows
    ]
    chain_rows(session, F, values)
    insert_rows(session, F, values)


def new_question_id(session: Session, number: int | None, *, taken: set[int]) -> int:
    """The id of a new question: `number` kept when it is not in `taken` (the ids in use, which
    the caller keeps up to date), else the next free one."""
    if number is not None and number not in taken:
        keep_ids(session, Q, [number])
        return number
    return reserve_ids(session, Q, 1)[0]


def new_resolution_id(session: Session) -> int:
    """The id of a new resolution, taken before it is written (a later one may amend it)."""
    return reserve_ids(session, R, 1)[0]


def insert_forecast_rows(session: Session, rows: Sequence[dict[str, object]]) -> None:
    """Append many forecasts (each row every column but the chain's and the id; probabilities
    as their stored JSON), as events of the chain in order (the bulk path)."""
    chain_rows(session, F, rows)
    insert_rows(session, F, rows)


def insert_questions(
    session: Session, rows: Sequence[dict[str, object]], tags: Sequence[Sequence[str]]
) -> None:
    """Append many questions (each row every column but the chain's, with `id` where an
    imported number is kept) and their tags, as events of the chain in order (the bulk path)."""
    chain_rows(session, Q, rows, tags=tags)
    insert_rows(session, Q, rows)
    insert_rows(
        session,
        T,
        [
            {"question_id": row["id"], "tag": tag}
            for row, own in zip(rows, tags, strict=True)
            for tag in sorted(set(own))
        ],
    )


def insert_resolutions(session: Session, rows: Sequence[dict[str, object]]) -> None:
    """Append many resolutions (each row every column but the chain's, with its `id` taken
    beforehand when a later one amends it), as events of the chain in order (the bulk path)."""
    chain_rows(session, R, rows)
    insert_rows(session, R, rows)


def _sqlite_value(kind: str) -> Callable[[object], object]:
    """How a column of this kind is written straight to SQLite, as its SQLAlchemy type would."""
    if kind == "moment":
        return lambda v: None if v is None else _sqlite_moment(v)  # type: ignore[arg-type]
    if kind == "day":
        return lambda v: None if v is None else v.isoformat()  # type: ignore[attr-defined]
    return lambda v: v


def _column_kind(column: sa.Column[Any]) -> str:
    if isinstance(column.type, UTCDateTime):
        return "moment"
    if isinstance(column.type, sa.Date):
        return "day"
    return "plain"


def insert_rows(session: Session, table: sa.Table, rows: Sequence[dict[str, object]]) -> None:
    """Insert many rows of `table` (every column given) with one executemany.

    On SQLite the rows go straight to the driver, with times and days written as the column
    types store them: SQLAlchemy's per-row processing took most of an import's time.
    """
    if not rows:
        return
    if session.get_bind().dialect.name != "sqlite":
        session.execute(sa.insert(table), list(rows))
        return
    columns = [c for c in table.columns if c.name in rows[0]]
    names = [c.name for c in columns]
    converters = [_sqlite_value(_column_kind(c)) for c in columns]
    plain = all(_column_kind(c) == "plain" for c in columns)
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    if plain:
        values = [tuple(row[name] for name in names) for row in rows]
    else:
        values = [
            tuple(convert(row[name]) for name, convert in zip(names, converters, strict=True))
            for row in rows
        ]
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(sql, values)
    finally:
        cursor.close()


#: One forecast as scoring reads it: (forecaster, UTC day it was made, backfilled,
#: probabilities as JSON).
ForecastTuple = tuple[str, date, bool, str]


def stream_forecasts(
    session: Session,
    *,
    question_ids: Sequence[int] | None,
    as_of: datetime | None,
    as_recorded: bool = False,
    live_only: bool = False,
) -> Iterator[tuple[int, list[ForecastTuple], int]]:
    """Each question's forecasts, as plain tuples in the order made, one question at a time.

    Yields (question id, forecasts, recorded later) in question order; a forecast is
    (forecaster, UTC day made, backfilled, probabilities JSON): what scoring needs, computed
    here so that the same rule holds on SQLite and PostgreSQL. `question_ids`: only these
    questions (None: all). `as_of`: the forecasts made by then (None: all); with `as_recorded`,
    those recorded by then instead (the audit view). "Recorded later" counts the forecasts
    made by `as_of` but recorded after it: in the first list, or left out of it as recorded
    (a question whose forecasts were all left out is yielded with an empty list); with
    `live_only`, counted by claimed time, a backfilled one is not counted there (scoring leaves
    it out and counts it as backfilled). A retracted forecast is left out altogether (as
    recorded: one retracted by `as_of`; counted by claimed time, a retraction corrects the
    past too, as an amended resolution does). Memory stays
    flat: rows are streamed and only one question's forecasts are held at a time.

    The order is `forecast_order`'s, never the order the rows were written in: the index gives
    them by made_at, and the few made at the same moment are put in order here (recorded_at,
    then forecaster, then probabilities), so that the one recorded later stands wherever the
    record was imported.
    """
    names = {row[0]: row[1] for row in session.execute(sa.select(P.c.id, P.c.name))}
    if question_ids is not None and not question_ids:
        return
    wanted = set(question_ids) if question_ids is not None else None
    sqlite = is_sqlite(session)
    retracted = retracted_ids(session, recorded_by=as_of if as_recorded else None)
    rows = (
        _rows_sqlite(session, question_ids, as_of, as_recorded, retracted)
        if sqlite
        else _rows_sqlalchemy(session, question_ids, as_of, as_recorded, retracted)
    )
    # Times compare as the driver gives them: naive UTC text on SQLite, datetimes elsewhere.
    limit: Any = None
    if as_of is not None:
        limit = _sqlite_moment(as_of) if sqlite else as_of
    current: int | None = None
    group: list[ForecastTuple] = []
    later = 0
    # Runs of forecasts made at the same moment: (first index in group, their recorded_at).
    runs: list[tuple[int, list[Any]]] = []
    last_made: Any = None
    last_recorded: Any = None
    for question_id, forecaster, made, recorded, day, backfilled, probabilities in rows:
        if question_id != current:
            if (group or later) and (wanted is None or current in wanted):
                if runs:
                    _settle_ties(group, runs)
                yield current, group, later  # type: ignore[misc]
            current, group, runs, last_made, later = question_id, [], [], None, 0
        if limit is not None and recorded > limit:
            # Made by the moment (the query saw to it) but recorded after it.
            if as_recorded:
                later += 1
                continue
            if not (live_only and backfilled):
                later += 1
        if made == last_made:
            run = runs[-1] if runs else None
            if run is not None and run[0] + len(run[1]) == len(group):
                run[1].append(recorded)
            else:
                runs.append((len(group) - 1, [last_recorded, recorded]))
        last_made, last_recorded = made, recorded
        group.append((names[forecaster], day, backfilled, probabilities))
    if (group or later) and (wanted is None or current in wanted):
        if runs:
            _settle_ties(group, runs)
        yield current, group, later  # type: ignore[misc]


def _settle_ties(group: list[ForecastTuple], runs: list[tuple[int, list[Any]]]) -> None:
    """Put each run of forecasts made at the same moment in `forecast_order`: by recorded_at,
    then by forecaster, then by the probabilities as numbers in stored (option) order (rows
    equal in all of these are equal in everything scoring reads)."""
    for start, recorded in runs:
        end = start + len(recorded)
        tied = sorted(
            zip(recorded, group[start:end], strict=True),
            key=lambda pair: (pair[0], pair[1][0], tuple(json.loads(pair[1][3]).values())),
        )
        group[start:end] = [row for _, row in tied]


#: A row as the readers below give it: (question id, forecaster id, made_at and recorded_at
#: as they compare in the database's driver, UTC day made, backfilled, probabilities JSON).
_Row = tuple[int, int, Any, Any, date, bool, str]


def _rows_sqlalchemy(
    session: Session,
    question_ids: Sequence[int] | None,
    as_of: datetime | None,
    as_recorded: bool,
    retracted: frozenset[int],
) -> Iterator[_Row]:
    query = sa.select(
        F.c.question_id,
        F.c.forecaster_id,
        F.c.made_at,
        F.c.recorded_at,
        F.c.probabilities,
        F.c.id,
    ).order_by(F.c.question_id, F.c.made_at, F.c.id)  # the index order: no sort
    if as_of is not None:
        made = F.c.made_at <= as_of
        # As recorded, also the rows made by then but recorded later: they are counted.
        query = query.where(sa.or_(made, F.c.recorded_at <= as_of) if as_recorded else made)
    if question_ids is not None and len(question_ids) <= 900:
        query = query.where(F.c.question_id.in_(list(question_ids)))
    for question_id, forecaster, made_at, recorded_at, probabilities, number in session.execute(
        query.execution_options(yield_per=10_000)
    ):
        if retracted and number in retracted:
            continue
        backfilled = recorded_at - made_at > BACKFILL_THRESHOLD
        day = made_at.astimezone(UTC).date()
        yield question_id, forecaster, made_at, recorded_at, day, backfilled, probabilities


def _rows_sqlite(
    session: Session,
    question_ids: Sequence[int] | None,
    as_of: datetime | None,
    as_recorded: bool,
    retracted: frozenset[int],
) -> Iterator[_Row]:
    """The SQLite path, on the driver's own cursor: SQLAlchemy's per-row result handling cost
    as much as SQLite's own reading on a million rows. Times are stored as naive UTC text
    (`UTCDateTime`), which compares as text and parses with the C parser."""
    conditions: list[str] = []
    parameters: list[object] = []
    if as_of is not None:
        moment = _sqlite_moment(as_of)
        if as_recorded:  # also the rows made by then but recorded later: they are counted
            conditions.append("(made_at <= ? OR recorded_at <= ?)")
            parameters += [moment, moment]
        else:
            conditions.append("made_at <= ?")
            parameters.append(moment)
    if question_ids is not None and len(question_ids) <= 900:  # a few: read only theirs
        conditions.append(f"question_id IN ({', '.join('?' * len(question_ids))})")
        parameters.extend(question_ids)
    sql = (
        "SELECT question_id, forecaster_id, made_at, recorded_at, probabilities, id FROM forecast"
        + (" WHERE " + " AND ".join(conditions) if conditions else "")
        + " ORDER BY question_id, made_at, id"
    )
    parse = datetime.fromisoformat
    days: dict[str, date] = {}
    for question_id, forecaster, made_at, recorded_at, probabilities, number in _driver_rows(
        session, sql, parameters
    ):
        if retracted and number in retracted:
            continue  # a retracted forecast is never scored (the earlier one stands again)
        made_on = made_at[:10]
        day = days.get(made_on)
        if day is None:
            day = days[made_on] = date.fromisoformat(made_on)
        # Recorded the same day cannot be 24 hours late; otherwise compare exactly.
        backfilled = not recorded_at.startswith(made_on) and (
            parse(recorded_at) - parse(made_at) > BACKFILL_THRESHOLD
        )
        yield question_id, forecaster, made_at, recorded_at, day, backfilled, probabilities


def resolutions_in_force(
    session: Session, *, recorded_by: datetime | None
) -> dict[int, Resolution]:
    """The resolution in force for each resolved question, as the record stood at `recorded_by`
    (None: now): an amendment recorded later does not count yet."""
    if is_sqlite(session):
        return _resolutions_sqlite(session, recorded_by)
    query = sa.select(R).order_by(R.c.id)
    if recorded_by is not None:
        query = query.where(R.c.recorded_at <= recorded_by)
    current: dict[int, Resolution] = {}
    for row in session.execute(query):
        resolution = _resolution(row)
        current[resolution.question_id] = resolution
    return current


def _driver_rows(session: Session, sql: str, parameters: Sequence[object] = ()) -> Iterator[Any]:
    """Rows of `sql` from SQLite's own cursor, in chunks: SQLAlchemy's per-row handling (and
    its date parsing) cost several times SQLite's own reading on 100,000 questions."""
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, list(parameters))
        while chunk := cursor.fetchmany(10_000):
            yield from chunk
    finally:
        cursor.close()


def _utc(text: str) -> datetime:
    """A moment as UTCDateTime stores it in SQLite, read back as UTCDateTime reads it."""
    return datetime.fromisoformat(text + "+00:00")


def _resolutions_sqlite(session: Session, recorded_by: datetime | None) -> dict[int, Resolution]:
    """`resolutions_in_force` on the driver's cursor: only the latest row of each question (in
    id order, as above) is read and made into a Resolution."""
    where = "" if recorded_by is None else " WHERE recorded_at <= ?"
    parameters = [] if recorded_by is None else [_sqlite_moment(recorded_by)]
    sql = (
        "SELECT id, question_id, status, outcome, occurred_on, evidence, resolved_by, "
        "recorded_at, amends_id FROM resolution WHERE id IN (SELECT max(id) FROM resolution"
        f"{where} GROUP BY question_id) ORDER BY question_id"
    )
    statuses = {s.value: s for s in OutcomeStatus}
    days: dict[str, date] = {}
    current: dict[int, Resolution] = {}
    for id_, question_id, status, outcome, occurred, evidence, by, recorded, amends in _driver_rows(
        session, sql, parameters
    ):
        day = days.get(occurred)
        if day is None:
            day = days[occurred] = date.fromisoformat(occurred)
        current[question_id] = Resolution(
            id=id_,
            question_id=question_id,
            status=statuses[status],
            outcome=outcome,
            occurred_on=day,
            evidence=evidence,
            resolved_by=by,
            recorded_at=_utc(recorded),
            amends_id=amends,
        )
    return current


#: A question as scoring reads it: (id, slug, title, kind, options JSON, deadline, opened on,
#: created at).
QuestionTuple = tuple[int, str | None, str, str, str, date, date, datetime]


def questions_for_scoring(
    session: Session, *, tag: str | None, source: int | str | None
) -> list[QuestionTuple]:
    """The questions `score` may use, as plain tuples (tags and sources only filter here)."""
    # The current version's title and deadline (the deadline closes the scoring window).
    query = (
        sa.select(
            Q.c.id,
            Q.c.slug,
            _CURRENT_TITLE,
            Q.c.kind,
            Q.c.options,
            _CURRENT_DEADLINE,
            Q.c.opened_on,
            Q.c.created_at,
        )
        .select_from(_with_current_version(Q))
        .order_by(Q.c.id)
    )
    if tag is not None:
        query = query.where(sa.exists().where(T.c.question_id == Q.c.id, T.c.tag == tag))
    if source is not None:
        column = S.c.id if isinstance(source, int) else S.c.slug
        query = query.where(Q.c.source_id.in_(sa.select(S.c.id).where(column == source)))
    if is_sqlite(session):
        compiled = query.compile(dialect=session.get_bind().dialect)
        parameters = [compiled.params[name] for name in compiled.positiontup or ()]
        days: dict[str, date] = {}

        def day(text: str) -> date:
            found = days.get(text)
            if found is None:
                found = days[text] = date.fromisoformat(text)
            return found

        return [
            (number, slug, title, kind, options, day(deadline), day(opened), _utc(created))
            for number, slug, title, kind, options, deadline, opened, created in _driver_rows(
                session, str(compiled), parameters
            )
        ]
    return [
        (row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7])
        for row in session.execute(query)
    ]


#: Activity on a question: (last forecast made at, how many forecasters, how many forecasts,
#: how many forecasts made by the moment but recorded after it).
Activity = tuple[datetime | None, int, int, int]


def question_activity(
    session: Session,
    *,
    question_ids: Sequence[int],
    as_of: datetime,
    as_recorded: bool = False,
    people_excluding: frozenset[str] = frozenset(),
) -> dict[int, Activity]:
    """When each question was last forecast and by how many forecasters (not counting
    `people_excluding`, e.g. reports), counting the forecasts made by `as_of` (with
    `as_recorded`: those recorded by then), and how many of those made by then were recorded
    after it (questions without either are absent). Retracted forecasts are not counted."""
    excluded = sa.select(P.c.id).where(P.c.name.in_(sorted(people_excluding)))
    counted = F.c.recorded_at <= as_of if as_recorded else F.c.made_at <= as_of
    later = sa.and_(F.c.made_at <= as_of, F.c.recorded_at > as_of)
    person = sa.case(
        (~counted, None), (F.c.forecaster_id.in_(excluded), None), else_=F.c.forecaster_id
    )
    found: dict[int, Activity] = {}
    ids = list(question_ids)
    for start in range(0, len(ids), 500):  # keep within every driver's parameter limit
        chunk = ids[start : start + 500]
        query = (
            sa.select(
                F.c.question_id,
                sa.func.max(sa.case((counted, F.c.made_at), else_=None)),
                sa.func.count(sa.distinct(person)),
                sa.func.count(sa.case((counted, F.c.id), else_=None)),
                sa.func.count(sa.case((later, F.c.id), else_=None)),
            )
            .where(
                F.c.question_id.in_(chunk),
                sa.or_(counted, later),
                _not_retracted(recorded_by=as_of if as_recorded else None),
            )
            .group_by(F.c.question_id)
        )
        for question_id, last, people, forecasts, recorded_later in session.execute(query):
            found[int(question_id)] = (last, int(people), int(forecasts), int(recorded_later))
    return found


def question_tags(session: Session) -> dict[int, tuple[str, ...]]:
    """Each question's tags, sorted (questions without tags are absent)."""
    query = sa.select(T.c.question_id, T.c.tag).order_by(T.c.question_id, T.c.tag)
    tags: dict[int, list[str]] = {}
    for question_id, tag in session.execute(query):
        tags.setdefault(int(question_id), []).append(str(tag))
    return {q: tuple(t) for q, t in tags.items()}


def question_sources(session: Session) -> dict[int, int]:
    """The source of each question taken from one."""
    query = sa.select(Q.c.id, Q.c.source_id).where(Q.c.source_id.is_not(None))
    return {int(q): int(s) for q, s in session.execute(query)}


def question_ids(session: Session) -> set[int]:
    """The number of every question."""
    return {int(i) for i in session.execute(sa.select(Q.c.id)).scalars()}


def question_keys(session: Session) -> tuple[set[str], set[tuple[str, date]]]:
    """What identifies the questions already there, for an import to look up only those it
    may match: their slugs, and (title, day opened) of the ones without a slug."""
    slugs: set[str] = set()
    unnamed: set[tuple[str, date]] = set()
    for slug, title, opened_on in session.execute(sa.select(Q.c.slug, Q.c.title, Q.c.opened_on)):
        if slug is not None:
            slugs.add(str(slug))
        else:
            unnamed.add((str(title), opened_on))
    return slugs, unnamed


# --- versions (tracker clarify) ----------------------------------------------------------------


def _version(row: Any) -> QuestionVersion:
    m = row._mapping
    return QuestionVersion(
        question_id=m["question_id"],
        version=m["version"],
        title=m["title"],
        criteria=m["criteria"],
        deadline=m["deadline"],
        author=m["author"],
        recorded_at=m["recorded_at"],
        reason=m["reason"],
    )


def question_versions(
    session: Session, question_ids: Sequence[int]
) -> dict[int, list[QuestionVersion]]:
    """Every version of these questions, in order: version 1 (the question as added, its
    author and time the question's) first, then each clarification."""
    result: dict[int, list[QuestionVersion]] = {i: [] for i in question_ids}
    for start in range(0, len(question_ids), 500):
        chunk = list(question_ids[start : start + 500])
        for row in session.execute(
            sa.select(
                Q.c.id, Q.c.title, Q.c.criteria, Q.c.deadline, Q.c.created_by, Q.c.created_at
            ).where(Q.c.id.in_(chunk))
        ):
            result[row[0]].append(
                QuestionVersion(
                    question_id=row[0],
                    version=1,
                    title=row[1],
                    criteria=row[2],
                    deadline=row[3],
                    author=row[4],
                    recorded_at=row[5],
                )
            )
        rows = session.execute(
            sa.select(V).where(V.c.question_id.in_(chunk)).order_by(V.c.question_id, V.c.version)
        ).all()
        for row in rows:
            version = _version(row)
            result[version.question_id].append(version)
    return result


def all_question_versions(session: Session) -> list[QuestionVersion]:
    """Every clarification (version 2 and later) of every question, by question and version."""
    rows = session.execute(sa.select(V).order_by(V.c.question_id, V.c.version)).all()
    return [_version(r) for r in rows]


def insert_question_version(session: Session, version: QuestionVersion) -> QuestionVersion:
    """Append a version of a question (version 2 or later), as an event of the chain.

    Raises ConflictError when someone else clarified the question at the same moment (the
    unique version number refuses the second).
    """
    try:
        with session.begin_nested():
            _insert(session, V, version_values(version))
    except sa.exc.IntegrityError as exc:
        raise ConflictError(
            f"Question #{version.question_id} was clarified by someone else just now; "
            f"see it with: tracker show {version.question_id}"
        ) from exc
    return version


def version_values(version: QuestionVersion) -> dict[str, object]:
    """The row of a version, by column name (without its id and chain columns)."""
    return {
        "question_id": version.question_id,
        "version": version.version,
        "title": version.title,
        "criteria": version.criteria,
        "deadline": version.deadline,
        "reason": version.reason,
        "author": version.author,
        "recorded_at": version.recorded_at,
    }


def insert_question_versions(session: Session, rows: Sequence[dict[str, object]]) -> None:
    """Append many versions (each row as `version_values` gives it), as events of the chain
    in order (the bulk path of imports)."""
    chain_rows(session, V, rows)
    insert_rows(session, V, rows)


def forecaster_tags(
    session: Session, *, without: Collection[int] = ()
) -> dict[str, tuple[str, ...]]:
    """Everyone who has made a forecast, with their tags: the tags of the questions they have
    forecast (sorted; empty when none of those questions has a tag), leaving out the
    forecasts on the questions `without` (e.g. blind questions hidden from the reader)."""
    query = (
        sa.select(P.c.name, T.c.tag)
        .select_from(F)
        .join(P, P.c.id == F.c.forecaster_id)
        .outerjoin(T, T.c.question_id == F.c.question_id)
        .distinct()
    )
    if without:
        query = query.where(F.c.question_id.not_in(list(without)))
    found: dict[str, set[str]] = {}
    for name, tag in session.execute(query):
        tags = found.setdefault(str(name), set())
        if tag is not None:
            tags.add(str(tag))
    return {name: tuple(sorted(tags)) for name, tags in sorted(found.items())}


def question_creators(session: Session) -> set[str]:
    """Everyone who has added a question."""
    return {str(n) for n in session.execute(sa.select(Q.c.created_by).distinct()).scalars()}
