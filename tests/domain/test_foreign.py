"""Reading other tools' exports: Fatebook, augur-cli, PredictionBook and the simple CSV."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tests.conftest import REPO
from tracker.domain.foreign import read_foreign, read_moment
from tracker.domain.interchange import ForecastRecord, QuestionRecord, ResolutionRecord
from tracker.errors import InputError

FIXTURES = REPO / "tests" / "fixtures" / "import"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _read(tool: str, name: str, **kw: object):  # type: ignore[no-untyped-def]
    text = (FIXTURES / name).read_text(encoding="utf-8")
    return read_foreign(tool, text, importer="ani", now=NOW, **kw)  # type: ignore[arg-type]


def _split(records):  # type: ignore[no-untyped-def]
    q = [r for r in records if isinstance(r, QuestionRecord)]
    f = [r for r in records if isinstance(r, ForecastRecord)]
    r = [r for r in records if isinstance(r, ResolutionRecord)]
    return q, f, r


def test_fatebooks_unpadded_seconds_and_offsets_are_read() -> None:
    assert read_moment("2024-03-05 14:07:5") == datetime(2024, 3, 5, 14, 7, 5, tzinfo=UTC)
    assert read_moment("2023-08-01T03:12:45.000Z") == datetime(2023, 8, 1, 3, 12, 45, tzinfo=UTC)
    assert read_moment("2026-01-05T09:12:30+02:00") == datetime(2026, 1, 5, 7, 12, 30, tzinfo=UTC)


def test_fatebook_rows_become_questions_forecasts_and_resolutions() -> None:
    converted = _read("fatebook", "fatebook.csv")
    assert converted.problems == [] and converted.rows == 4
    questions, forecasts, resolutions = _split(converted.records)
    titles = [q.title for q in questions]
    assert titles == [
        "Will it rain in London tomorrow?",
        "Will the Q2 launch slip, again?",
        "Which city hosts the offsite?: Lisbon",  # a multiple-choice option: its own question
    ]
    rain = questions[0]
    assert (rain.deadline, rain.opened_on, rain.slug.startswith("fatebook-")) == (
        date(2024, 3, 6), date(2024, 3, 5), True
    )  # fmt: skip
    assert [(f.forecaster, f.made_at, float(f.probabilities["yes"])) for f in forecasts[:2]] == [
        ("Alice", datetime(2024, 3, 5, 14, 7, 5, tzinfo=UTC), 0.7),
        ("Alice", datetime(2024, 3, 5, 20, 30, 12, tzinfo=UTC), 0.85),
    ]
    assert forecasts[0].input_text == "fatebook row 2: 0.7"
    assert [(r.question, r.outcome) for r in resolutions] == [
        (rain.key, "yes"),
        (questions[2].key, "no"),
    ]
    assert resolutions[0].occurred_on == date(2024, 3, 6)  # resolved the next day: the deadline


def test_augur_void_is_annulled_and_open_is_unresolved() -> None:
    converted = _read("augur", "augur.json")
    assert converted.problems == []
    questions, forecasts, resolutions = _split(converted.records)
    assert questions[0].tags == ("crypto", "macro")
    assert [f.forecaster for f in forecasts] == ["ani"] * 4  # augur keeps no user name
    assert forecasts[2].rationale == 'said "80%", too sure'
    assert {r.outcome for r in resolutions} == {"yes", "no", "annulled"}
    void = next(q for q in questions if "keynote" in q.title)
    assert void.deadline == date(2026, 4, 1)  # no resolve_by: the day it was resolved


def test_predictionbook_json_keeps_every_response_with_a_confidence() -> None:
    converted = _read("predictionbook", "predictionbook.json")
    assert converted.problems == []
    questions, forecasts, resolutions = _split(converted.records)
    assert len(questions) == 2
    assert [(f.forecaster, float(f.probabilities["yes"])) for f in forecasts] == [
        ("alice", 0.3),
        ("alice", 0.7),
        ("alice", 0.6),
    ]  # bob's comment without a confidence is not a forecast
    (resolved,) = resolutions
    assert (resolved.outcome, resolved.occurred_on) == ("yes", date(2023, 9, 1))


def test_predictionbook_csv_is_read_by_header_names() -> None:
    converted = _read("predictionbook", "predictionbook.csv")
    questions, forecasts, resolutions = _split(converted.records)
    assert [float(f.probabilities["yes"]) for f in forecasts] == [0.3, 0.65]
    assert [r.outcome for r in resolutions] == ["yes"]
    json_keys = {q.key for q in _split(_read("predictionbook", "predictionbook.json").records)[0]}
    assert {q.key for q in questions} == json_keys  # the same predictions, whichever export


def test_the_simple_csv_reads_words_tags_and_forecasters() -> None:
    converted = _read("csv", "simple.csv")
    questions, forecasts, resolutions = _split(converted.records)
    assert questions[0].tags == ("caucasus", "ceasefire")
    assert [(f.forecaster, float(f.probabilities["yes"])) for f in forecasts] == [
        ("ani", 0.7),
        ("tom", 0.4),
        ("ani", 0.675),
    ]
    assert [(r.outcome, r.occurred_on) for r in resolutions] == [("yes", date(2022, 3, 31))]


def test_problems_are_reported_by_row_and_field() -> None:
    text = (
        "question,forecast,made_on,deadline,outcome\n"
        "Fine?,70%,2022-01-10,2022-03-31,yes\n"
        ",50%,2022-01-10,2022-03-31,\n"
        "Too sure?,150%,2022-01-10,2022-03-31,\n"
        "Later?,30%,2030-01-01,2030-03-31,\n"
        "Odd?,30%,2022-01-10,2022-03-31,maybe\n"
    )
    converted = read_foreign("csv", text, importer="ani", now=NOW)
    assert [(p.row, p.field) for p in converted.problems] == [
        (3, "question"),
        (4, "forecast"),
        (5, "made_on"),
        (6, "outcome"),
    ]
    skipping = read_foreign("csv", text, importer="ani", now=NOW, skip_invalid=True)
    assert skipping.skipped_rows == [3, 4, 5, 6]
    assert [r.title for r in _split(skipping.records)[0]] == ["Fine?"]


@pytest.mark.parametrize(
    ("tool", "text", "message"),
    [
        ("fatebook", "a,b\n1,2\n", "This is not Fatebook's export: no column"),
        ("augur", "{}", "This is not augur-cli's export"),
        ("predictionbook", "x,y\n1,2\n", "This is not a PredictionBook CSV"),
        ("metaculus", "", "--from 'metaculus': use fatebook, augur, predictionbook, csv"),
    ],
)
def test_a_file_of_another_kind_is_refused(tool: str, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_foreign(tool, text, importer="ani", now=NOW)
