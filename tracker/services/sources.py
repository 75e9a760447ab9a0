"""Sources: the reports whose expectations become questions."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, BinaryIO

from tracker.domain import fields
from tracker.domain.dates import parse_date
from tracker.domain.model import Source, parse_source_ref, validate_slug
from tracker.domain.views import SourceDetail, SourceListing
from tracker.errors import ConflictError, InputError
from tracker.storage import ledger as store
from tracker.storage.database import Session

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown", ".text", ""})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
PDF_SUFFIXES = frozenset({".pdf"})
#: The longest report file read (HTML holds more than its text, which may have REPORT.limit).
MAX_FILE_CHARACTERS = 10 * fields.REPORT.limit
#: The largest file read, in bytes (a PDF holds fonts and images besides its text).
MAX_FILE_BYTES = MAX_FILE_CHARACTERS
#: What `tracker source add -` calls standard input in messages.
STDIN_NAME = "standard input"


def content_hash(text: str) -> str:
    """The hash that identifies a source's text: `sha256:` and the hex digest of its UTF-8."""
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_source_text(path: Path) -> str:
    """Read a plain-text, Markdown, HTML or PDF report (reduced to its text). Raises
    InputError for anything else or unreadable."""
    return read_source(path)[0]


def _read_bytes(stream: BinaryIO, name: str) -> bytes:
    data = stream.read(MAX_FILE_BYTES + 1)  # a device or FIFO may never end
    if len(data) > MAX_FILE_BYTES:
        raise InputError(
            f"{name} is larger than {MAX_FILE_BYTES:,} bytes; a report's text may hold "
            f"{fields.REPORT.limit:,} characters."
        )
    return data


def reduce_report(data: bytes, *, kind: str, name: str) -> tuple[str, str | None]:
    """A report's bytes as text ("text", "html" or "pdf"), and an HTML page's `<title>`.

    Text and HTML must be UTF-8; line ends become newlines. HTML and PDF are reduced to their text
    (tracker.extract.html, tracker.extract.pdf). Raises InputError naming `name`.
    """
    if kind == "pdf":
        from tracker.extract.pdf import pdf_to_text

        return pdf_to_text(data, name=name), None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        what = "UTF-8 text, HTML or a PDF" if name == STDIN_NAME else "UTF-8 text"
        raise InputError(f"{name} is not {what}; save it as UTF-8 and try again.") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # as reading in text mode does
    if len(text) > MAX_FILE_CHARACTERS:
        raise InputError(
            f"{name} is longer than {MAX_FILE_CHARACTERS:,} characters; a report's text may "
            f"hold {fields.REPORT.limit:,}."
        )
    if kind == "html":
        from tracker.extract.html import html_to_text

        return html_to_text(text)
    return text, None


def read_source(path: Path) -> tuple[str, str | None]:
    """A report's text and, for HTML, its `<title>`: plain text or Markdown, HTML, or PDF (by
    the file's suffix; a file without one is recognised by its content). Raises InputError for
    other kinds of file, a missing or unreadable one, text that is not UTF-8, and a PDF that is
    damaged, encrypted or has no text."""
    if path.is_dir():
        raise InputError(f"{path} is a folder; give the report's file.")
    if not path.exists():
        raise InputError(f"No file {path}.")
    suffix = path.suffix.lower()
    if suffix not in TEXT_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES:
        raise InputError(
            f"{path.name}: only plain text, Markdown, HTML and PDF reports can be added "
            "(.txt, .md, .html, .pdf)."
        )
    try:
        with path.open("rb") as stream:
            data = _read_bytes(stream, str(path))
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror}.") from None
    from tracker.extract.reading import sniff_format

    if suffix in PDF_SUFFIXES:
        kind = "pdf"
    elif suffix in HTML_SUFFIXES:
        kind = "html"
    else:
        kind = "pdf" if not suffix and sniff_format(data) == "pdf" else "text"
    return reduce_report(data, kind=kind, name=str(path))


def read_stdin(stream: BinaryIO) -> tuple[str, str | None]:
    """A report piped to standard input: a PDF if it starts with %PDF, HTML if it looks like
    a web page, else UTF-8 text. Raises InputError when it is empty or unreadable."""
    from tracker.extract.reading import sniff_format

    try:
        data = _read_bytes(stream, STDIN_NAME)
    except OSError as exc:
        raise InputError(f"Cannot read {STDIN_NAME}: {exc.strerror}.") from None
    if not data.strip():
        raise InputError(
            f"{STDIN_NAME} is empty; pipe the report in (tracker source add - < report.txt)."
        )
    return reduce_report(data, kind=sniff_format(data), name=STDIN_NAME)


@dataclass(frozen=True)
class AddedSource:
    """The source that was added."""

    source: Source
    title_from_text: bool
    #: The words its publication date was read from ("WASHINGTON, March 20, 2024"), when it was
    #: read from the text rather than given.
    published_from: str | None = None


def add_source(
    *,
    session: Session,
    added_by: str,
    now: datetime,
    file: Path | None = None,
    stdin: BinaryIO | None = None,
    title: str | None = None,
    author: str | None = None,
    organisation: str | None = None,
    published: str | date | None = None,
    url: str | None = None,
    slug: str | None = None,
    forecaster: str | None = None,
    yardstick: str | None = None,
) -> AddedSource:
    """Add a report, from a file or standard input (its text stored with its content hash), or
    by URL alone.

    Without `title`, an HTML page's title or the first non-empty line of the text is used.
    Without `published`, a dateline or "Published:" line in the report's first lines gives the
    publication date (`AddedSource.published_from` says which words). Adding the same text twice
    is refused. `forecaster` names who records the report's own implied probabilities (a
    forecaster scored like an analyst but never counted in the team aggregate). `yardstick`
    chooses the yardstick its words are read by ("icd203", "phia"; default: the ledger's).
    Raises InputError or ConflictError.
    """
    from tracker.domain.yardsticks import get_yardstick

    added_by = fields.check_name(added_by)
    yardstick_key = None if yardstick is None else get_yardstick(yardstick).key
    if file is not None and stdin is not None:
        raise InputError("Give the report's file or standard input (-), not both.")
    text: str | None = None
    html_title: str | None = None
    if stdin is not None:
        text, html_title = read_stdin(stdin)
    elif file is not None:
        text, html_title = read_source(file)
    if text is not None and not text.strip():
        raise InputError(f"{file if file is not None else STDIN_NAME} is empty.")
    if text is not None:
        fields.check_text(text, fields.REPORT)
    if text is None and not (url or "").strip():
        raise InputError("Give the report's file, or its --url.")
    digest = content_hash(text) if text is not None else None
    if digest is not None:
        existing = store.source_by_hash(session, digest)
        if existing is not None:
            raise ConflictError(
                f"This text is already source #{existing.id} ({existing.title}); "
                "see it with: tracker source show " + existing.key
            )
    title_from_text = False
    chosen_title = fields.clean(title, fields.TITLE) or fields.clean(html_title, fields.TITLE)
    if not chosen_title and text is not None:
        first_line = next(line for line in text.splitlines() if line.strip())
        # A Markdown heading or a bold line is the title without its marks.
        first_line = re.sub(r"^\s*#{1,6}\s+|^\s*\*\*(.+?)\*\*\s*$", r"\1", first_line)
        try:
            chosen_title = fields.check_line(first_line, fields.TITLE)
        except InputError as exc:
            raise InputError(
                f"{exc} (The title is the text's first line: pass --title TEXT.)"
            ) from None
        title_from_text = True
    if not chosen_title:
        raise InputError("The source needs a title: pass --title TEXT.")
    if slug is not None:
        slug = validate_slug(slug.strip())
        if store.find_source(session, slug) is not None:
            raise ConflictError(f"A source with slug {slug!r} exists already; choose another.")
    published_on = None
    if isinstance(published, date):
        published_on = published
    elif published is not None:
        published_on = parse_date(published, today=now.date(), past=True).value
    if published_on is not None:
        fields.check_happened(published_on, recorded_at=None, now=now, what="publication date")
    published_from: str | None = None
    if published is None and text is not None:
        from tracker.extract.reading import find_published

        found = find_published(text, today=fields.latest_day(now))
        if found is not None:
            published_on, published_from = found
    source = store.insert_source(
        session,
        slug=slug,
        title=chosen_title,
        author=fields.clean(author, fields.NAME, "author"),
        organisation=fields.clean(organisation, fields.NAME, "organisation"),
        published_on=published_on,
        url=fields.clean(url, fields.URL),
        file=fields.check_line(file.name, fields.FILE_NAME) if file is not None else None,
        text=text,
        content_hash=digest,
        added_at=now,
        added_by=added_by,
        forecaster=(
            fields.check_name(forecaster, "report's forecaster", hint=" (--forecaster NAME)")
            if forecaster and forecaster.strip()
            else None
        ),
        yardstick=yardstick_key,
    )
    return AddedSource(
        source=source, title_from_text=title_from_text, published_from=published_from
    )


def list_sources(*, session: Session) -> list[SourceListing]:
    """Every source with its question count."""
    counts = store.question_counts_by_source(session)
    return [SourceListing(s, counts.get(s.id, 0)) for s in store.list_sources(session)]


def show_source(*, session: Session, source: str, now: datetime) -> SourceDetail:
    """One source with its full text and its questions, their status, and the time-weighted
    scores of the report's forecaster and the team median on the resolved ones. Raises
    NotFoundError."""
    from tracker.domain.scoring import TEAM_MEDIAN
    from tracker.services.ledger import summaries_of
    from tracker.services.scoring import score_ledger

    found = store.get_source(session, parse_source_ref(source), with_text=True)
    questions = store.select_questions(session, store.QuestionFilter(source=found.id))
    scores: dict[str, tuple[float | None, float | None]] = {}
    if questions:
        report = score_ledger(session=session, as_of=now, source=found.key)
        for s in report.questions:
            own, team = scores.get(s.question, (None, None))
            if s.forecaster == found.forecaster:
                own = s.time_weighted
            elif s.forecaster == TEAM_MEDIAN:
                team = s.time_weighted
            scores[s.question] = (own, team)
    from tracker.services.yardsticks import show_yardstick

    in_force = show_yardstick(session=session, source=str(found.id))
    return SourceDetail(
        source=found,
        questions=questions,
        summaries=summaries_of(session, questions, today=fields.latest_day(now)),
        scores=scores,
        yardstick=in_force.yardstick,
        yardstick_origin=in_force.origin,
    )


@dataclass(frozen=True)
class SourcePreview:
    """What `source add --dry-run` would store: the source as read, and how many candidate
    expectations a scan would list."""

    added: AddedSource
    yardstick: str
    candidates: int


class _Previewed(Exception):
    def __init__(self, preview: SourcePreview) -> None:
        self.preview = preview


def preview_source(*, database: str, now: datetime, **options: Any) -> SourcePreview:
    """Read a report as `add_source(**options)` would and say what it would store (title,
    publication date and the words it was read from, yardstick, candidates), writing nothing:
    the transaction is rolled back, and a database that did not exist is not created.
    `database`: the database's path or URL.
    Raises what add_source raises."""
    from tracker.extract.expectations import scan_text
    from tracker.services.workspace import unit_of_work
    from tracker.services.yardsticks import yardstick_for_source

    try:
        with unit_of_work(database, write=True, now=now) as session:
            added = add_source(session=session, now=now, **options)
            yardstick = yardstick_for_source(session, added.source)
            src = added.source
            published = src.published_on or now.date()
            found = (
                scan_text(src.text, published=published, yardstick=yardstick) if src.text else []
            )
            raise _Previewed(SourcePreview(added, yardstick.name, len(found)))
    except _Previewed as done:
        return done.preview
    raise AssertionError("unreachable")  # pragma: no cover
