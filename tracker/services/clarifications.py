"""Clarify a question: append a new version of its title, criteria or deadline, with a reason.

The question row is never edited: each clarification is a new row of the record (a chained
event), and every command reads the latest version (tracker/domain/versions.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from tracker.domain import fields
from tracker.domain.dates import parse_date
from tracker.domain.model import Question, parse_question_ref
from tracker.domain.versions import QuestionVersion, changed_fields, check_reason
from tracker.errors import ConflictError, InputError
from tracker.services.ledger import check_criteria, check_title
from tracker.storage import ledger as store
from tracker.storage.database import Session


@dataclass(frozen=True)
class Clarified:
    """A recorded clarification: the new version, the one before it, and what changed."""

    question: Question
    version: QuestionVersion
    previous: QuestionVersion
    changed: tuple[str, ...]
    deadline_read: str | None = None


def new_version(
    question: Question,
    versions: list[QuestionVersion],
    *,
    reason: str | None,
    author: str,
    now: datetime,
    title: str | None = None,
    criteria: str | None = None,
    deadline: str | date | None = None,
) -> tuple[QuestionVersion, tuple[str, ...], str | None]:
    """The next version of `question` (whose versions so far are `versions`), what it changes,
    and how a typed deadline was read. The rules the command line and imports share.

    Raises InputError: nothing to change, an empty or multi-line reason, an empty title or
    criteria, a date that cannot be read or is before the question opened, a clarification
    that changes nothing, or one recorded before the version it follows (a clock set back).
    """
    if title is None and criteria is None and deadline is None:
        raise InputError(
            f"Say what changes on {question.ref}: --criteria TEXT, --title TEXT or "
            "--deadline DATE (with --reason TEXT)."
        )
    reason_text = check_reason(reason)
    current = versions[-1]
    new_title = current.title if title is None else check_title(title)
    new_criteria = current.criteria if criteria is None else check_criteria(criteria)
    new_deadline, read = current.deadline, None
    if isinstance(deadline, date):
        new_deadline = deadline
    elif deadline is not None:
        parsed = parse_date(deadline, today=now.date())
        new_deadline, read = parsed.value, parsed.explanation
    if new_deadline < question.opened_on:
        raise InputError(
            f"The deadline {new_deadline} is before {question.ref} opened ({question.opened_on})."
        )
    changed = changed_fields(current, title=new_title, criteria=new_criteria, deadline=new_deadline)
    if not changed:
        raise InputError(
            f"The clarification changes nothing: {question.ref} already has that "
            "title, criteria and deadline (version "
            f"{current.version}). Give a different --criteria, --title or --deadline."
        )
    if now < current.recorded_at:
        raise InputError(
            f"Version {current.version} of {question.ref} was recorded at "
            f"{current.recorded_at.isoformat()}, after now ({now.isoformat()}): a clarification "
            "comes after the version it changes. Check the clock (or TRACKER_NOW)."
        )
    version = QuestionVersion(
        question_id=question.id,
        version=current.version + 1,
        title=new_title,
        criteria=new_criteria,
        deadline=new_deadline,
        author=fields.check_name(author),
        recorded_at=now,
        reason=reason_text,
    )
    return version, changed, read


def clarify_question(
    *,
    session: Session,
    question: str,
    reason: str | None,
    author: str,
    now: datetime,
    title: str | None = None,
    criteria: str | None = None,
    deadline: str | date | None = None,
) -> Clarified:
    """Append a new version of `question` with a new title, criteria and/or deadline.

    Refused once the question is resolved (ConflictError), and for anything `new_version`
    refuses (InputError); NotFoundError for an unknown question.
    """
    found = store.get_question(session, parse_question_ref(question))
    resolutions = store.resolutions_for(session, [found.id])[found.id]
    if resolutions:
        shown = resolutions[-1]
        raise ConflictError(
            f"Question {found.ref} is resolved ({shown.label}, {shown.occurred_on}); it can no "
            "longer be clarified. Add a new question if the criteria were wrong."
        )
    versions = store.question_versions(session, [found.id])[found.id]
    version, changed, read = new_version(
        found,
        versions,
        reason=reason,
        author=author,
        now=now,
        title=title,
        criteria=criteria,
        deadline=deadline,
    )
    store.insert_question_version(session, version)
    return Clarified(
        question=store.get_question(session, found.id),
        version=version,
        previous=versions[-1],
        changed=changed,
        deadline_read=read,
    )
