"""Reading other tools' exports: Fatebook, augur-cli, PredictionBook and the simple CSV."""

from __future__ import annotations

from datetime import UTC, date, datetime
from fractions import Fraction

import pytest

from tests.conftest import REPO
from tracker.domain.foreign import ForeignFile, Place, read_foreign, read_moment
from tracker.domain.interchange import ForecastRecord, QuestionRecord, ResolutionRecord
from tracker.errors import InputError

FIXTURES = REPO / "tests" / "fixtures" / "import"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def _read(tool: str, name: str, **kw: object):  # type: ignore[no-untyped-def]
    return read_foreign(tool, _text(name), importer="ani", now=NOW, **kw)  # type: ignore[arg-type]


def _files(tool: str, *named: tuple[str, str], **kw: object):  # type: ignore[no-untyped-def]
    files = [ForeignFile(name, text) for name, text in named]
    return read_foreign(tool, files, importer="ani", now=NOW, **kw)  # type: ignore[arg-type]


def _split(records):  # type: ignore[no-untyped-def]
    q = [r for r in records if isinstance(r, QuestionRecord)]
    f = [r for r in records if isinstance(r, ForecastRecord)]
    r = [r for r in records if isinstance(r, ResolutionRecord)]
    return q, f, r


def _question(records, words: str) -> QuestionRecord:  # type: ignore[no-untyped-def]
    return next(q for q in _split(records)[0] if words in q.title)


def test_fatebooks_unpadded_seconds_rubys_utc_and_offsets_are_read() -> None:
    assert read_moment("2024-03-05 14:07:5") == datetime(2024, 3, 5, 14, 7, 5, tzinfo=UTC)
    assert read_moment("2023-08-01T03:12:45.000Z") == datetime(2023, 8, 1, 3, 12, 45, tzinfo=UTC)
    assert read_moment("2026-01-05T09:12:30+02:00") == datetime(2026, 1, 5, 7, 12, 30, tzinfo=UTC)
    assert read_moment("2023-08-01 06:25:44 UTC") == datetime(2023, 8, 1, 6, 25, 44, tzinfo=UTC)


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


FATEBOOK_HEADER = (
    "Question title,Forecast created by,Forecast (scale = 0-1),Forecast created at,"
    "Question created at,Question resolve by,Resolution,Resolved at\n"
)
FATEBOOK_ROW = [
    "Q?",
    "Alice",
    "0.2",
    "2024-03-05 14:07:5",
    "2024-03-05 14:07:3",
    "2024-03-06 23:59:0",
    "YES",
    "2024-03-07 09:00:00",
]


@pytest.mark.parametrize(
    "column",
    ["Forecast created at", "Question created at", "Question resolve by", "Resolved at"],
)
@pytest.mark.parametrize("offset", ["+15:00", "-13:00", "+14:01", "+2400"])
def test_a_time_zone_offset_out_of_range_is_a_problem_of_its_row(column: str, offset: str) -> None:
    columns = FATEBOOK_HEADER.strip().split(",")
    cells = ["Another question?", *FATEBOOK_ROW[1:]]
    cells[columns.index(column)] += offset
    text = FATEBOOK_HEADER + ",".join(FATEBOOK_ROW) + "\n" + ",".join(cells) + "\n"
    converted = read_foreign("fatebook", text, importer="ani", now=NOW)
    ((row, field, why),) = [(p.row, p.field, p.why) for p in converted.problems]
    assert (row, field) == (3, column)
    assert why.endswith(f"has the time-zone offset {offset}, outside -12:00 to +14:00")


def test_an_offset_out_of_range_in_a_json_export_is_a_problem_too() -> None:
    text = _text("augur-export.json").replace(
        '"created_at": "2025-11-03T09:14:07+00:00"', '"created_at": "2025-11-03T09:14:07+23:59"'
    )
    converted = read_foreign("augur", text, importer="ani", now=NOW)
    assert [(p.row, p.field) for p in converted.problems] == [(1, "created_at")]


def test_augur_predictions_logged_after_their_deadline_and_outcome_are_read_whole() -> None:
    converted = _read("augur", "augur-export.json")
    assert converted.problems == [] and converted.rows == 8
    turnout = _question(converted.records, "Dutch general election")
    # Logged on 2026-03-15 for a deadline of 2025-10-29, resolved yes on 2025-10-30.
    assert (turnout.deadline, turnout.opened_on, turnout.created_at) == (
        date(2025, 10, 29), date(2025, 10, 29), datetime(2026, 3, 15, 20, 33, 5, tzinfo=UTC)
    )  # fmt: skip
    _, forecasts, resolutions = _split(converted.records)
    (forecast,) = [f for f in forecasts if f.question == turnout.key]
    assert forecast.made_at == datetime(2026, 3, 15, 20, 33, 5, tzinfo=UTC)  # as augur had it
    (outcome,) = [r for r in resolutions if r.question == turnout.key]
    assert (outcome.outcome, outcome.occurred_on) == ("yes", date(2025, 10, 29))
    census = _question(converted.records, "census")  # logged late, still open
    assert (census.opened_on, census.deadline) == (date(2026, 3, 1), date(2026, 3, 1))


def test_augur_void_is_annulled_open_is_unresolved_and_a_missing_deadline_is_the_outcome_day() -> (
    None
):
    converted = _read("augur", "augur-export.json")
    _, forecasts, resolutions = _split(converted.records)
    assert _question(converted.records, "ECB").tags == ("ecb", "macro")
    assert {f.forecaster for f in forecasts} == {"ani"}  # augur keeps no user name
    assert _question(converted.records, "Artemis").key in {f.question for f in forecasts}
    assert [r.outcome for r in resolutions].count("annulled") == 2
    keynote = _question(converted.records, "keynote")
    assert keynote.deadline == date(2026, 1, 20)  # no resolve_by: the day it was resolved
    brent = _question(converted.records, "Brent")
    assert brent.key not in {r.question for r in resolutions}


def test_augurs_json_and_csv_exports_give_the_same_records() -> None:
    def identities(records):  # type: ignore[no-untyped-def]
        questions, forecasts, resolutions = _split(records)
        return (
            [(q.key, q.title, q.deadline, q.opened_on, q.tags) for q in questions],
            [(f.question, f.made_at, f.probabilities, f.rationale) for f in forecasts],
            [(r.question, r.outcome, r.occurred_on, r.evidence) for r in resolutions],
        )

    from_json = _read("augur", "augur-export.json")
    from_csv = _read("augur", "augur-export.csv")
    assert from_csv.problems == []
    assert identities(from_csv.records) == identities(from_json.records)


def test_the_stored_probabilities_are_exact_fractions_with_their_complements() -> None:
    forecasts = _split(_read("augur", "augur-export.json").records)[1]
    turnout = next(f for f in forecasts if "0.8" in (f.input_text or ""))
    assert turnout.probabilities == {"yes": Fraction(4, 5), "no": Fraction(1, 5)}


def test_predictionbook_json_keeps_every_response_with_a_confidence() -> None:
    converted = _read("predictionbook", "predictionbook.json")
    assert converted.problems == [] and converted.notes == []
    questions, forecasts, resolutions = _split(converted.records)
    assert len(questions) == 5
    road = _question(converted.records, "Nakhichevan road and rail")
    assert [
        (f.forecaster, f.probabilities["yes"], f.rationale)
        for f in forecasts
        if f.question == road.key
    ] == [
        ("analyst_a", Fraction(13, 20), "Both sides signalled readiness in Sochi"),
        ("analyst_b", Fraction(11, 20), None),
    ]
    group = _question(converted.records, "Demarcation")
    # analyst_b's comment without a confidence is not a forecast.
    assert [f.forecaster for f in forecasts if f.question == group.key] == ["analyst_a"]
    brussels = _question(converted.records, "Brussels")
    (judged,) = [r for r in resolutions if r.question == brussels.key]
    # Judged right on 2021-12-15, the day before the deadline.
    assert (judged.outcome, judged.occurred_on) == ("yes", date(2021, 12, 15))


def test_predictionbook_csv_brings_questions_and_outcomes_and_no_forecasts() -> None:
    converted = _read("predictionbook", "predictionbook-mine.csv")
    assert converted.problems == [] and converted.rows == 5
    questions, forecasts, resolutions = _split(converted.records)
    assert forecasts == []  # mean_confidence is nobody's forecast
    assert any("/api/my_predictions" in note for note in converted.notes)
    assert [q.title for q in questions][1:3] == [
        "[Border mechanism by 29 May 2022] A new trilateral working group is set up",
        "[Border mechanism by 29 May 2022] Demarcation is folded into the existing trade, "
        "transport and communications group",
    ]  # each alternative of a group is its own yes/no question, titled as on the site
    assert "prediction group 318" in (questions[1].notes or "")
    assert {q.created_by for q in questions} == {"analyst_a"}
    by_title = {q.key: q.title for q in questions}
    assert sorted((by_title[r.question][:30], r.outcome, r.occurred_on) for r in resolutions) == [
        ("Armenia and Azerbaijan agree t", "no", date(2022, 5, 31)),  # judged after: deadline
        ("Pashinyan and Aliyev meet in B", "yes", date(2021, 12, 15)),  # judged before it
        ("[Border mechanism by 29 May 20", "no", date(2022, 5, 29)),
        ("[Border mechanism by 29 May 20", "no", date(2022, 5, 29)),
    ]  # the rail link is not judged yet: no resolution


def test_predictionbook_csv_and_json_describe_the_same_questions_and_outcomes() -> None:
    def identities(records):  # type: ignore[no-untyped-def]
        questions, _, resolutions = _split(records)
        return (
            sorted((q.key, q.title, q.deadline, q.opened_on, q.criteria) for q in questions),
            sorted((r.question, r.outcome, r.occurred_on, r.evidence) for r in resolutions),
        )

    csv_records = _read("predictionbook", "predictionbook-mine.csv").records
    json_records = _read("predictionbook", "predictionbook.json").records
    assert identities(csv_records) == identities(json_records)


def test_predictionbooks_uuid_is_the_key_and_its_number_stands_in_when_there_is_none() -> None:
    page = _text("predictionbook-mine-page2.csv")
    keys = {q.title[:10]: q.key for q in _split(_read("predictionbook", "predictionbook-mine-page2.csv").records)[0]}  # fmt: skip
    renumbered = page.replace(",207312,", ",999999,")  # has a uuid: the number does not matter
    keys_renumbered = {
        q.title[:10]: q.key
        for q in _split(read_foreign("predictionbook", renumbered, importer="a", now=NOW).records)[
            0
        ]
    }
    assert keys_renumbered["At least 5"] == keys["At least 5"]
    other = page.replace(",208870,", ",208871,")  # no uuid: the number is the key
    keys_other = {
        q.title[:10]: q.key
        for q in _split(read_foreign("predictionbook", other, importer="a", now=NOW).records)[0]
    }
    assert keys_other["The Lachin"] != keys["The Lachin"]


def test_a_withdrawn_prediction_is_annulled_and_an_odd_outcome_is_a_problem() -> None:
    lines = _text("predictionbook-mine.csv").splitlines()
    rail = lines[5].replace(",20,,,,2022-03-10 12:00:00 UTC,", ",20,,,,2022-04-01 10:00:00 UTC,")
    withdrawn = rail.replace(",visible_to_group,false", ",visible_to_group,true")
    text = "\n".join([lines[0], withdrawn]) + "\n"
    converted = read_foreign("predictionbook", text, importer="ani", now=NOW)
    (resolution,) = _split(converted.records)[2]
    # Withdrawn on its last change, 2022-04-01 (its deadline, 2027-01-01, is still to come).
    assert (resolution.outcome, resolution.occurred_on) == ("annulled", date(2022, 4, 1))
    odd = "\n".join([lines[0], lines[4].replace(",85,true,", ",85,right,")]) + "\n"
    problems = read_foreign("predictionbook", odd, importer="ani", now=NOW).problems
    assert [(p.row, p.field, p.why) for p in problems] == [
        (2, "outcome", "'right' is not true or false")
    ]


def test_a_csv_with_a_confidence_column_is_not_predictionbooks_export() -> None:
    text = "id,description,created_at,deadline,confidence\n1,Q,2023-01-01,2023-02-01,60\n"
    with pytest.raises(InputError, match="has a 'confidence' column, which PredictionBook never"):
        read_foreign("predictionbook", text, importer="ani", now=NOW)


def test_pages_of_an_export_are_read_together_and_a_prediction_in_two_counts_once() -> None:
    converted = _files(
        "predictionbook",
        ("page1.csv", _text("predictionbook-mine.csv")),
        ("page2.csv", _text("predictionbook-mine-page2.csv")),
        ("again.csv", _text("predictionbook-mine.csv")),
        ("api.json", _text("predictionbook.json")),
        ("api-again.json", _text("predictionbook.json")),
    )
    assert converted.problems == [] and converted.rows == 22
    questions, forecasts, resolutions = _split(converted.records)
    assert (len(questions), len(forecasts), len(resolutions)) == (7, 7, 5)
    assert converted.place(forecasts[0].line) == Place("api.json", 5)


def test_overlapping_fatebook_exports_count_each_forecast_once() -> None:
    lines = _text("fatebook.csv").split("\n")
    extra = lines[3].replace("0.4,2024-04-01 10:00:9", "0.45,2024-04-02 18:00:0")
    mine = "\n".join(lines)
    theirs = "\n".join([lines[0], extra, *lines[1:3], lines[1]])  # row 2 twice: two forecasts
    converted = _files("fatebook", ("mine.csv", mine), ("theirs.csv", theirs))
    forecasts = _split(converted.records)[1]
    assert len(forecasts) == 6  # 4 in mine, the new one, and the second copy of row 2
    alone = _split(read_foreign("fatebook", mine, importer="ani", now=NOW).records)[1]
    assert len(alone) == 4


def test_problems_in_several_files_name_their_file_and_row() -> None:
    converted = _files(
        "csv",
        ("good.csv", _text("simple.csv")),
        ("bad.csv", _text("simple-flawed.csv")),
        skip_invalid=True,
    )
    assert [(p.file, p.row, p.field) for p in converted.problems] == [
        ("bad.csv", 3, "forecast"),
        ("bad.csv", 4, "forecaster"),
        ("bad.csv", 5, "outcome"),
    ]
    # good.csv's row 4 is the same question as bad.csv's row 3: left out with it.
    assert converted.skipped_rows == [
        Place("good.csv", 4),
        Place("bad.csv", 3),
        Place("bad.csv", 4),
        Place("bad.csv", 5),
    ]
    assert str(converted.skipped_rows[0]) == "row 4 of good.csv"


def test_a_file_that_is_not_the_tools_export_is_named_when_there_are_several() -> None:
    with pytest.raises(InputError, match=r"^b\.csv: This is not Fatebook's export: no column"):
        _files("fatebook", ("a.csv", _text("fatebook.csv")), ("b.csv", "x,y\n1,2\n"))


def test_an_empty_predictionbook_page_is_noted_and_an_empty_export_refused() -> None:
    converted = _files(
        "predictionbook", ("p1.csv", _text("predictionbook-mine.csv")), ("p2.csv", "")
    )
    assert converted.rows == 5
    assert any(note.startswith("p2.csv is empty") for note in converted.notes)
    with pytest.raises(InputError, match=r"^The file is empty: PredictionBook exports an empty"):
        read_foreign("predictionbook", "", importer="ani", now=NOW)
    with pytest.raises(InputError, match=r"^The file is empty; nothing to import"):
        read_foreign("fatebook", "\n", importer="ani", now=NOW)


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


def test_a_question_whose_deadline_came_before_it_was_created_opens_on_its_deadline() -> None:
    text = FATEBOOK_HEADER + (
        "Q?,Alice,0.3,2024-05-10 09:00:0,2024-05-10 08:00:0,2024-05-01 12:00:0,NO,"
        "2024-05-12 10:00:0\n"
    )
    converted = read_foreign("fatebook", text, importer="ani", now=NOW)
    assert converted.problems == []
    (question,), _, (resolution,) = _split(converted.records)
    assert (question.opened_on, resolution.occurred_on) == (date(2024, 5, 1), date(2024, 5, 1))


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
    assert [p.row for p in skipping.skipped_rows] == [3, 4, 5, 6]
    assert [r.title for r in _split(skipping.records)[0]] == ["Fine?"]


@pytest.mark.parametrize(
    ("tool", "text", "message"),
    [
        ("fatebook", "a,b\n1,2\n", "This is not Fatebook's export: no column"),
        ("augur", "[{]", "Not JSON"),
        ("augur", "a,b\n1,2\n", "This is not augur-cli's export (JSON, or CSV with a header)"),
        ("predictionbook", "x,y\n1,2\n", "This is not PredictionBook's CSV export: no column"),
        ("predictionbook", "{}", "This is not PredictionBook's export"),
        ("metaculus", "", "--from 'metaculus': use fatebook, augur, predictionbook, csv"),
    ],
)
def test_a_file_of_another_kind_is_refused(tool: str, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_foreign(tool, text, importer="ani", now=NOW)
