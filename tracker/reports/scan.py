"""`tracker source scan` output: candidate expectations as JSON and for the terminal."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from tracker.domain.expectations import Candidate
from tracker.reports.escapes import visible


def candidate_json(candidate: Candidate, *, taken: str | None = None) -> dict[str, Any]:
    """One candidate: the sentence with its offsets, why it was picked, and the suggestions;
    `taken`: the question already made from it (`#12`), if any."""
    p, d = candidate.probability, candidate.deadline
    return {
        "rank": candidate.rank,
        "score": candidate.score,
        "sentence": candidate.sentence.plain,
        "start": candidate.sentence.start,
        "end": candidate.sentence.end,
        "section": candidate.sentence.section,
        "reasons": [
            {"signal": r.signal, "words": r.words, "points": r.points} for r in candidate.reasons
        ],
        "probability": None
        if p is None
        else {
            "low": p.low,
            "high": p.high,
            "midpoint": p.midpoint,
            "words": p.words,
            "label": p.label,
        },
        "deadline": None
        if d is None
        else {
            "date": d.day.isoformat() if d.day else None,
            "phrase": d.phrase,
            "vague": d.vague,
            "note": d.note or None,
            "ask": d.day is None,
        },
        "stance": candidate.stance,
        "credited": candidate.credited is not None,
        "kind": candidate.kind,
        "options": list(candidate.options),
        "exhaustive": candidate.exhaustive,
        "title": candidate.title or None,
        "criteria": candidate.criteria or None,
        "taken": taken,
    }


_STANCES = {
    "conditional": "conditional: the report expects it only if something else happens "
    "(not credited)",
    "intention": "intention: an actor's stated aim, not the report's forecast (not credited)",
    "disclaimed": "disclaimed: the report says it does not forecast this (not credited)",
}


def _reasons(candidate: Candidate) -> Text:
    text = Text()
    for i, r in enumerate(candidate.reasons):
        if i:
            text.append(", ")
        style = "red" if r.points < 0 else ""
        words = r.words if len(r.words) <= 40 else r.words[:39] + "\u2026"
        text.append(f"{r.signal} \u201c{visible(words)}\u201d {r.points:+g}", style=style)
    return text


def scan_view(
    candidates: list[Candidate],
    *,
    source_key: str,
    published: str,
    limit: int | None,
    taken: dict[int, str] | None = None,
) -> RenderableType:
    """Candidates best first: the sentence, why, and what it suggests; `taken` maps a
    candidate's rank to the question already made from it."""
    shown = candidates if limit is None else candidates[:limit]
    parts: list[RenderableType] = [
        Text(
            f"{len(candidates)} candidate expectations in {source_key} (published {published}), "
            "best first.",
            style="bold",
        )
    ]
    for c in shown:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(overflow="fold")
        if taken and c.rank in taken:
            table.add_row("taken", Text(visible(taken[c.rank]), style="yellow"))
        table.add_row("why", _reasons(c))
        if c.stance != "forecast":
            table.add_row("stance", _STANCES[c.stance])
        if c.probability is not None:
            p = c.probability
            credited = "" if c.credited else " (not credited to the report)"
            table.add_row(
                "probability",
                f"{p.midpoint * 100:g}% ({p.range_text}, {p.label}) "
                f"from \u201c{visible(p.words)}\u201d{credited}",
            )
        if c.deadline is None or c.deadline.day is None:
            said = f" (it says \u201c{visible(c.deadline.phrase)}\u201d)" if c.deadline else ""
            table.add_row(
                "deadline", f"ask: no date in the sentence{said}; give one with --deadline"
            )
        else:
            d = c.deadline
            notes = [n for n in ("vague" if d.vague else "", d.note) if n]
            table.add_row(
                "deadline",
                f"{d.day.isoformat()} from \u201c{visible(d.phrase)}\u201d"
                + (f" ({'; '.join(notes)})" if notes else ""),
            )
        if c.options:
            listed = "\n".join(f"{i}. {visible(o)}" for i, o in enumerate(c.options, 1))
            table.add_row(
                "options", listed + ("\n(exhaustive, as the report says)" if c.exhaustive else "")
            )
        if c.title:
            table.add_row("title", visible(c.title))
            table.add_row("criteria", visible(c.criteria))
        table.add_row(
            "where",
            f"characters {c.sentence.start}-{c.sentence.end}"
            + (f", section \u201c{c.sentence.section}\u201d" if c.sentence.section else ""),
        )
        parts.append(Text(""))
        heading = Text(f"{c.rank}. ", style="bold")
        heading.append(f"[{c.score:g}] ", style="dim")
        heading.append(visible(c.sentence.plain))
        parts.append(heading)
        parts.append(table)
    if limit is not None and len(candidates) > limit:
        parts.append(Text(f"\n... {len(candidates) - limit} more: --all", style="dim"))
    parts.append(
        Text(
            f"\nMake one a question: tracker source scan {source_key} --pick N --criteria TEXT; "
            f"several as drafted: --pick 1,3; all to edit in a file: --out {source_key}.md",
            style="dim",
        )
    )
    return Group(*parts)
