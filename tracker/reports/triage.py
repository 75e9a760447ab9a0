"""Triage files as text: a report's candidates in Markdown or YAML, to be edited by hand.

The format, and how it is read back, is in tracker/domain/triage.py. Text from outside (the
report's words and the drafts made from them) is written with its hidden characters made
visible (escapes.visible); in Markdown it never begins a line (see the domain module), and
what is shown only (the quote, what was read from the report) is also escaped for Markdown,
so that it renders as the words it is.
"""

from __future__ import annotations

import re
import textwrap
from typing import Any

from tracker.domain.triage import FIELDS, FORMAT, MARKER, STANCES, YAML_KEY, TriageFile
from tracker.reports.escapes import visible

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
_LEADING = re.compile(r"^([#+-]|\d+[.)])")


def _line(text: str) -> str:
    """Outside text on one line, its hidden characters visible."""
    return visible(" ".join(text.split()), one_line=True)


def _shown(text: str) -> str:
    """Outside text shown only (never read back): one line, escaped for Markdown."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", _line(text))


def _shown_block(text: str) -> str:
    """`_shown`, for the start of a block: a heading or list mark there is escaped too."""
    return _LEADING.sub(r"\\\1", _shown(text))


def _how_to(file_name: str, *, yaml: bool) -> list[str]:
    """The header's text: how to use the file (the same words in both forms)."""
    keep, off = ("keep: true (or yes)", "keep: false") if yaml else ("keep: yes", "keep: no")
    paragraphs = [
        "How to use this file: read the entries below, best first; edit the fields you want "
        f"to change, and set {keep} on each one to make into a question. Every entry starts "
        f"as {off}, so that nothing is added that nobody read. Then run:",
        f"    tracker source accept {_line(file_name)}",
        "It checks every kept entry first and lists all the problems at once (entry and "
        "field); only when there are none does it add them all, in one transaction, with the "
        "report's own forecast (the probability) on each entry whose stance is forecast. "
        "--no-implied leaves those forecasts out; --dry-run only checks.",
        "The fields: title, the question. deadline, a date (empty when the report names none: "
        "give one). kind, binary or multiple_choice, with its options one a line. probability, "
        "the report's forecast as tracker forecast reads it (65%, likely; for multiple choice "
        "one value per option, in order). stance: "
        + ", ".join(STANCES)
        + " (only forecast is credited to the report). slug and tags (commas between tags) are "
        "optional. The criteria say what counts and restate the deadline: change both "
        "together. The quote and what was read from the report are shown only: editing them "
        "changes nothing.",
    ]
    lines: list[str] = []
    for paragraph in paragraphs:
        if lines:
            lines.append("")
        if paragraph.startswith("    "):
            lines.append(paragraph)
        else:
            lines += textwrap.wrap(paragraph, width=88, break_on_hyphens=False)
    return lines


def triage_markdown(triage: TriageFile, *, title: str, file_name: str) -> str:
    """The Markdown form: a header saying how to use it, then one section per entry."""
    out = [
        MARKER,
        f"# Candidate expectations in \u201c{_shown(title)}\u201d",
        "",
        f"- source: {_line(triage.source)}",
        f"- published: {triage.published}",
        f"- extractor: {_line(triage.extractor)}",
        "",
        *_how_to(file_name, yaml=False),
    ]
    for entry in triage.entries:
        out += ["", f"## Entry {entry.number}", "", f"<!-- passage {entry.start}-{entry.end} -->"]
        out += ["", f"> {_shown_block(entry.quote)}", ""]
        notes = [f"_{_shown(note)}_" for note in entry.report]
        if entry.taken:
            notes.append(f"_taken: {_shown(entry.taken)}_")
        if notes:  # one line each: a backslash ends a line in Markdown
            out += [note + "\\" for note in notes[:-1]] + [notes[-1], ""]
        values = {
            "keep": entry.keep,
            "title": entry.title,
            "deadline": entry.deadline,
            "kind": entry.kind,
            "probability": entry.probability,
            "stance": entry.stance,
            "slug": entry.slug,
            "tags": entry.tags,
        }
        out += [f"- {name}: {_line(values[name])}".rstrip() for name in FIELDS]
        if entry.options:
            out += ["", "options:", ""]
            out += [f"{i}. {_line(option)}" for i, option in enumerate(entry.options, 1)]
        out += ["", "criteria:", ""]
        out += [f"> {visible(line)}".rstrip() for line in entry.criteria.strip("\n").splitlines()]
    return "\n".join(out) + "\n"


def triage_yaml(triage: TriageFile, *, file_name: str) -> str:
    """The YAML form: the header as comments, then plain block YAML (PyYAML's safe dumper)."""
    import yaml

    entries: list[dict[str, Any]] = []
    for entry in triage.entries:
        item: dict[str, Any] = {
            "entry": entry.number,
            "passage": f"{entry.start}-{entry.end}",
            "quote": entry.quote,
        }
        if entry.report:
            item["report"] = list(entry.report)
        if entry.taken:
            item["taken"] = entry.taken
        item.update(
            {
                "keep": entry.kept,
                "title": entry.title,
                "deadline": entry.deadline,
                "kind": entry.kind,
                "options": list(entry.options),
                "probability": entry.probability,
                "stance": entry.stance,
                "slug": entry.slug,
                "tags": entry.tags,
                "criteria": entry.criteria,
            }
        )
        entries.append(item)
    data = {
        YAML_KEY: FORMAT,
        "source": triage.source,
        "published": triage.published,
        "extractor": triage.extractor,
        "entries": entries,
    }
    comments = [f"# {line}".rstrip() for line in _how_to(file_name, yaml=True)]
    body = str(yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=96))
    return "\n".join(comments) + "\n\n" + body
