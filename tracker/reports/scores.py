"""`tracker score` output: the stable JSON interface and the terminal view."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from tracker.domain import units
from tracker.domain.review import Estimate, SourceAccuracy
from tracker.domain.scoring import (
    AsOfNote,
    Calibration,
    ForecasterSummary,
    QuestionScore,
    ScoreReport,
    calibration_arrays,
    calibration_of,
    calibration_verdict,
    nats_to_bits,
)
from tracker.reports.as_of import as_of_rule_json
from tracker.reports.escapes import json_escaped, visible


def _number(value: float | None) -> float | None:
    """JSON has no infinity: an infinite log loss is written as null (see docs/scoring.md)."""
    if value is None or not math.isfinite(value):
        return None
    return value


def calibration_json(table: Calibration) -> dict[str, Any]:
    """Bins and summaries of a calibration table."""
    murphy = table.murphy
    return {
        "n_pairs": table.n,
        "calibration": [
            {
                "lower": b.lower,
                "upper": b.upper,
                "n": b.n,
                "mean_forecast": b.mean_forecast,
                "observed": b.observed,
                "wilson_low": b.wilson_low,
                "wilson_high": b.wilson_high,
            }
            for b in table.bins
        ],
        "murphy": None
        if murphy is None
        else {
            "brier": murphy.brier,
            "reliability": murphy.reliability,
            "resolution": murphy.resolution,
            "uncertainty": murphy.uncertainty,
            "within_bin_variance": murphy.within_bin_variance,
            "within_bin_covariance": murphy.within_bin_covariance,
        },
        "brier_skill": table.brier_skill,
        "ece": table.ece,
        "overconfidence": table.overconfidence,
        "slope": table.slope,
        "intercept": table.intercept,
    }


def forecaster_json(summary: ForecasterSummary) -> dict[str, Any]:
    """One forecaster's summary (the keys documented in docs/scoring.md)."""
    data: dict[str, Any] = {
        "forecaster": summary.forecaster,
        "team_aggregate": summary.team,
        "n_questions": summary.n_questions,
        "brier": summary.brier,
        "brier_multi": summary.brier_multi,
        "rps": summary.rps,
        "log_loss": _number(summary.log_loss),
        "log_loss_bits": _number(nats_to_bits(summary.log_loss))
        if summary.log_loss is not None
        else None,
        "time_weighted_brier": summary.time_weighted_brier,
        "time_weighted_multi": summary.time_weighted_multi,
        "time_weighted_rps": summary.time_weighted_rps,
        "relative_brier": summary.relative_brier,
        "relative_multi": summary.relative_multi,
        "relative_rps": summary.relative_rps,
        "coverage": summary.coverage,
        "verdict": summary.verdict,
    }
    data.update(calibration_json(summary.calibration))
    return data


def question_score_json(score: QuestionScore, title: str) -> dict[str, Any]:
    """One forecaster's scores on one question."""
    return {
        "question": score.question,
        "title": title,
        "forecaster": score.forecaster,
        "kind": score.kind.value,
        "final_score": score.final_score,
        "time_weighted": score.time_weighted,
        "relative": score.relative,
        "active_days": score.active_days,
        "window_days": score.window_days,
        "coverage": score.coverage,
        "log_loss": _number(score.log_loss),
        "log_loss_bits": _number(nats_to_bits(score.log_loss)),
        "backfilled": score.backfilled,
    }


def score_json(report: ScoreReport) -> dict[str, Any]:
    """The whole `tracker score --json` document."""
    titles = report.titles
    return {
        "as_of": report.as_of.astimezone(UTC).isoformat(),
        "conventions": report.conventions,
        "forecasters": [forecaster_json(f) for f in report.forecasters],
        "questions": [question_score_json(q, titles.get(q.question, "")) for q in report.questions],
        "excluded": report.excluded,
        "as_of_rule": as_of_rule_json(report.as_of_rule),
        "record_head": report.record_head,
        "record_findings": list(report.record_findings),
    }


def _json_number(value: float | None) -> str:
    # float repr is what the json module writes; infinity has no JSON form (see _number).
    return "null" if value is None or not math.isfinite(value) else repr(value)


def _question_row(score: QuestionScore, title: str, text: Callable[[str], str]) -> str:
    """`question_score_json` written directly as text: a million rows are written without a
    dict each (a test checks that both give the same document). `text` encodes a string."""
    bits = nats_to_bits(score.log_loss) if math.isfinite(score.log_loss) else None
    return (
        f'{{"question": {text(score.question)}, "title": {text(title)}, '
        f'"forecaster": {text(score.forecaster)}, "kind": "{score.kind.value}", '
        f'"final_score": {_json_number(score.final_score)}, '
        f'"time_weighted": {_json_number(score.time_weighted)}, '
        f'"relative": {_json_number(score.relative)}, '
        f'"active_days": {score.active_days}, "window_days": {score.window_days}, '
        f'"coverage": {_json_number(score.coverage)}, '
        f'"log_loss": {_json_number(score.log_loss)}, "log_loss_bits": {_json_number(bits)}, '
        f'"backfilled": {"true" if score.backfilled else "false"}}}'
    )


def score_json_chunks(report: ScoreReport) -> Iterator[str]:
    """The same document as `score_json`, as compact text in pieces: a million question rows
    are written one by one instead of being held as one list of dicts and one string. Control,
    bidi and zero-width characters are escaped (`json_escaped`) once per distinct string."""

    def dump(value: Any) -> str:
        # Written to stdout as it is: control, bidi and zero-width characters as \u escapes.
        return json_escaped(json.dumps(value, ensure_ascii=False))

    titles = report.titles
    yield f'{{"as_of": {dump(report.as_of.astimezone(UTC).isoformat())}, '
    yield f'"conventions": {dump(report.conventions)}, "forecasters": ['
    yield ", ".join(dump(forecaster_json(f)) for f in report.forecasters)
    yield '], "questions": ['
    encoded: dict[str, str] = {}  # question ids, titles and names repeat on every row

    def text(value: str) -> str:
        found = encoded.get(value)
        if found is None:
            found = encoded[value] = dump(value)
        return found

    for index, q in enumerate(report.questions):
        row = _question_row(q, titles.get(q.question, ""), text)
        yield row if index == 0 else ", " + row
    yield f'], "excluded": {dump(report.excluded)}, '
    yield f'"as_of_rule": {dump(as_of_rule_json(report.as_of_rule))}, '
    yield f'"record_head": {dump(report.record_head)}, '
    yield f'"record_findings": {dump(list(report.record_findings))}}}\n'


def _fixed(value: float | None, digits: int = 3) -> str:
    if value is None:
        return "-"
    if not math.isfinite(value):
        return "inf"
    return f"{value:.{digits}f}"


def _signed(value: float | None) -> str:
    return "-" if value is None else f"{value:+.3f}"


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{round(value * 100)}%"


_SCORES_CAPTION = (
    "n: questions scored. Brier {brier} on binary; time-w.: its mean over the days of each "
    "question; rel.: own time-w. minus the median of the others (below 0 better); multi: Brier "
    "sum 0-2 on multiple choice; RPS 0-1 on ordered; log loss in bits; cov.: share of the "
    "question's days with a standing forecast (higher is better); over-conf.: confidence minus "
    "hit rate (0 is best, above 0 too sure)."
)


def forecasters_table(forecasters: list[ForecasterSummary], *, two_sided: bool) -> Table:
    """One row per forecaster: final and time-weighted scores, relative, log loss, coverage."""
    # Short headers, the units once in the caption, numbers never wrapped: the table stays a
    # table at 80 columns (tracker.reports.tables stacks it where it cannot).
    table = Table(
        title="Scores (lower is better)",
        title_justify="left",
        caption=_SCORES_CAPTION.format(brier="0-2, two-sided" if two_sided else "0-1"),
        caption_justify="left",
        caption_style="dim",
    )
    table.add_column("forecaster")
    for header in (
        "n",
        "Brier",
        "time-\nw.",
        "rel.",
        "multi",
        "RPS",
        "log\nloss",
        "cov.",
        "over-\nconf.",
    ):
        table.add_column(header, justify="right", no_wrap=True)
    for f in forecasters:
        bits = nats_to_bits(f.log_loss) if f.log_loss is not None else None
        table.add_row(
            Text(visible(f.forecaster), style="italic" if f.team else ""),
            str(f.n_questions),
            _fixed(f.brier),
            _fixed(f.time_weighted_brier),
            _signed(f.relative_brier),
            _fixed(f.brier_multi),
            _fixed(f.rps),
            _fixed(bits, 2),
            _percent(f.coverage),
            units.POINTS.text(f.calibration.overconfidence),
        )
    return table


def calibration_table(table: Calibration, *, title: str) -> Table:
    """The ten bins with n, mean forecast, observed frequency and its Wilson interval."""
    view = Table(title=title, title_justify="left")
    view.add_column("forecast bin")
    view.add_column("n", justify="right")
    view.add_column("mean forecast", justify="right")
    view.add_column("came true", justify="right")
    view.add_column("95% interval", justify="right")
    view.add_column("")
    for b in table.bins:
        interval = (
            "-" if b.wilson_low is None else f"{_percent(b.wilson_low)}-{_percent(b.wilson_high)}"
        )
        flag = Text("call-out", style="yellow") if b.callout else Text("")
        view.add_row(
            f"{round(b.lower * 100)}-{round(b.upper * 100)}%",
            str(b.n),
            _percent(b.mean_forecast),
            _percent(b.observed),
            interval,
            flag,
        )
    return view


def questions_table(questions: list[QuestionScore], titles: dict[str, str]) -> Table:
    """One row per (question, forecaster)."""
    table = Table(title="By question", title_justify="left")
    table.add_column("question", ratio=3, overflow="fold")
    table.add_column("forecaster", overflow="fold")
    table.add_column("final", justify="right")
    table.add_column("time-w.", justify="right")
    table.add_column("relative", justify="right")
    table.add_column("coverage", justify="right")
    for q in questions:
        who = q.forecaster + (" (backfilled)" if q.backfilled else "")
        table.add_row(
            titles.get(q.question, q.question),
            who,
            _fixed(q.final_score),
            _fixed(q.time_weighted),
            _signed(q.relative),
            f"{q.active_days}/{q.window_days} d",
        )
    return table


def _verdicts(forecasters: list[ForecasterSummary]) -> list[Text]:
    """Plain-language lead: who did best against the others, then calibration call-outs."""
    lines = []
    people = [f for f in forecasters if not f.team]
    ranked = sorted(
        (f for f in people if f.relative_brier is not None),
        key=lambda f: f.relative_brier if f.relative_brier is not None else 0.0,
    )
    if len(ranked) > 1:
        best = ranked[0]
        assert best.relative_brier is not None and best.time_weighted_brier is not None
        lines.append(
            Text.assemble(
                (visible(best.forecaster), "bold"),
                " did best on binary questions: time-weighted Brier "
                f"{best.time_weighted_brier:.3f}, {abs(best.relative_brier):.3f} "
                + ("better" if best.relative_brier < 0 else "worse")
                + " than the median of the others on the same days.",
            )
        )
    flagged = [f for f in people if any(b.callout for b in f.calibration.bins)]
    for f in flagged:
        lines.append(Text.assemble((f"{visible(f.forecaster)}: ", "bold"), visible(f.verdict)))
    if people and not flagged:
        smallest = min(f.calibration.n for f in people)
        lines.append(
            Text(
                "No calibration call-out: no one has a bin of 10 or more forecasts that misses "
                f"by 5 points or more beyond its 95% interval (smallest record: {smallest} "
                "forecasts)."
            )
        )
    return lines


def score_view(
    *,
    forecasters: list[ForecasterSummary],
    questions: list[QuestionScore],
    titles: dict[str, str],
    excluded: dict[str, int],
    two_sided: bool,
    show_questions: bool,
    as_of_line: str | None = None,
) -> RenderableType:
    """Verdicts first, then the numbers, the calibration table, and what was left out.

    `as_of_line` (`as_of_sentence`), if any, comes first: what the as-of rule counted."""
    heading: list[RenderableType] = [Text(as_of_line, style="dim")] if as_of_line else []
    if not forecasters:
        return Group(
            *heading, Text("Nothing to score yet: no resolved question has forecasts that count.")
        )
    parts: list[RenderableType] = [*heading, *_verdicts(forecasters)]
    parts.append(forecasters_table(forecasters, two_sided=two_sided))
    teams = {f.forecaster for f in forecasters if f.team}
    # The calibration table pools the people shown (or the team aggregate, if only it is).
    real = [q for q in questions if q.forecaster not in teams] or list(questions)
    pooled = calibration_of(*calibration_arrays(real))
    names = [f.forecaster for f in forecasters if not f.team] or [f.forecaster for f in forecasters]
    label = names[0] if len(names) == 1 else "all forecasters"
    parts.append(calibration_table(pooled, title=f"Calibration of {label} (final forecasts)"))
    if len(names) > 1:
        parts.append(Text(f"All forecasters together: {calibration_verdict(pooled)}"))
    if show_questions:
        parts.append(questions_table(questions, titles))
    left_out = ", ".join(f"{n} {what}" for what, n in excluded.items() if n)
    parts.append(
        Text(
            "Conventions: Brier "
            + ("two-sided 2(p-o)^2" if two_sided else "(p-o)^2")
            + " on binary, sum form on multiple choice, RPS/(K-1) on ordered; daily scores "
            "from the first forecast to the close (UTC days); relative = own minus the median "
            "of the others; forecasts made after the outcome are never scored. "
            "See docs/scoring.md.",
            style="dim",
        )
    )
    if left_out:
        parts.append(Text(f"Not scored: {left_out}.", style="dim"))
    return Group(*parts)


def accuracy_view(
    rows: list[SourceAccuracy], *, by: str, as_of_line: str | None = None
) -> RenderableType:
    """`tracker score --by source|author`: each report's (or author's) record and its questions'
    (after `as_of_line`, if any: what the as-of rule counted)."""
    heading: list[RenderableType] = [Text(as_of_line, style="dim")] if as_of_line else []
    if not rows:
        return Group(
            *heading,
            Text(
                f"No resolved question comes from {'an' if by == 'author' else 'a'} {by} yet.",
                style="dim",
            ),
        )
    table = Table(title=f"Accuracy by {by}", title_justify="left")
    table.add_column(by, overflow="fold", ratio=1, min_width=20)
    table.add_column("scored", justify="right", no_wrap=True)
    table.add_column("report", justify="right", no_wrap=True)
    table.add_column("analysts", justify="right", no_wrap=True)
    table.add_column("team", justify="right", no_wrap=True)
    table.add_column("beat team", justify="right", no_wrap=True)
    for r in rows:
        name = Text(visible(f"{r.title} ({r.key})" if by == "source" else f"{r.key}: {r.title}"))
        if r.forecaster:
            name.append(f"\nits forecaster: {visible(r.forecaster)}", style="dim")
        table.add_row(
            name,
            f"{r.resolved}/{r.questions}",
            _skill(r.report_skill),
            _skill(r.analysts_skill),
            _skill(r.team_skill),
            f"{r.report_wins}/{r.report_compared}" if r.report_compared else "-",
        )
    note = Text(
        "Time-weighted skill against an even spread over the options, every kind of question: "
        "+100% is perfect, 0% no better than an even spread; higher is better. Brier scores "
        "and 95% intervals: --json.",
        style="dim",
    )
    return Group(*heading, table, note)


def _skill(e: Estimate) -> str:
    return units.SKILL.text(e.mean)


def accuracy_json(
    rows: list[SourceAccuracy], *, by: str, as_of: datetime, note: AsOfNote
) -> dict[str, Any]:
    """`tracker score --by ... --json`: the rows as in the review's `by_source`, and how the
    as-of rule counted."""
    from tracker.reports.review_json import plain

    return {
        "by": by,
        "as_of": as_of.astimezone(UTC).isoformat(),
        "as_of_rule": as_of_rule_json(note),
        "rows": plain(rows),
    }
