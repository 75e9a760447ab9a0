"""JSON Lines export and import: lossless round trip, idempotent, all or nothing."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import AFTER_EXAMPLE, EXAMPLE, NOW, REPO
from tracker.errors import ConflictError, InputError
from tracker.services.interchange import export_lines, import_file
from tracker.services.ledger import add_question, record_forecast, resolve_question
from tracker.services.workspace import unit_of_work
from tracker.storage.database import HEAD, schema_state


def _export(url: str) -> list[str]:
    with unit_of_work(url, write=False, now=NOW) as session:
        return list(export_lines(session=session))


def _import(url: str, path: Path, *, dry_run: bool = False) -> object:
    return import_file(url=url, path=path, importer="ani", now=AFTER_EXAMPLE, dry_run=dry_run)


def test_export_import_export_is_byte_identical(tmp_path: Path, db_url: str) -> None:
    _import(db_url, EXAMPLE)
    first = _export(db_url)
    exported = tmp_path / "export.jsonl"
    exported.write_text("".join(line + "\n" for line in first), encoding="utf-8")
    other = f"sqlite:///{tmp_path / 'other.db'}"
    _import(other, exported)
    assert _export(other) == first


def test_importing_the_same_file_twice_adds_nothing(db_url: str) -> None:
    first = _import(db_url, EXAMPLE)
    before = _export(db_url)
    second = _import(db_url, EXAMPLE)
    assert (first.questions, first.forecasts, first.resolutions) == (6, 49, 5)  # type: ignore[attr-defined]
    assert second.added == 0  # type: ignore[attr-defined]
    assert second.unchanged == len(before)  # type: ignore[attr-defined]
    assert _export(db_url) == before


def test_a_bad_line_writes_nothing(tmp_path: Path, db_url: str) -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    broken = json.loads(lines[-1])
    broken["outcome"] = "perhaps"
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join([*lines[:-1], json.dumps(broken)]) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=rf"line {len(lines)}: outcome 'perhaps' is not an option"):
        _import(db_url, bad)
    assert not (tmp_path / "forecasts.db").exists() or _export(db_url) == []


def test_a_malformed_line_is_named(tmp_path: Path, db_url: str) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"type": "question", "id": "x"\n', encoding="utf-8")
    with pytest.raises(InputError, match="line 1: not valid JSON"):
        _import(db_url, bad)


def test_probabilities_that_do_not_cover_the_options_are_refused(
    tmp_path: Path, db_url: str
) -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    index = next(i for i, line in enumerate(lines) if '"type": "forecast"' in line)
    forecast = json.loads(lines[index])
    forecast["probabilities"] = {"maybe": 0.5, "no": 0.5}
    lines[index] = json.dumps(forecast)
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=rf"line {index + 1}: the probabilities must cover"):
        _import(db_url, bad)


def test_dry_run_writes_nothing_and_creates_no_file(isolated_database: Path, db_url: str) -> None:
    result = _import(db_url, EXAMPLE, dry_run=True)
    assert result.forecasts == 49  # type: ignore[attr-defined]
    assert not isolated_database.exists()


def test_bundled_example_database_matches_its_source_and_is_current(tmp_path: Path) -> None:
    copy = tmp_path / "committed.db"
    shutil.copyfile(REPO / "forecasts.db", copy)  # never open the repository's own file
    committed = f"sqlite:///{copy}"
    assert schema_state(committed).revision == HEAD
    rebuilt = f"sqlite:///{tmp_path / 'rebuilt.db'}"
    _import(rebuilt, EXAMPLE)
    assert _export(committed) == _export(rebuilt)


def test_a_source_without_text_or_slug_is_imported_once(tmp_path: Path, db_url: str) -> None:
    lines = [
        {"type": "source", "id": "1", "title": "Briefing", "url": "https://example.org/b"},
        {
            "type": "question",
            "id": "talks",
            "title": "Talks resume",
            "kind": "binary",
            "options": ["yes", "no"],
            "deadline": "2022-01-31",
            "opened_on": "2021-11-01",
            "criteria": "Both delegations meet.",
            "source": "1",
        },
        {
            "type": "resolution",
            "question": "talks",
            "outcome": "Yes",
            "occurred_on": "2021-12-01",
        },
    ]
    path = tmp_path / "one.jsonl"
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    _import(db_url, path)
    again = _import(db_url, path)
    assert again.added == 0  # type: ignore[attr-defined]
    exported = [json.loads(line) for line in _export(db_url)]
    assert [r["type"] for r in exported] == ["source", "question", "resolution"]
    assert exported[-1]["outcome"] == "yes"


def _round_trip(db_url: str, tmp_path: Path) -> tuple[list[str], list[str]]:
    first = _export(db_url)
    exported = tmp_path / "export.jsonl"
    exported.write_text("".join(line + "\n" for line in first), encoding="utf-8")
    other = f"sqlite:///{tmp_path / 'other.db'}"
    _import(other, exported)
    _import(other, exported)  # and a second time adds nothing
    return first, _export(other)


def test_an_amendment_trail_that_returns_to_the_first_outcome_survives(
    tmp_path: Path, db_url: str
) -> None:
    with unit_of_work(db_url, write=True, now=NOW) as session:
        add_question(
            session=session, title="T", criteria="C", deadline="+1m", created_by="a", now=NOW
        )
        for outcome, amend in (("yes", False), ("no", True), ("yes", True)):
            resolve_question(
                session=session,
                question="1",
                outcome=outcome,
                resolver="a",
                now=NOW,
                evidence=f"E {outcome}" if amend else "E",
                amend=amend,
            )
    first, second = _round_trip(db_url, tmp_path)
    assert second == first
    assert [json.loads(line)["outcome"] for line in second if '"resolution"' in line] == [
        "yes",
        "no",
        "yes",
    ]


def test_identical_questions_without_slugs_stay_apart(tmp_path: Path, db_url: str) -> None:
    with unit_of_work(db_url, write=True, now=NOW) as session:
        for who in ("ani", "tom"):
            add_question(
                session=session,
                title="Same",
                criteria="C",
                deadline="+1m",
                created_by=who,
                now=NOW,
                forecast=["60%"],
            )
    first, second = _round_trip(db_url, tmp_path)
    assert second == first
    assert sum('"type": "question"' in line for line in second) == 2


def test_text_with_unicode_line_separators_round_trips(tmp_path: Path, db_url: str) -> None:
    criteria = "Talks\u2028resume\u2029soon\r\n\tor not?"
    with unit_of_work(db_url, write=True, now=NOW) as session:
        add_question(
            session=session, title="T", criteria=criteria, deadline="+1m", created_by="a", now=NOW
        )
    first, second = _round_trip(db_url, tmp_path)
    assert second == first
    assert json.loads(second[0])["criteria"] == criteria


def test_forecasts_differing_only_in_rationale_are_both_kept(tmp_path: Path, db_url: str) -> None:
    with unit_of_work(db_url, write=True, now=NOW) as session:
        add_question(
            session=session, title="T", criteria="C", deadline="+1m", created_by="a", now=NOW
        )
        for why in ("first reason", "second reason"):
            record_forecast(
                session=session,
                question="1",
                probability=["60%"],
                forecaster="ani",
                now=NOW,
                rationale=why,
            )
    first, second = _round_trip(db_url, tmp_path)
    assert second == first
    assert sum('"type": "forecast"' in line for line in second) == 2


def test_a_file_with_a_byte_order_mark_is_read(tmp_path: Path, db_url: str) -> None:
    bom = tmp_path / "bom.jsonl"
    bom.write_bytes(b"\xef\xbb\xbf" + EXAMPLE.read_bytes())
    assert _import(db_url, bom).questions == 6  # type: ignore[attr-defined]


def test_an_empty_file_is_refused_and_creates_nothing(
    tmp_path: Path, db_url: str, isolated_database: Path
) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n")
    with pytest.raises(InputError, match="holds no records"):
        _import(db_url, empty)
    assert not isolated_database.exists()


@pytest.mark.parametrize(
    ("index", "changes", "message"),
    [
        (
            1,
            {"opened_on": "2098-01-01", "deadline": "2099-01-01"},
            "line 2: The 'opened_on' 2098-01-01 had not begun anywhere when it was recorded",
        ),
        (
            8,
            {"made_at": "2030-01-01T00:00:00+00:00"},
            "line 9: The forecast was recorded (2021-11-29T11:00:00+00:00) before it was made "
            "(2030-01-01T00:00:00+00:00).",
        ),
        (
            8,
            {"made_at": "2030-01-01T00:00:00+00:00", "recorded_at": None},
            "line 9: The forecast time 2030-01-01T00:00:00+00:00 is in the future.",
        ),
        (
            8,
            {"recorded_at": "2030-01-01T00:00:00+00:00"},
            "line 9: The 'recorded_at' 2030-01-01T00:00:00+00:00 is in the future.",
        ),
        (
            61,
            {"occurred_on": "2099-01-01"},
            "line 62: The 'occurred_on' 2099-01-01 had not begun anywhere when it was recorded",
        ),
        (1, {"number": 10**30}, "line 2: 'number' must be a whole number from 1 to"),
        (2, {"id": "nakhichevan-road-rail"}, "line 3: question id 'nakhichevan-road-rail' appears"),
    ],
)
def test_import_refuses_what_the_commands_refuse(
    tmp_path: Path, db_url: str, index: int, changes: dict[str, object], message: str
) -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[index])
    record.update(changes)
    lines[index] = json.dumps(record)
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(message)):
        _import(db_url, bad)


# --- one set of rules, and the grid -------------------------------------------------------------

QUESTION = {
    "type": "question",
    "id": "q",
    "title": "Talks resume",
    "kind": "binary",
    "deadline": "2021-12-31",
    "opened_on": "2021-11-01",
    "criteria": "Both delegations meet.",
}


def _forecast(**changes: object) -> dict[str, object]:
    return {
        "type": "forecast",
        "question": "q",
        "forecaster": "bo",
        "made_at": "2021-11-02T10:00:00+00:00",
        "recorded_at": "2021-11-02T10:00:00+00:00",
        "probabilities": {"yes": 0.6, "no": 0.4},
        **changes,
    }


def _resolution(**changes: object) -> dict[str, object]:
    return {
        "type": "resolution",
        "question": "q",
        "outcome": "yes",
        "occurred_on": "2021-11-10",
        "recorded_at": "2021-11-10T12:00:00+00:00",
        **changes,
    }


def _file(tmp_path: Path, *records: dict[str, object], name: str = "in.jsonl") -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_an_export_written_before_the_grid_imports_again_and_adds_nothing(
    tmp_path: Path, db_url: str
) -> None:
    # Forecasts as an earlier tracker stored them: float noise, and a rescaled third.
    old = _file(
        tmp_path,
        QUESTION,
        _forecast(probabilities={"yes": 0.675, "no": 0.32499999999999996}),
        _forecast(forecaster="tom", probabilities={"yes": 2 / 3, "no": 1 / 3}),
    )
    first = _import(db_url, old)
    assert first.forecasts == 2  # type: ignore[attr-defined]
    stored = [json.loads(line)["probabilities"] for line in _export(db_url)[1:]]
    assert stored == [{"yes": 0.675, "no": 0.325}, {"yes": 0.666667, "no": 0.333333}]
    again = _import(db_url, old)
    assert (again.added, again.unchanged) == (0, 3)  # type: ignore[attr-defined]


def test_a_ledger_stored_before_the_grid_is_recognised_on_the_grid(
    tmp_path: Path, db_url: str
) -> None:
    from tracker.storage import ledger as store

    with unit_of_work(db_url, write=True, now=NOW) as session:
        added = add_question(
            session=session, title="T", criteria="C", deadline="+1m", created_by="a", now=NOW
        )
        store.insert_forecast(  # as the old code stored "67.5%": no as 1 - yes, in floats
            session,
            question_id=added.question.id,
            forecaster="ani",
            made_at=NOW,
            recorded_at=NOW,
            probabilities={"yes": 0.675, "no": 1 - 0.675},
            rationale=None,
            input_text="likely",
        )
    exported = _file(tmp_path, *[json.loads(line) for line in _export(db_url)])
    assert '"no": 0.32499999999999996' in exported.read_text(encoding="utf-8")
    again = _import(db_url, exported)
    assert again.added == 0  # type: ignore[attr-defined]


def test_decimals_are_imported_as_written(tmp_path: Path, db_url: str) -> None:
    _import(db_url, _file(tmp_path, QUESTION, _forecast(probabilities={"yes": 0.2, "no": 0.8})))
    line = _export(db_url)[-1]
    assert '"probabilities": {"yes": 0.2, "no": 0.8}' in line


def test_a_sum_off_by_a_hair_is_rescaled_onto_the_grid_and_adds_up_to_one(
    tmp_path: Path, db_url: str
) -> None:
    _import(
        db_url,
        _file(tmp_path, QUESTION, _forecast(probabilities={"yes": 0.333, "no": 0.666})),
    )
    assert json.loads(_export(db_url)[-1])["probabilities"] == {"yes": 0.333333, "no": 0.666667}


def test_probabilities_match_options_by_the_option_key(tmp_path: Path, db_url: str) -> None:
    _import(db_url, _file(tmp_path, QUESTION, _forecast(probabilities={"YES": 0.7, "No": 0.3})))
    assert json.loads(_export(db_url)[-1])["probabilities"] == {"yes": 0.7, "no": 0.3}
    twice = _file(tmp_path, QUESTION, _forecast(probabilities={"yes": 0.5, "YES": 0.5}), name="2")
    with pytest.raises(InputError, match="line 2: the probabilities must cover exactly"):
        _import(f"sqlite:///{tmp_path / 'b.db'}", twice)


def test_a_forecast_recorded_before_it_was_made_is_refused(tmp_path: Path, db_url: str) -> None:
    bad = _file(tmp_path, QUESTION, _forecast(made_at="2021-11-02T11:00:00+00:00"))
    with pytest.raises(InputError, match=r"line 2: The forecast was recorded \(2021-11-02T10"):
        _import(db_url, bad)


def test_a_forecast_recorded_after_a_resolution_later_in_the_file_is_refused(
    tmp_path: Path, db_url: str
) -> None:
    bad = _file(
        tmp_path, QUESTION, _forecast(recorded_at="2021-11-11T00:00:00+00:00"), _resolution()
    )
    with pytest.raises(ConflictError, match="line 2: question 'q' was already resolved when"):
        _import(db_url, bad)


def test_a_forecast_recorded_before_the_resolution_is_kept(tmp_path: Path, db_url: str) -> None:
    fine = _file(
        tmp_path, QUESTION, _forecast(recorded_at="2021-11-10T12:00:00+00:00"), _resolution()
    )
    assert _import(db_url, fine).added == 3  # type: ignore[attr-defined]


def test_a_resolution_recorded_before_a_stored_forecast_is_refused(
    tmp_path: Path, db_url: str
) -> None:
    _import(db_url, _file(tmp_path, QUESTION, _forecast(recorded_at="2021-11-20T00:00:00+00:00")))
    with pytest.raises(ConflictError, match="line 1: the resolution of 'q' is recorded at"):
        _import(db_url, _file(tmp_path, _resolution(), name="r.jsonl"))


def test_a_merged_forecast_recorded_before_a_stored_resolution_is_kept(
    tmp_path: Path, db_url: str
) -> None:
    _import(db_url, _file(tmp_path, QUESTION, _resolution()))
    merged = _file(tmp_path, QUESTION, _forecast(), name="m.jsonl")
    assert _import(db_url, merged).forecasts == 1  # type: ignore[attr-defined]
    late = _file(
        tmp_path, _forecast(made_at="2021-11-03T10:00:00+00:00", recorded_at=None), name="l.jsonl"
    )
    with pytest.raises(ConflictError, match="was already resolved when this forecast was recorded"):
        _import(db_url, late)


def test_a_resolution_recorded_before_its_day_began_is_refused(tmp_path: Path, db_url: str) -> None:
    bad = _file(tmp_path, QUESTION, _resolution(recorded_at="2021-11-09T09:00:00+00:00"))
    with pytest.raises(InputError, match="line 2: The 'occurred_on' 2021-11-10 had not begun"):
        _import(db_url, bad)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"created_at": "2030-01-01T00:00:00+00:00"}, "line 1: The 'created_at' 2030-01-01"),
        ({"tags": ["border", "Border"]}, None),
        ({"tags": ["a,b"]}, "line 1: The tag 'a,b' holds a comma"),
        ({"quote": "a passage"}, "line 1: a 'quote' needs the question's 'source'."),
        ({"created_by": "Team (median)"}, "line 1: The 'created_by' 'Team (median)' is reserved"),
        ({"title": "Talks\nresume"}, "line 1: The 'title' contains a line break (U+000A)"),
    ],
)
def test_question_lines_follow_the_commands_rules(
    tmp_path: Path, db_url: str, changes: dict[str, object], message: str | None
) -> None:
    path = _file(tmp_path, {**QUESTION, **changes})
    if message is None:
        _import(db_url, path)
        assert json.loads(_export(db_url)[0])["tags"] == ["border"]
        return
    with pytest.raises(InputError, match=re.escape(message)):
        _import(db_url, path)


def test_names_are_stored_in_nfc_so_one_name_is_one_forecaster(tmp_path: Path, db_url: str) -> None:
    _import(
        db_url,
        _file(
            tmp_path,
            QUESTION,
            _forecast(forecaster="Jose\u0301"),
            _forecast(forecaster="Jos\u00e9", made_at="2021-11-02T09:00:00+00:00"),
        ),
    )
    names = {json.loads(line)["forecaster"] for line in _export(db_url)[1:]}
    assert names == {"Jos\u00e9"}


def test_a_source_published_after_it_was_added_is_refused(tmp_path: Path, db_url: str) -> None:
    source = {
        "type": "source",
        "id": "s",
        "title": "R",
        "url": "https://example.org/r",
        "published_on": "2021-12-01",
        "added_at": "2021-11-29T10:00:00+00:00",
    }
    with pytest.raises(InputError, match="line 1: The 'published_on' 2021-12-01 had not begun"):
        _import(db_url, _file(tmp_path, source))


def test_an_importer_with_a_reserved_name_is_refused(tmp_path: Path, db_url: str) -> None:
    with pytest.raises(InputError, match="The importer's name 'team \\(median\\)' is reserved"):
        import_file(
            url=db_url, path=_file(tmp_path, QUESTION), importer="team (median)", now=AFTER_EXAMPLE
        )


def test_identical_forecasts_are_kept_as_many_times_as_they_were_made(
    tmp_path: Path, db_url: str
) -> None:
    with unit_of_work(db_url, write=True, now=NOW) as session:
        add_question(
            session=session,
            title="T",
            criteria="C",
            deadline="+1m",
            created_by="a",
            now=NOW,
            opened="2021-11-01",
        )
        for _ in range(2):  # the same backfilled forecast entered twice
            record_forecast(
                session=session,
                question="1",
                probability=["60%"],
                forecaster="ani",
                now=NOW,
                made_at="2021-11-20",
            )
    first, second = _round_trip(db_url, tmp_path)
    assert second == first
    assert sum('"type": "forecast"' in line for line in second) == 2


def test_two_sources_alike_without_text_stay_two(tmp_path: Path, db_url: str) -> None:
    from tracker.services.sources import add_source

    with unit_of_work(db_url, write=True, now=NOW) as session:
        for _ in range(2):
            add_source(session=session, added_by="ani", now=NOW, url="https://e.org/r", title="R")
        add_question(
            session=session,
            title="T",
            criteria="C",
            deadline="+1m",
            created_by="a",
            now=NOW,
            source="2",
        )
    first, second = _round_trip(db_url, tmp_path)
    assert second == first
    assert json.loads(second[2])["source"] == "2"


def test_an_amendment_recorded_before_the_resolution_it_corrects_is_refused(
    tmp_path: Path, db_url: str
) -> None:
    """As on the command line, where an amendment is always recorded after what it corrects."""
    question = {
        "type": "question",
        "id": "talks",
        "title": "Talks resume",
        "kind": "binary",
        "options": ["yes", "no"],
        "deadline": "2022-01-31",
        "opened_on": "2021-11-01",
        "criteria": "Both delegations meet.",
    }

    def resolution(outcome: str, recorded_at: str, amends: bool) -> dict[str, object]:
        return {
            "type": "resolution",
            "question": "talks",
            "outcome": outcome,
            "occurred_on": "2021-12-01",
            "recorded_at": recorded_at,
            "amends": amends,
        }

    path = tmp_path / "amended-early.jsonl"
    lines = [
        question,
        resolution("yes", "2022-06-10T09:00:00+00:00", False),
        resolution("no", "2022-06-05T09:00:00+00:00", True),
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    with unit_of_work(db_url, write=True, now=NOW) as session:
        add_question(
            session=session, title="T", criteria="C", deadline="+1m", created_by="a", now=NOW
        )
    with pytest.raises(InputError, match="before the resolution it corrects"):
        _import(db_url, path)
    from tracker.storage import ledger as store

    with unit_of_work(db_url, write=False, now=AFTER_EXAMPLE) as session:
        assert store.question_ids(session) == {1}  # nothing written
