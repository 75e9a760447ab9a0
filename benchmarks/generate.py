"""Synthetic, seeded ledgers in the JSON Lines interchange format, for benchmarks.

    python benchmarks/generate.py --forecasts 100000 --out /tmp/ledger.jsonl

Realistic shape: 5 to 15 analysts per question who update their forecasts over its life, a mix
of binary, multiple-choice and ordered questions opened over two years, most of them resolved
and a few annulled. The same arguments always give the same file. The other shape, a large
personal history brought over from another tool: `--forecasts 100000 --questions 100000
--analysts 1 --binary-only --resolve-all` (one forecast and one outcome per question).
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

START = date(2020, 1, 1)
SPAN_DAYS = 730
OPTIONS = {
    "binary": ["yes", "no"],
    "multiple_choice": ["first", "second", "third", "fourth"],
    "ordered": ["under 10", "10 to 49", "50 to 99", "100 or more"],
}


def _probabilities(
    rng: random.Random, options: list[str], truth: int, skill: float
) -> dict[str, float]:
    weights = [rng.random() + (skill * 3 if k == truth else 0) for k in range(len(options))]
    total = sum(weights)
    values = [round(w / total, 3) for w in weights]
    values = [min(max(v, 0.001), 0.999) for v in values]
    values[-1] = round(1 - sum(values[:-1]), 6)
    if not 0 < values[-1] < 1:  # rounding pushed it out: fall back to an even split
        values = [round(1 / len(options), 6)] * (len(options) - 1)
        values.append(round(1 - sum(values), 6))
    return dict(zip(options, values, strict=True))


def generate(
    *,
    forecasts: int,
    questions: int,
    analysts: int,
    seed: int,
    binary_only: bool,
    resolve_all: bool = False,
) -> list[str]:
    """The lines of a synthetic ledger with about `forecasts` forecasts."""
    rng = random.Random(seed)
    skills = [rng.uniform(0.0, 1.0) for _ in range(analysts)]
    lines: list[str] = []
    plans = []
    for number in range(1, questions + 1):
        kind = "binary" if binary_only else rng.choices(list(OPTIONS), weights=[7, 2, 1])[0]
        options = OPTIONS[kind]
        opened = START + timedelta(days=rng.randrange(SPAN_DAYS - 60))
        deadline = opened + timedelta(days=rng.randrange(30, 365))
        truth = rng.randrange(len(options))
        lines.append(
            json.dumps(
                {
                    "type": "question",
                    "id": f"q{number}",
                    "number": number,
                    "title": f"Synthetic question {number}",
                    "kind": kind,
                    "options": options,
                    "deadline": deadline.isoformat(),
                    "opened_on": opened.isoformat(),
                    "criteria": "Synthetic data for benchmarks.",
                    "tags": [rng.choice(["border", "transport", "prisoners", "talks"])],
                    "created_by": "bench",
                    "created_at": f"{opened.isoformat()}T08:00:00+00:00",
                }
            )
        )
        plans.append((f"q{number}", options, opened, deadline, truth))
    per_question = max(1, forecasts // questions)
    forecast_lines = []
    resolutions = []
    for key, options, opened, deadline, truth in plans:
        window = (deadline - opened).days
        occurred = opened + timedelta(days=rng.randrange(window + 1))
        # A handful of analysts follow a question and update their forecasts over its life.
        followers = rng.sample(range(analysts), k=min(analysts, rng.randint(5, 15)))
        for _ in range(per_question):
            who = rng.choice(followers)
            day = opened + timedelta(days=rng.randrange((occurred - opened).days + 1))
            made = datetime.combine(day, datetime.min.time(), UTC) + timedelta(
                minutes=rng.randrange(24 * 60)
            )
            forecast_lines.append(
                (
                    made,
                    json.dumps(
                        {
                            "type": "forecast",
                            "question": key,
                            "forecaster": f"analyst{who:02d}",
                            "made_at": made.isoformat(),
                            "recorded_at": made.isoformat(),
                            "probabilities": _probabilities(rng, options, truth, skills[who]),
                            "rationale": None,
                        }
                    ),
                )
            )
        roll = rng.random() * (0.9 if resolve_all else 1.0)
        if roll < 0.9:  # 90% resolved, a few of them annulled
            outcome = "annulled" if roll < 0.01 else options[truth]
            resolutions.append(
                json.dumps(
                    {
                        "type": "resolution",
                        "question": key,
                        "outcome": outcome,
                        "occurred_on": occurred.isoformat(),
                        "evidence": "synthetic",
                        "resolved_by": "bench",
                        # The next day: after the forecasts of the day it occurred, which a
                        # resolution may not precede (tracker closes a resolved question).
                        "recorded_at": f"{occurred + timedelta(days=1)}T00:00:00+00:00",
                        "amends": False,
                    }
                )
            )
    forecast_lines.sort(key=lambda item: item[0])
    return lines + [line for _, line in forecast_lines] + resolutions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forecasts", type=int, default=1_000_000)
    parser.add_argument("--questions", type=int, default=None, help="default: forecasts / 50")
    parser.add_argument("--analysts", type=int, default=50)
    parser.add_argument("--seed", type=int, default=2021)
    parser.add_argument("--binary-only", action="store_true")
    parser.add_argument(
        "--resolve-all", action="store_true", help="every question resolved (a few annulled)"
    )
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    questions = args.questions or max(1, args.forecasts // 50)
    lines = generate(
        forecasts=args.forecasts,
        questions=questions,
        analysts=args.analysts,
        seed=args.seed,
        binary_only=args.binary_only,
        resolve_all=args.resolve_all,
    )
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
