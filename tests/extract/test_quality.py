"""The labelled corpus and the quality figures computed on it (tests/extract/quality.py)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from tests.extract.quality import (
    CORPUS,
    HELD_OUT,
    Label,
    label_problems,
    load,
    measure,
    misses,
    table,
)
from tracker.domain.expectations import (
    OTHER_OUTCOME,
    SuggestedDeadline,
    SuggestedProbability,
)


@pytest.mark.parametrize("corpus", [CORPUS, HELD_OUT], ids=["development", "held-out"])
def test_every_label_parses_and_names_exactly_one_sentence(corpus: Path) -> None:
    reports = load(corpus)
    assert reports and all(report.labels for report in reports)
    assert label_problems(reports) == []


@pytest.mark.parametrize("corpus", [CORPUS, HELD_OUT], ids=["development", "held-out"])
def test_each_part_of_the_corpus_spans_several_kinds_of_report(corpus: Path) -> None:
    reports = load(corpus)
    kinds = {r.kind for r in reports}
    assert len(kinds) >= 3, kinds
    assert any(label.options for r in reports for label in r.labels)  # a scenario set
    for report in reports:
        assert report.path.is_file() and report.yardstick in ("icd203", "phia")


def test_a_malformed_label_is_refused_with_where_it_is() -> None:
    good = {
        "starts": "Alpha",
        "deadline": "2024-03-31",
        "probability": [0.55, 0.8],
        "stance": "forecast",
        "options": None,
        "exhaustive": False,
    }
    assert Label.parse(good, "x").deadline == date(2024, 3, 31)
    for bad in (
        {**good, "stance": "hope"},
        {**good, "deadline": "soon"},
        {**good, "probability": [0.8, 0.55]},
        {**good, "options": ["only one"]},
        {k: v for k, v in good.items() if k != "stance"},
    ):
        with pytest.raises(ValueError, match=r"a\.txt label 2"):
            Label.parse(bad, "a.txt label 2")


# --- the metrics on a tiny synthetic corpus, with a stand-in extractor -------------------------

A_TEXT = (
    "Alpha will happen by March 2024. Beta is likely. Gamma happened. Delta may occur. "
    "Two scenarios: X, or Y. Zeta could follow in 2026.\n"
)
B_HTML = "<html><body><p>Epsilon will end in 2025.</p></body></html>\n"


def _label(starts: str, deadline: str, probability: Any, stance: str = "forecast",
           options: Any = None, exhaustive: bool = False, **extra: str) -> dict[str, Any]:  # fmt: skip
    return {"starts": starts, "deadline": deadline, "probability": probability, "stance": stance,
            "options": options, "exhaustive": exhaustive, **extra}  # fmt: skip


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    (tmp_path / "a.txt").write_text(A_TEXT, encoding="utf-8")
    (tmp_path / "b.html").write_text(B_HTML, encoding="utf-8")
    labels = {
        "_about": "synthetic",
        "a.txt": {
            "published": "2024-01-01", "kind": "risk brief", "yardstick": "icd203",
            "expectations": [
                _label("Alpha will", "2024-03-31", [0.8, 0.95]),
                _label("Beta is", "vague", [0.55, 0.8]),
                _label("Delta may", "ask", None, stance="conditional"),
                _label("Two scenarios", "ask", None, options=["X", "Y"]),
                _label("Zeta could", "2026-12-31", [0.2, 0.55]),
            ],
        },
        "b.html": {
            "published": "2024-06-01", "kind": "central-bank statement", "yardstick": "phia",
            "expectations": [_label("Epsilon will", "2025-12-31", [0.8, 0.95])],
        },
    }  # fmt: skip
    (tmp_path / "labels.json").write_text(json.dumps(labels), encoding="utf-8")
    return tmp_path


def _candidate(plain: str, day: date | None = None, vague: bool = False,
               p: tuple[float, float] | None = None, **extra: Any) -> SimpleNamespace:  # fmt: skip
    deadline = None if day is None and not vague else SuggestedDeadline(day, "phrase", vague)
    probability = None if p is None else SuggestedProbability(p[0], p[1], "words", "label")
    return SimpleNamespace(
        sentence=SimpleNamespace(plain=plain),
        deadline=deadline,
        probability=probability,
        options=extra.pop("options", ()),
        **extra,
    )


CANDIDATES = {
    "a": [
        _candidate("Gamma happened."),  # not an expectation
        _candidate("Alpha will happen by March 2024.", date(2024, 3, 31), p=(0.804, 0.95)),
        _candidate("Beta is likely.", date(2024, 4, 1), vague=True, p=(0.55, 0.79)),
        # before issue 15: no stance (a forecast), no exhaustive (OTHER_OUTCOME closes the set)
        _candidate("Two scenarios: X, or Y.", options=("X", "Y", OTHER_OUTCOME)),
        _candidate("Delta may occur.", p=(0.2, 0.55)),
    ],
    "b": [
        _candidate(
            "Epsilon will end in 2025.", date(2025, 6, 30), p=(0.8, 0.95), stance="conditional"
        ),
    ],
}


def test_the_figures_on_a_tiny_corpus_are_the_ones_counted_by_hand(tiny: Path) -> None:
    seen: list[tuple[str, str]] = []

    def scan(text: str, *, published: date) -> list[SimpleNamespace]:
        seen.append((text, str(published)))
        return CANDIDATES["b" if "Epsilon" in text else "a"]

    quality = measure(tiny, scan=scan)
    # the HTML report reached the extractor as text, each with its label's publication date
    assert seen[0] == (A_TEXT, "2024-01-01")
    assert seen[1][0].strip() == "Epsilon will end in 2025." and seen[1][1] == "2024-06-01"
    assert (quality.reports, quality.labels) == (2, 6)
    # 6 candidates, 5 of them labelled; 6 labels, Zeta not among the candidates
    assert (quality.precision.right, quality.precision.total) == (5, 6)
    assert (quality.recall.right, quality.recall.total) == (5, 6)
    # Alpha right, Epsilon 30 June instead of 31 December; Beta marked vague; Two and Delta no day
    assert (quality.dated.right, quality.dated.total) == (1, 2)
    assert (quality.vague.right, quality.vague.total) == (1, 1)
    assert (quality.ask.right, quality.ask.total) == (2, 2)
    # Alpha within 0.005; Beta 0.79 is 0.01 off; Epsilon has the range but is not credited
    assert (quality.probability.right, quality.probability.total) == (1, 3)
    # Delta is conditional, the candidate (no stance) a forecast
    assert (quality.stance.right, quality.stance.total) == (0, 1)
    assert (quality.scenario_sets.right, quality.scenario_sets.total) == (1, 1)
    assert quality.recall.misses == ["a.txt: Zeta could (not in the top 10)"]
    rows = table([("tiny", quality)]).splitlines()
    assert rows[2].startswith("| tiny | 2 | 6 | 0.83 (5/6) | 0.83 (5/6) | 0.50 (1/2) |")
    assert "- a.txt: Delta may: conditional, got forecast" in misses("tiny", quality)


def test_only_the_top_ten_count_and_a_short_list_counts_what_it_has(tiny: Path) -> None:
    padding = [_candidate(f"Filler {n}.") for n in range(9)]

    def scan(text: str, *, published: date) -> list[SimpleNamespace]:
        a = CANDIDATES["a"]
        return [] if "Epsilon" in text else [*padding, a[1], *a[2:]]

    quality = measure(tiny, scan=scan)
    # a.txt: 9 fillers and Alpha make the top 10; b.html: no candidate at all
    assert (quality.precision.right, quality.precision.total) == (1, 10)
    assert (quality.recall.right, quality.recall.total) == (1, 6)


def test_a_scenario_set_must_be_one_candidate_with_every_option(tiny: Path) -> None:
    def scan(text: str, *, published: date, yardstick: Any = None) -> list[SimpleNamespace]:
        two = _candidate("Two scenarios: X, or Y.", options=("X", "Y"), exhaustive=True)
        return [two, _candidate("Epsilon will end in 2025.", stance="forecast")]

    quality = measure(tiny, scan=scan)
    # exhaustive where the label wants "none of these" last
    assert (quality.scenario_sets.right, quality.scenario_sets.total) == (0, 1)


def test_the_yardstick_of_each_report_is_passed_when_the_extractor_takes_one(tiny: Path) -> None:
    given: list[str] = []

    def scan(text: str, *, published: date, yardstick: Any = None) -> list[SimpleNamespace]:
        given.append(yardstick.key)
        return []

    measure(tiny, scan=scan)
    assert given == ["icd203", "phia"]


def test_a_label_must_start_one_sentence_unless_it_records_a_split_issue(tmp_path: Path) -> None:
    (tmp_path / "c.md").write_text(
        "## Outlook\nPrices will fall in May.\n\nRates will rise in May. Rates will rise in June. "
        "Wages, e.g. in May. will climb.\n",
        encoding="utf-8",
    )
    labels = {
        "c.md": {
            "published": "2024-01-01",
            "expectations": [
                _label("Rates will rise", "ask", None),  # starts two sentences
                _label("Prices will fall", "2024-05-31", None),  # the heading is apart
                _label("Prices will fall", "2024-05-31", None, split_issue="glued"),  # no more
                _label("Rates will rise in June", "2024-06-30", None),
                _label("will climb", "2024-05-31", None),  # inside a sentence, not its start
                _label("will climb", "2024-05-31", None, split_issue="not at a start"),
            ],
        }
    }
    (tmp_path / "labels.json").write_text(json.dumps(labels), encoding="utf-8")
    problems = label_problems(load(tmp_path))
    assert problems == [
        "c.md: 'Rates will rise' starts 2 sentences",
        "c.md: 'Prices will fall' is split right now: drop split_issue",
        "c.md: 'will climb' starts 0 sentences",
    ]


def test_docs_show_what_the_extractor_measures_now() -> None:
    """docs/extraction.md's "after" rows are what quality.py prints for this extractor (and its
    "before" rows are BEFORE.md's), so the page cannot drift from the code."""
    from tests.extract.quality import CORPUS, HELD_OUT, measure, table

    def rows(markdown: str, tag: str) -> list[str]:
        out = []
        for line in markdown.splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if cells[0] in ("development", "held out"):
                out.append(" | ".join([tag, cells[0], *cells[3:]]))
        return out

    docs = (Path(__file__).parents[2] / "docs" / "extraction.md").read_text(encoding="utf-8")
    shown = [
        " | ".join(c.strip() for c in line.strip().strip("|").split("|"))
        for line in docs.splitlines()
        if line.startswith(("| before |", "| after |"))
    ]
    now = table([("development", measure(CORPUS)), ("held out", measure(HELD_OUT))])
    before = (CORPUS / "BEFORE.md").read_text(encoding="utf-8")
    assert shown == rows(before, "before") + rows(now, "after")
    assert len(shown) == 4
