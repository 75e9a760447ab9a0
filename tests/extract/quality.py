"""How well the expectation extractor reads the labelled corpus in corpus/ (and corpus/held-out/).

    python -m tests.extract.quality      # prints the table that docs/extraction.md shows
    python -m tests.extract.quality --development     # for tuning: reads no held-out report

Per report, the top 10 candidates of `scan_text` (fewer if it finds fewer) are compared with the
hand labels of `labels.json`: a candidate matches a label when its sentence starts with the
label's first words (spaces collapsed, curly quotes made straight). The figures:

- precision@10: candidates in the top 10 that match a label / candidates in the top 10;
- recall@10: labels matched in the top 10 / the sum over reports of min(10, labels);
- deadlines, over matched labels: a dated label is right when the suggested day is that day; a
  "vague" one when the suggestion is marked vague; an "ask" one when no day is suggested;
- probability, over matched labels the report forecasts with a probability: the candidate is
  credited to the report and its range is the label's within 0.005 at both ends;
- stance, over matched labels marked conditional, intention or disclaimed: the candidate says so;
- scenario sets, over labels with options: the matched candidate is one multiple-choice question
  with that many named options, and a "none of these" option last exactly when the label's set
  is not exhaustive.

It works with extractors before and after issue 15: a candidate without `stance` is a forecast,
one without `exhaustive` is exhaustive unless its last option is `OTHER_OUTCOME`, and `scan_text`
is given the report's yardstick only when it takes one.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).parent / "corpus"
HELD_OUT = CORPUS / "held-out"
TOP = 10
TOLERANCE = 0.005
STANCES = ("forecast", "conditional", "intention", "disclaimed")
_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"', "\u2018": "'", "\u2019": "'"})


def normalise(text: str) -> str:
    """Spaces collapsed and curly quotes made straight (how labels and sentences are compared)."""
    return " ".join(text.translate(_QUOTES).split())


@dataclass(frozen=True)
class Label:
    """One labelled expectation of a report."""

    starts: str
    deadline: date | str  # a day, "vague" or "ask"
    probability: tuple[float, float] | None
    stance: str
    options: tuple[str, ...] | None
    exhaustive: bool
    split_issue: str = ""

    @classmethod
    def parse(cls, raw: dict[str, Any], where: str) -> Label:
        """A label from its JSON form; ValueError naming `where` when it is malformed."""
        try:
            starts = str(raw["starts"])
            deadline_text = str(raw["deadline"])
            deadline: date | str = (
                deadline_text
                if deadline_text in ("vague", "ask")
                else date.fromisoformat(deadline_text)
            )
            p = raw["probability"]
            probability = None if p is None else (float(p[0]), float(p[1]))
            stance = str(raw["stance"])
            options = None if raw["options"] is None else tuple(str(o) for o in raw["options"])
            exhaustive = bool(raw["exhaustive"])
        except (KeyError, TypeError, ValueError, IndexError) as error:
            raise ValueError(f"{where}: malformed label: {error}") from error
        if stance not in STANCES:
            raise ValueError(f"{where}: stance {stance!r} is not one of {', '.join(STANCES)}")
        if probability is not None and not 0 <= probability[0] <= probability[1] <= 1:
            raise ValueError(f"{where}: probability {probability} is not a range within 0-1")
        if options is not None and len(options) < 2:
            raise ValueError(f"{where}: a scenario set needs at least two options")
        return cls(
            starts, deadline, probability, stance, options, exhaustive, raw.get("split_issue", "")
        )


@dataclass(frozen=True)
class Report:
    """A labelled report of the corpus."""

    name: str
    path: Path
    published: date
    kind: str
    yardstick: str
    labels: tuple[Label, ...]

    def text(self) -> str:
        """The report's text as `tracker source add` reads it (HTML made text)."""
        raw = self.path.read_text(encoding="utf-8")
        if self.path.suffix.lower() in (".html", ".htm"):
            from tracker.extract.html import html_to_text

            return html_to_text(raw)[0]
        return raw


def load(corpus: Path = CORPUS) -> list[Report]:
    """The reports of `corpus`/labels.json, in the file's order."""
    entries = json.loads((corpus / "labels.json").read_text(encoding="utf-8"))
    reports = []
    for name, entry in entries.items():
        if name.startswith("_"):
            continue
        labels = tuple(
            Label.parse(raw, f"{name} label {n}")
            for n, raw in enumerate(entry["expectations"], start=1)
        )
        reports.append(
            Report(
                name,
                (corpus / name).resolve(),
                date.fromisoformat(entry["published"]),
                entry.get("kind", ""),
                entry.get("yardstick", "icd203"),
                labels,
            )
        )
    return reports


def label_problems(reports: Sequence[Report]) -> list[str]:
    """Labels that do not name exactly one sentence of their report (as split_sentences splits
    it). A label with a `split_issue` must instead lie inside exactly one sentence."""
    from tracker.extract.sentences import split_sentences

    problems = []
    for report in reports:
        sentences = [normalise(s.plain) for s in split_sentences(report.text())]
        for label in report.labels:
            starts = normalise(label.starts)
            at_start = sum(s.startswith(starts) for s in sentences)
            inside = sum(starts in s for s in sentences)
            if label.split_issue:
                if at_start == 1:
                    problems.append(
                        f"{report.name}: {starts!r} is split right now: drop split_issue"
                    )
                elif inside != 1:
                    problems.append(f"{report.name}: {starts!r} lies in {inside} sentences")
            elif at_start != 1:
                problems.append(f"{report.name}: {starts!r} starts {at_start} sentences")
    return problems


@dataclass
class Ratio:
    """right of total, with the misses named."""

    right: int = 0
    total: int = 0
    misses: list[str] = field(default_factory=list)

    def add(self, ok: bool, miss: str) -> None:
        self.total += 1
        if ok:
            self.right += 1
        else:
            self.misses.append(miss)

    @property
    def value(self) -> float | None:
        return self.right / self.total if self.total else None

    def cell(self) -> str:
        value = self.value
        return "-" if value is None else f"{value:.2f} ({self.right}/{self.total})"


@dataclass
class Quality:
    """The figures for one corpus."""

    reports: int = 0
    labels: int = 0
    precision: Ratio = field(default_factory=Ratio)  # over candidates in the top 10
    recall: Ratio = field(default_factory=Ratio)  # over min(10, labels) per report
    dated: Ratio = field(default_factory=Ratio)
    vague: Ratio = field(default_factory=Ratio)
    ask: Ratio = field(default_factory=Ratio)
    probability: Ratio = field(default_factory=Ratio)
    stance: Ratio = field(default_factory=Ratio)
    scenario_sets: Ratio = field(default_factory=Ratio)


Scan = Callable[..., Sequence[Any]]


def _scanner() -> Scan:
    from tracker.extract.expectations import scan_text

    return scan_text


def _scan(scan: Scan, report: Report) -> list[Any]:
    """The report's candidates, given its yardstick when the extractor takes one."""
    kwargs: dict[str, Any] = {"published": report.published}
    if "yardstick" in inspect.signature(scan).parameters:
        from tracker.domain.yardsticks import get_yardstick

        kwargs["yardstick"] = get_yardstick(report.yardstick)
    return list(scan(report.text(), **kwargs))


def _named_options(candidate: Any) -> tuple[tuple[str, ...], bool]:
    """A candidate's named options and whether they are exhaustive (no "none of these" last)."""
    options = tuple(getattr(candidate, "options", ()) or ())
    exhaustive = getattr(candidate, "exhaustive", None)
    if exhaustive is None:  # before issue 15: OTHER_OUTCOME closes a set that is not exhaustive
        from tracker.domain.expectations import OTHER_OUTCOME

        exhaustive = not (options and options[-1] == OTHER_OUTCOME)
    return (options if exhaustive else options[:-1]), bool(exhaustive)


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= TOLERANCE


def measure(corpus: Path = CORPUS, *, scan: Scan | None = None) -> Quality:
    """Run the extractor (`scan`, default `scan_text`) over every report of `corpus`."""
    scan = scan or _scanner()
    quality = Quality()
    for report in load(corpus):
        quality.reports += 1
        quality.labels += len(report.labels)
        top = _scan(scan, report)[:TOP]
        wanted = [normalise(label.starts) for label in report.labels]
        matched: dict[int, Any] = {}  # label index -> its first candidate in the top 10
        for candidate in top:
            plain = normalise(candidate.sentence.plain)
            hits = [i for i, starts in enumerate(wanted) if plain.startswith(starts)]
            quality.precision.add(bool(hits), f"{report.name}: not an expectation: {plain[:80]}")
            for i in hits:
                matched.setdefault(i, candidate)
        quality.recall.total += min(TOP, len(report.labels))
        quality.recall.right += min(TOP, len(matched))
        for i, label in enumerate(report.labels):
            where = f"{report.name}: {label.starts[:60]}"
            candidate = matched.get(i)
            if candidate is None:
                quality.recall.misses.append(f"{where} (not in the top {TOP})")
                continue
            _grade(quality, label, candidate, where)
    return quality


def _grade(quality: Quality, label: Label, candidate: Any, where: str) -> None:
    """Add one matched label's deadline, probability, stance and options to the figures."""
    deadline = candidate.deadline
    day = deadline.day if deadline is not None else None
    said = "none" if day is None else f"{day}{' (vague)' if deadline.vague else ''}"
    if label.deadline == "ask":
        quality.ask.add(day is None, f"{where}: ask, got {said}")
    elif label.deadline == "vague":
        quality.vague.add(day is not None and deadline.vague, f"{where}: vague, got {said}")
    else:
        quality.dated.add(day == label.deadline, f"{where}: {label.deadline}, got {said}")
    stance = getattr(candidate, "stance", "forecast")
    if label.stance == "forecast" and label.probability is not None:
        p = candidate.probability
        low, high = label.probability
        right = (
            stance == "forecast" and p is not None and _close(p.low, low) and _close(p.high, high)
        )
        got = "none" if p is None else f"{p.low:.3g}-{p.high:.3g}"
        quality.probability.add(right, f"{where}: {low:.3g}-{high:.3g}, got {got} ({stance})")
    if label.stance != "forecast":
        quality.stance.add(stance == label.stance, f"{where}: {label.stance}, got {stance}")
    if label.options is not None:
        named, exhaustive = _named_options(candidate)
        quality.scenario_sets.add(
            len(named) == len(label.options) and exhaustive == label.exhaustive,
            f"{where}: {len(label.options)} options"
            f"{'' if label.exhaustive else ' + none of these'}, got {len(named)}"
            f"{'' if exhaustive or not named else ' + none of these'}",
        )


COLUMNS = (
    ("reports", None),
    ("labels", None),
    ("precision@10", "precision"),
    ("recall@10", "recall"),
    ("deadline: dated", "dated"),
    ("vague", "vague"),
    ("ask", "ask"),
    ("probability", "probability"),
    ("stance", "stance"),
    ("scenario sets", "scenario_sets"),
)


def table(rows: Sequence[tuple[str, Quality]]) -> str:
    """The figures as a Markdown table, one row per corpus."""
    lines = [
        "| corpus | " + " | ".join(name for name, _ in COLUMNS) + " |",
        "| --- " * (len(COLUMNS) + 1) + "|",
    ]
    for name, quality in rows:
        cells = [str(quality.reports), str(quality.labels)]
        cells += [getattr(quality, attr).cell() for _, attr in COLUMNS[2:] if attr]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def misses(name: str, quality: Quality) -> list[str]:
    """Every miss of one corpus, grouped by figure, as Markdown list lines."""
    lines = []
    for title, attr in COLUMNS[2:]:
        ratio: Ratio = getattr(quality, attr)
        if ratio.misses:
            lines.append(f"\n{name}, {title} misses:\n")
            lines += [f"- {miss}" for miss in ratio.misses]
    return lines


def main(argv: Sequence[str] | None = None) -> None:
    """Print the table, then the misses: of the development part only unless --held-out-misses
    (whoever tunes the extractor runs --development, which reads nothing of the held-out part)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m tests.extract.quality")
    parser.add_argument("--development", action="store_true", help="the development part only")
    parser.add_argument("--held-out-misses", action="store_true", help="list held-out misses too")
    args = parser.parse_args(argv)
    rows = [("development", measure(CORPUS))]
    if not args.development:
        rows.append(("held out", measure(HELD_OUT)))
    print(table(rows))
    for name, quality in rows:
        if name == "development" or args.held_out_misses:
            for line in misses(name, quality):
                print(line)


if __name__ == "__main__":
    main()
