"""The reference for the import benchmark: the same file's rows inserted with plain `sqlite3`.

    python benchmarks/baseline.py LEDGER.jsonl EMPTY.db

EMPTY.db must hold tracker's empty schema (`tracker db upgrade`). This reads the JSON Lines,
gives every question and forecaster its id, and inserts questions, forecasts and resolutions with
`executemany` in one transaction: no checks, no parsing of probabilities or dates beyond what
the columns need. It is the floor that `tracker import` is measured against.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from datetime import UTC, datetime


def _moment(text: str) -> str:
    return datetime.fromisoformat(text).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def main(source: str, target: str) -> None:
    questions: dict[str, int] = {}
    forecasters: dict[str, int] = {}
    question_rows, forecast_rows, resolution_rows = [], [], []
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    with open(source, encoding="utf-8") as stream:
        for line in stream:
            record = json.loads(line)
            kind = record["type"]
            if kind == "question":
                number = questions[record["id"]] = len(questions) + 1
                question_rows.append(
                    (
                        number,
                        record["title"],
                        record["criteria"],
                        record["kind"],
                        json.dumps(record["options"]),
                        record["deadline"],
                        record["opened_on"],
                        now,
                        "bench",
                    )
                )
            elif kind == "forecast":
                who = forecasters.setdefault(record["forecaster"], len(forecasters) + 1)
                forecast_rows.append(
                    (
                        questions[record["question"]],
                        who,
                        _moment(record["made_at"]),
                        _moment(record["recorded_at"]),
                        json.dumps(record["probabilities"]),
                        record.get("rationale"),
                    )
                )
            elif kind == "resolution":
                resolution_rows.append(
                    (
                        questions[record["question"]],
                        record["outcome"],
                        record["occurred_on"],
                        "bench",
                        now,
                    )
                )
    db = sqlite3.connect(target)
    with db:
        db.executemany(
            "INSERT INTO forecaster (id, name, created_at) VALUES (?, ?, ?)",
            [(i, name, now) for name, i in forecasters.items()],
        )
        db.executemany(
            "INSERT INTO question (id, title, criteria, kind, options, deadline, opened_on, "
            "created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            question_rows,
        )
        db.executemany(
            "INSERT INTO forecast (question_id, forecaster_id, made_at, recorded_at, "
            "probabilities, rationale) VALUES (?, ?, ?, ?, ?, ?)",
            forecast_rows,
        )
        db.executemany(
            "INSERT INTO resolution (question_id, status, outcome, occurred_on, resolved_by, "
            "recorded_at) VALUES (?, 'option', ?, ?, ?, ?)",
            resolution_rows,
        )
    db.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
