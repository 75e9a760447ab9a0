"""Triage files: a report's candidates written out to be edited by hand, and read back.

`tracker source scan SLUG --out FILE` writes one (tracker/reports/triage.py), in Markdown or
YAML; `tracker source accept FILE` reads it back here. The values are read as the text the
analyst left, and checked by the services with the rules of `tracker add` and `tracker
forecast`, so that each problem names its entry and field.

How outside text is kept from changing a Markdown file's structure: every line the parser
reads as structure starts with a marker the writer puts there (`## Entry`, `- name:`,
`criteria:`, `options:`, `<!-- passage`, a numbered option); text from the report or the
drafts is written whitespace-collapsed after such a marker, and the lines of the criteria
and the quote each start with `> `. A line of outside text therefore never begins a line of
the file. YAML is written and read by PyYAML's safe dumper and loader, which quote what needs
quoting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from tracker.errors import InputError

#: The version of the file format, written in both forms and checked on reading.
FORMAT = 1
#: The first line of a Markdown triage file.
MARKER = f"<!-- tracker triage file, format {FORMAT} -->"
#: The YAML key that marks a triage file (its value is FORMAT).
YAML_KEY = "tracker_triage"
#: The one-line fields of an entry, in the order they are written.
FIELDS = ("keep", "title", "deadline", "kind", "probability", "stance", "slug", "tags")
#: Entry keys a YAML file may hold that are shown only (never read back).
SHOWN_ONLY = ("quote", "report", "taken")
#: How the report stands to a passage; only `forecast` is credited to the report.
STANCES = ("forecast", "conditional", "intention", "disclaimed")
#: The file suffixes and the form each one means.
SUFFIXES = {".md": "md", ".markdown": "md", ".yaml": "yaml", ".yml": "yaml"}


@dataclass(frozen=True)
class TriageEntry:
    """One candidate of a triage file, its fields as text (checked when accepted)."""

    number: int  # the candidate's number when the file was written: problems name it
    start: int  # where the passage is in the source's text
    end: int
    keep: str  # yes or no (anything else is a problem when accepted)
    title: str
    criteria: str
    deadline: str  # empty when the report names no date
    kind: str
    options: tuple[str, ...]
    probability: str  # the report's forecast as `tracker forecast` reads it; may be empty
    stance: str
    slug: str = ""
    tags: str = ""  # commas separate tags
    # Shown only, never read back:
    quote: str = ""
    report: tuple[str, ...] = ()  # what was read from the report, one line each
    taken: str = ""  # "#12" when the passage is already a question

    @property
    def kept(self) -> bool:
        """Whether the analyst kept it (`keep: yes`)."""
        return self.keep.strip().lower() in ("yes", "true", "y")


@dataclass(frozen=True)
class TriageFile:
    """A source's candidates for triage: which source, and the entries, best first."""

    source: str  # the source's key (slug or #N)
    published: str
    extractor: str
    entries: tuple[TriageEntry, ...]


def triage_format(name: str) -> str:
    """`md` or `yaml`, from a file name's suffix. Raises InputError for any other."""
    suffix = name[name.rfind(".") :].lower() if "." in name else ""
    found = SUFFIXES.get(suffix)
    if found is None:
        raise InputError(
            f"Cannot tell the format of {name!r}: a triage file ends in .md, .yaml or .yml."
        )
    return found


def keep_problem(entry: TriageEntry) -> str | None:
    """What is wrong with an entry's keep line, or None."""
    if entry.keep.strip().lower() in ("yes", "no", "true", "false", "y", "n"):
        return None
    return f"write keep: yes or keep: no, not {entry.keep.strip()!r}"


# --- Markdown -------------------------------------------------------------------------------------

_ENTRY = re.compile(r"^## Entry (\d+)\s*$")
_PASSAGE = re.compile(r"^<!-- passage (\d+)-(\d+) -->\s*$")
_FIELD = re.compile(r"^(?:[-*+]\s+)?([A-Za-z]+):\s*(.*)$")
_OPTION = re.compile(r"^\d+[.)]\s+(.*)$")
_BULLET = re.compile(r"^[-*+]\s+(.*)$")
_HEADER_FIELD = re.compile(r"^- (source|published|extractor):\s*(.*)$")


class _Reading:
    """One Markdown entry while it is read."""

    def __init__(self, number: int, line: int) -> None:
        self.number = number
        self.line = line
        self.values: dict[str, str] = {}
        self.passage: tuple[int, int] | None = None
        self.options: list[str] = []
        self.criteria: list[str] = []
        self.block: str | None = None  # "options" or "criteria" while inside one


def _bad(line: int, message: str) -> InputError:
    return InputError(f"line {line}: {message}")


def _entry(reading: _Reading) -> TriageEntry:
    if reading.passage is None:
        raise _bad(
            reading.line,
            f"entry {reading.number} has lost its '<!-- passage START-END -->' line; write "
            "the file again with tracker source scan SLUG --out FILE.",
        )
    for name in ("keep",):
        if name not in reading.values:
            raise _bad(reading.line, f"entry {reading.number} has no '- {name}:' line.")
    values = reading.values
    return TriageEntry(
        number=reading.number,
        start=reading.passage[0],
        end=reading.passage[1],
        keep=values.get("keep", ""),
        title=values.get("title", ""),
        criteria=_paragraphs(reading.criteria),
        deadline=values.get("deadline", ""),
        kind=values.get("kind", ""),
        options=tuple(reading.options),
        probability=values.get("probability", ""),
        stance=values.get("stance", ""),
        slug=values.get("slug", ""),
        tags=values.get("tags", ""),
    )


def _paragraphs(lines: list[str]) -> str:
    """Criteria lines read as Markdown reads them: the lines of a paragraph joined by spaces,
    paragraphs (separated by an empty line) by an empty line."""
    paragraphs: list[list[str]] = [[]]
    for line in lines:
        if line.strip():
            paragraphs[-1].append(line.strip())
        elif paragraphs[-1]:
            paragraphs.append([])
    return "\n\n".join(" ".join(words) for words in paragraphs if words)


def _criteria_line(line: str) -> str:
    if line.startswith("> "):
        return line[2:]
    return line[1:] if line.startswith(">") else line


def parse_markdown(text: str) -> TriageFile:
    """Read a Markdown triage file. Raises InputError, naming the line, for a file tracker did
    not write and for a line that is not part of the format."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != MARKER:
        raise InputError(
            "This is not a triage file written by tracker (its first line is not "
            f"{MARKER!r}): write one with tracker source scan SLUG --out FILE.md."
        )
    header: dict[str, str] = {}
    entries: list[TriageEntry] = []
    numbers: set[int] = set()
    current: _Reading | None = None
    for index, raw in enumerate(lines[1:], start=2):
        line = raw.rstrip()
        heading = _ENTRY.match(line)
        if heading:
            if current is not None:
                entries.append(_entry(current))
            number = int(heading.group(1))
            if number in numbers:
                raise _bad(index, f"entry {number} is in the file twice.")
            numbers.add(number)
            current = _Reading(number, index)
            continue
        if current is None:
            found = _HEADER_FIELD.match(line)
            if found:
                header[found.group(1)] = found.group(2).strip()
            continue  # the header's own text (how to use the file) is not read
        _read_entry_line(current, line, index)
    if current is not None:
        entries.append(_entry(current))
    if not header.get("source"):
        raise InputError("The triage file names no source (its '- source:' line is missing).")
    return TriageFile(
        header["source"], header.get("published", ""), header.get("extractor", ""), tuple(entries)
    )


def _read_entry_line(current: _Reading, line: str, index: int) -> None:
    """Read one line inside an entry."""
    stripped = line.strip()
    if current.block == "criteria":
        field = _FIELD.match(line)
        if not line.startswith(">") and (
            (field and field.group(1).lower() in FIELDS) or stripped == "options:"
        ):
            current.block = None  # a field after the criteria ends them
        else:
            current.criteria.append(_criteria_line(line))
            return
    if not stripped:
        return
    passage = _PASSAGE.match(line)
    if passage:
        current.passage = (int(passage.group(1)), int(passage.group(2)))
        return
    if line.startswith(">") or line.startswith("_"):
        return  # the quote and what was read from the report: shown only
    if stripped in ("criteria:", "options:"):
        current.block = stripped[:-1]
        if stripped == "options:":
            current.options = []
        return
    field = _FIELD.match(line)
    name = field.group(1).lower() if field else ""
    if current.block == "options":
        # "1. text" is an option; "- text" too, unless it is a field ("- keep: yes").
        option = _OPTION.match(line) or (_BULLET.match(line) if name not in FIELDS else None)
        if option:
            current.options.append(option.group(1).strip())
            return
    if field and name in FIELDS:
        if name in current.values:
            raise _bad(index, f"entry {current.number} has two '{name}:' lines; keep one.")
        current.values[name] = (field.group(2) or "").strip()
        current.block = None
        return
    if field and name == "taken":
        return  # shown only
    if field:
        raise _bad(
            index,
            f"entry {current.number}: unknown field {name!r}; the fields are "
            + ", ".join(FIELDS)
            + ".",
        )
    raise _bad(
        index,
        f"entry {current.number}: cannot read {_shortened(stripped)!r}; fields are written "
        "'- name: value', options one a line under 'options:' as '1. text', and the criteria "
        "under 'criteria:'.",
    )


def _shortened(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


# --- YAML ----------------------------------------------------------------------------------------


def _text(value: Any, where: str) -> str:
    """A YAML scalar as the text an analyst meant (yes/no, dates and numbers come typed)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float | str):
        return str(value)
    raise InputError(f"{where}: expected one value, not a {type(value).__name__}.")


def _yaml_entry(item: Any, position: int) -> TriageEntry:
    where = f"entry at position {position}"
    if not isinstance(item, dict):
        raise InputError(f"The triage file's {where} is not a mapping of fields.")
    number = item.get("entry")
    if not isinstance(number, int) or isinstance(number, bool):
        raise InputError(f"The triage file's {where} has no 'entry: N' number.")
    where = f"entry {number}"
    unknown = sorted(
        str(key)
        for key in item
        if key not in (*FIELDS, *SHOWN_ONLY, "entry", "passage", "criteria", "options")
    )
    if unknown:
        raise InputError(
            f"{where}: unknown field {unknown[0]!r}; the fields are " + ", ".join(FIELDS) + "."
        )
    passage = _PASSAGE_TEXT.match(str(item.get("passage", "")))
    if passage is None:
        raise InputError(
            f"{where} has lost its 'passage: START-END' line; write the file again with "
            "tracker source scan SLUG --out FILE."
        )
    options = item.get("options") or []
    if not isinstance(options, list):
        raise InputError(f"{where}, options: give a list, one option a line ('- text').")
    tags = item.get("tags") or ""
    tags_text = (
        ", ".join(_text(t, f"{where}, tags") for t in tags)
        if isinstance(tags, list)
        else _text(tags, f"{where}, tags")
    )
    return TriageEntry(
        number=number,
        start=int(passage.group(1)),
        end=int(passage.group(2)),
        keep=_text(item.get("keep"), f"{where}, keep"),
        title=_text(item.get("title"), f"{where}, title"),
        criteria=_text(item.get("criteria"), f"{where}, criteria"),
        deadline=_text(item.get("deadline"), f"{where}, deadline"),
        kind=_text(item.get("kind"), f"{where}, kind"),
        options=tuple(_text(o, f"{where}, options") for o in options),
        probability=_text(item.get("probability"), f"{where}, probability"),
        stance=_text(item.get("stance"), f"{where}, stance"),
        slug=_text(item.get("slug"), f"{where}, slug"),
        tags=tags_text,
    )


_PASSAGE_TEXT = re.compile(r"^\s*(\d+)-(\d+)\s*$")


def parse_yaml(text: str) -> TriageFile:
    """Read a YAML triage file (PyYAML's safe loader). Raises InputError for YAML that does not
    parse, and for a file tracker did not write."""
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "it does not parse"
        raise InputError(f"The triage file is not valid YAML{where}: {problem}.") from None
    if not isinstance(data, dict) or data.get(YAML_KEY) != FORMAT:
        raise InputError(
            f"This is not a triage file written by tracker (it has no '{YAML_KEY}: {FORMAT}' "
            "line): write one with tracker source scan SLUG --out FILE.yaml."
        )
    entries = data.get("entries") or []
    if not isinstance(entries, list):
        raise InputError("The triage file's 'entries' is not a list.")
    source = _text(data.get("source"), "source")
    if not source:
        raise InputError("The triage file names no source (its 'source:' line is missing).")
    read = tuple(_yaml_entry(item, i) for i, item in enumerate(entries, 1))
    numbers = [e.number for e in read]
    twice = next((n for n in numbers if numbers.count(n) > 1), None)
    if twice is not None:
        raise InputError(f"Entry {twice} is in the triage file twice.")
    return TriageFile(
        source, _text(data.get("published"), "published"), _text(data.get("extractor"), ""), read
    )


def parse_triage(text: str, *, form: str) -> TriageFile:
    """Read a triage file in `form` (`md` or `yaml`). Raises InputError."""
    return parse_markdown(text) if form == "md" else parse_yaml(text)
