"""Triage of a whole report: write its candidates to a file to edit, and accept the file.

`tracker source scan SLUG --out FILE` writes every candidate (tracker/reports/triage.py);
`tracker source accept FILE` checks every kept entry with the rules of `tracker add` and
`tracker forecast`, lists all the problems at once, and only then adds them all in one
transaction through the same path as `--pick` (services/scan.py, take_drafts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

from tracker import __version__
from tracker.domain.expectations import OTHER_OUTCOME, Candidate
from tracker.domain.fields import normalise_tags
from tracker.domain.model import (
    Question,
    QuestionKind,
    Source,
    validate_options,
    validate_slug,
)
from tracker.domain.probability import parse_distribution
from tracker.domain.triage import (
    STANCES,
    TriageEntry,
    TriageFile,
    keep_problem,
    parse_triage,
    triage_format,
)
from tracker.errors import InputError, TrackerError
from tracker.services.files import check_writable, write_atomically
from tracker.services.interchange import read_text
from tracker.services.ledger import check_criteria, check_deadline, check_title
from tracker.services.scan import (
    Draft,
    Picked,
    Scan,
    implied_tokens,
    no_date_message,
    refused,
    report_voice,
    scan_source,
    stance_of,
    suggested_deadline,
    take_drafts,
)
from tracker.services.workspace import unit_of_work
from tracker.storage import ledger as store
from tracker.storage.database import Session

# --- writing -------------------------------------------------------------------------------------


def _yardstick(scan: Scan) -> str:
    """The yardstick the report's words were read with."""
    return scan.yardstick.name


def _deadline_note(candidate: Candidate) -> str:
    d = candidate.deadline
    if d is None:
        return "deadline: the passage names no time: give one"
    if d.day is None:
        return f"deadline: {no_date_message(candidate)}: give one"
    notes = [n for n in ("vague" if d.vague else "", d.note) if n]
    return f"deadline from \u201c{d.phrase}\u201d" + (f" ({'; '.join(notes)})" if notes else "")


def _report_notes(candidate: Candidate) -> tuple[str, ...]:
    """What was read from the report, for the analyst to check (shown only)."""
    notes = [f"candidate {candidate.rank}, score {candidate.score:g}"]
    if candidate.sentence.section:
        notes[0] += f", section \u201c{candidate.sentence.section}\u201d"
    notes.append(_deadline_note(candidate))
    p = candidate.probability
    if p is not None:
        read = f"probability from \u201c{p.words}\u201d: {p.label}, " + (
            p.range_text if p.low == p.high else f"{p.range_text} (midpoint {p.midpoint * 100:g}%)"
        )
        named = [o for o in candidate.options if o != OTHER_OUTCOME]
        if candidate.options and len(named) < len(candidate.options):
            read += (
                f", shared by the {len(named)} named options; "
                f"\u201c{OTHER_OUTCOME}\u201d takes the rest"
            )
        notes.append(read)
    stance = stance_of(candidate)
    if stance != "forecast":
        notes.append(
            f"stance {stance}: the report does not forecast this, so no forecast is recorded "
            "for it (set stance: forecast if it does)"
        )
    return tuple(notes)


def triage_entry(candidate: Candidate, taken: Question | None) -> TriageEntry:
    """A candidate as an entry of a triage file: the drafts, kept off (keep: no)."""
    day = suggested_deadline(candidate)
    options = candidate.options
    # The scan drafted title and criteria for the deadline it suggests ("" when it has none).
    title, criteria = (candidate.title, candidate.criteria) if day is not None else ("", "")
    return TriageEntry(
        number=candidate.rank,
        start=candidate.sentence.start,
        end=candidate.sentence.end,
        keep="no",
        title=title,
        criteria=criteria,
        deadline=day.isoformat() if day else "",
        kind=candidate.kind,
        options=options,
        probability=" ".join(implied_tokens(candidate)),
        stance=stance_of(candidate),
        quote=candidate.sentence.plain,
        report=_report_notes(candidate),
        taken=f"{taken.ref} ({taken.title})" if taken else "",
    )


def triage_file(scan: Scan) -> TriageFile:
    """Every candidate of a scan as a triage file, best first."""
    return TriageFile(
        source=scan.source.key,
        published=scan.published.isoformat(),
        extractor=f"tracker {__version__}, yardstick {_yardstick(scan)}",
        entries=tuple(triage_entry(c, scan.taken_by(c)) for c in scan.candidates),
    )


@dataclass(frozen=True)
class TriageWritten:
    """A triage file written: where, in which form, for which source, how many entries."""

    path: Path
    form: str
    source: Source
    published_known: bool
    entries: int
    taken: int


def write_triage(*, url: str, source: str, out: Path, now: datetime) -> TriageWritten:
    """Write every candidate of a source to `out` (.md, .yaml or .yml) to be edited and then
    accepted. Raises InputError for another suffix or a file that must not be written (see
    services/files.py), NotFoundError, OutputError."""
    form = triage_format(out.name)
    check_writable(out, database_url=url)
    with unit_of_work(url, write=False, now=now) as session:
        scan = scan_source(session=session, source=source)
    triage = triage_file(scan)
    from tracker.reports.triage import triage_markdown, triage_yaml

    text = (
        triage_markdown(triage, title=scan.source.title, file_name=out.name)
        if form == "md"
        else triage_yaml(triage, file_name=out.name)
    )
    write_atomically(out, text, database_url=url)
    return TriageWritten(
        out,
        form,
        scan.source,
        scan.published_known,
        len(triage.entries),
        sum(1 for e in triage.entries if e.taken),
    )


# --- accepting -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Accepted:
    """What accepting a triage file added (or, in a dry run, would add)."""

    source: Source
    kept: int
    picked: list[tuple[int, Picked]]  # entry number, what was added
    already: list[tuple[int, Question]]  # entries accepted before: left as they are
    warnings: list[str]  # "entry 3: ..." lines: accepted all the same
    written: bool
    without_forecast: list[tuple[int, str]] = field(default_factory=list)  # entry, why


class _DryRun(Exception):
    """Raised inside the transaction of a dry run so that it is rolled back."""

    def __init__(self, accepted: Accepted) -> None:
        super().__init__("dry run")
        self.accepted = accepted


@dataclass
class _Checked:
    """The entries of a file checked against the record, before anything is added."""

    drafts: list[tuple[int, Draft]] = field(default_factory=list)  # entry number, draft
    numbers: list[int] = field(default_factory=list)  # the entries kept
    problems: list[str] = field(default_factory=list)
    already: list[tuple[int, Question]] = field(default_factory=list)
    without_forecast: list[tuple[int, str]] = field(default_factory=list)


T = TypeVar("T")


def _attempt(problems: list[str], where: str, check: Callable[[], T]) -> T | None:
    """What `check` returns, or None after noting its error as a problem `where`."""
    try:
        return check()
    except TrackerError as exc:
        problems.append(f"{where}: {exc}")
        return None


def _check_entry(
    entry: TriageEntry,
    candidate: Candidate,
    *,
    session: Session,
    scan: Scan,
    opened: date,
    today: date,
    implied: bool,
    checked: _Checked,
) -> Draft | None:
    """The draft a kept entry describes, checked field by field with the rules of `tracker
    add` and `tracker forecast`; None after noting its problems in `checked` (or, for an entry
    accepted before, noting it there)."""
    label = f"entry {entry.number}"
    problems: list[str] = []
    title = _attempt(problems, f"{label}, title", lambda: check_title(entry.title))
    deadline: date | None = None
    if not entry.deadline.strip():
        said = (
            no_date_message(candidate).replace("names no date", "the report names no date")
            if candidate.deadline is not None
            else "the passage names no time"
        )
        problems.append(f"{label}, deadline: {said}: give one (e.g. 2025-06-30).")
    else:
        read = _attempt(
            problems,
            f"{label}, deadline",
            lambda: check_deadline(entry.deadline, opened_on=opened, today=today),
        )
        deadline = read.value if read is not None else None
    kind_text = entry.kind.strip().lower().replace("-", "_")
    kind = None
    if kind_text in (QuestionKind.BINARY.value, QuestionKind.MULTIPLE_CHOICE.value):
        kind = QuestionKind(kind_text)
    else:
        problems.append(
            f"{label}, kind: write binary or multiple_choice, not {entry.kind.strip()!r}."
        )
    options = None
    if kind is not None:
        chosen = kind
        options = _attempt(
            problems, f"{label}, options", lambda: validate_options(chosen, list(entry.options))
        )
    criteria = _attempt(problems, f"{label}, criteria", lambda: check_criteria(entry.criteria))
    stance = entry.stance.strip().lower()
    if stance not in STANCES:
        problems.append(
            f"{label}, stance: write one of {', '.join(STANCES)}, not {entry.stance.strip()!r}."
        )
    tokens = tuple(entry.probability.split())
    if tokens and options is not None:
        named = options
        _attempt(problems, f"{label}, probability", lambda: parse_distribution(tokens, named))
    slug = entry.slug.strip() or None
    if slug is not None:
        valid = _attempt(problems, f"{label}, slug", lambda: validate_slug(slug))
        if valid is not None and store.find_question(session, valid) is not None:
            problems.append(
                f"{label}, slug: a question with slug {valid!r} exists already; choose another."
            )
    tags = _attempt(problems, f"{label}, tags", lambda: normalise_tags([entry.tags]))
    taken = scan.taken_by(candidate)
    if taken is not None:
        if taken.title == title and taken.deadline == deadline:
            checked.already.append((entry.number, taken))
            return None  # accepted before, as it stands: nothing to add
        problems.append(
            f"{label}: the passage is already question {taken.ref} ({taken.title}); set "
            "keep: no, or add another question from it with tracker add --source --quote."
        )
    if problems:
        checked.problems += problems
        return None
    if title is None or deadline is None or criteria is None or kind is None:
        return None  # (each has noted its problem above)
    credited = stance == "forecast"
    if implied and tokens and not credited:
        checked.without_forecast.append((entry.number, f"its stance is {stance}"))
    elif implied and credited and not tokens:
        checked.without_forecast.append((entry.number, "it gives no probability"))
    words = _deadline_said(candidate)
    phrase = words
    if words and deadline != suggested_deadline(candidate):
        phrase = f"{words}; the analyst chose {deadline}"
    return Draft(
        candidate=candidate,
        title=title,
        criteria=criteria,
        deadline=deadline,
        deadline_phrase=phrase,
        options=tuple(options or ()) if kind is QuestionKind.MULTIPLE_CHOICE else (),
        slug=slug,
        tags=tuple(tags or ()),
        implied=tokens if credited and implied else (),
        implied_from_hedge=tokens == implied_tokens(candidate),
        criteria_drafted=False,
    )


def _deadline_said(candidate: Candidate) -> str | None:
    d = candidate.deadline
    if d is None:
        return None
    return d.phrase + (f" ({d.note})" if d.note else "")


def _check(
    triage: TriageFile,
    *,
    session: Session,
    scan: Scan,
    now: datetime,
    implied: bool,
) -> _Checked:
    checked = _Checked()
    by_start = {c.sentence.start: c for c in scan.candidates}
    today = now.date()
    opened = min(scan.published, today)
    slugs: dict[str, int] = {}
    passages: dict[int, int] = {}
    for entry in triage.entries:
        problem = keep_problem(entry)
        if problem is not None:
            checked.problems.append(f"entry {entry.number}, keep: {problem}.")
            continue
        if not entry.kept:
            continue
        checked.numbers.append(entry.number)
        candidate = by_start.get(entry.start)
        if candidate is None or candidate.sentence.end != entry.end:
            checked.problems.append(
                f"entry {entry.number}: the report has no candidate at characters "
                f"{entry.start}-{entry.end} now (the file was written by another version "
                f"of tracker?): write it again with tracker source scan {scan.source.key} "
                "--out FILE."
            )
            continue
        if entry.start in passages:
            checked.problems.append(
                f"entry {entry.number}: the same passage as entry {passages[entry.start]}; "
                "keep one of them."
            )
            continue
        passages[entry.start] = entry.number
        draft = _check_entry(
            entry,
            candidate,
            session=session,
            scan=scan,
            opened=opened,
            today=today,
            implied=implied,
            checked=checked,
        )
        if draft is None:
            continue
        if draft.slug is not None:
            if draft.slug in slugs:
                checked.problems.append(
                    f"entry {entry.number}, slug: {draft.slug!r} is entry "
                    f"{slugs[draft.slug]}'s slug too; choose another."
                )
                continue
            slugs[draft.slug] = entry.number
        checked.drafts.append((entry.number, draft))
    return checked


def read_triage(path: Path) -> TriageFile:
    """A triage file read from `path` (its form from the suffix). Raises InputError for a
    missing or unreadable file, another suffix, and a file tracker did not write."""
    form = triage_format(path.name)
    text = read_text(path, what="a triage file")
    try:
        return parse_triage(text, form=form)
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from None


def accept_triage(
    *,
    url: str,
    path: Path,
    created_by: str,
    now: datetime,
    implied: bool = True,
    implied_as: str | None = None,
    dry_run: bool = False,
) -> Accepted:
    """Add every kept entry of a triage file as a question, in one transaction, all or nothing.

    Every kept entry is checked first (title, criteria, deadline, kind, options, probability,
    stance, slug, tags, with the rules of `tracker add` and `tracker forecast`); with any
    problem, ProblemsError lists them all and nothing is added. An entry whose passage is
    already a question with the same title and deadline was accepted before and is left as it
    is, so accepting a file twice adds nothing the second time; a passage taken by another
    question is a problem. With `implied`, the report's forecast (the entry's probability) is
    recorded on each entry whose stance is forecast, under the source's forecaster
    (`implied_as` names it if the source has none yet). `dry_run` checks and rolls back.
    Raises InputError, NotFoundError, ProblemsError.
    """
    triage = read_triage(path)
    problems = [f"entry {e.number}, keep: {p}." for e in triage.entries if (p := keep_problem(e))]
    if not problems and not any(e.kept for e in triage.entries):
        raise InputError(
            f"No entry of {path} is kept: set keep: yes on the entries to add, then accept it "
            "again."
        )
    try:
        with unit_of_work(url, write=True, now=now) as session:
            scan = scan_source(session=session, source=triage.source)
            checked = _check(triage, session=session, scan=scan, now=now, implied=implied)
            if checked.problems:
                raise refused(checked.problems, str(path))
            implied_by = None
            if any(d.implied for _, d in checked.drafts):
                implied_by = report_voice(session=session, scan=scan, implied_as=implied_as)
            picked = take_drafts(
                session=session,
                scan=scan,
                drafts=[(f"entry {number}", draft) for number, draft in checked.drafts],
                created_by=created_by,
                now=now,
                implied_by=implied_by,
                what=str(path),
            )
            numbers = [number for number, _ in checked.drafts]
            accepted = Accepted(
                source=scan.source,
                kept=len(checked.numbers),
                picked=list(zip(numbers, picked, strict=True)),
                already=checked.already,
                warnings=[
                    f"entry {n}: {w}"
                    for n, p in zip(numbers, picked, strict=True)
                    for w in p.warnings
                ],
                written=not dry_run,
                without_forecast=checked.without_forecast,
            )
            if dry_run:
                raise _DryRun(accepted)
    except _DryRun as finished:
        return finished.accepted
    return accepted
