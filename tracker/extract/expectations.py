"""Find the expectations in a report: a deterministic, explainable scorer of its sentences.

Every sentence gets points for what marks a forecast (cue words such as "expect", "likely",
"will", "set for", "scenario", "in the coming months", "next"; the report's own emphasis;
words of estimative probability; a date or horizon still to come; alternatives) and loses
points for what marks background (past tense, a date already gone, a negated cue). Each point
is kept as a reason, so the ranking can be read and argued with. No model, no network: the
same text always gives the same candidates. The tables are documented in docs/extraction.md.
"""

from __future__ import annotations

import re
from datetime import date

from dateutil.relativedelta import relativedelta

from tracker.domain.dates import parse_date
from tracker.domain.expectations import (
    OTHER_OUTCOME,
    Candidate,
    Reason,
    Sentence,
    SuggestedDeadline,
    SuggestedProbability,
)
from tracker.errors import InputError
from tracker.extract.sentences import split_sentences

# --- the tables ---------------------------------------------------------------------------------

#: Forward-looking cues: (pattern, weight, label). Patterns are case-insensitive, on word bounds.
CUES: tuple[tuple[str, float, str], ...] = (
    (r"expect(?:s|ed|ing|ation|ations)?", 3.0, "expect"),
    (r"anticipat(?:e|es|ed|ion)", 2.5, "anticipate"),
    (r"forecast(?:s|ed)?|predict(?:s|ed|ion)?", 2.0, "forecast"),
    (r"set for|scheduled|slated|due to", 2.5, "set for"),
    (r"planned|plans? to|is to|are to", 1.5, "planned"),
    (r"scenarios?|options?", 2.0, "scenario"),
    (r"in the coming (?:days|weeks|months|year|years)|in the months ahead|"
     r"in the weeks ahead", 2.0, "in the coming months"),
    (r"next", 1.5, "next"),
    (r"soon|upcoming|forthcoming|coming", 1.5, "soon"),
    (r"will|shall|won't", 1.5, "will"),
    (r"would|could|(?-i:may)|might", 0.5, "may"),
    (r"prospects?|outlook", 1.0, "prospect"),
)  # fmt: skip

#: Words of estimative probability, most specific first: (pattern, low, high, label). The ICD
#: 203 terms keep their ranges; expectations and schedules are read as the nearest ICD term.
HEDGES: tuple[tuple[str, float, float, str], ...] = (
    (r"almost no chance|remote(?:ly)? (?:possible|chance)", 0.01, 0.05, "almost no chance"),
    (r"not (?:be )?expected|no longer expected|not likely|not anticipated", 0.20, 0.45,
     "unlikely (expected not to)"),
    (r"very unlikely|highly unlikely|highly improbable", 0.05, 0.20, "very unlikely"),
    (r"almost certain(?:ly)?|nearly certain(?:ly)?|virtually certain", 0.95, 0.99,
     "almost certain"),
    (r"very likely|highly likely|highly probable", 0.80, 0.95, "very likely"),
    (r"roughly even chance|even chance|toss-up|fifty-fifty", 0.45, 0.55, "roughly even chance"),
    (r"unlikely|improbable|doubtful", 0.20, 0.45, "unlikely"),
    (r"likely|probabl[ey]", 0.55, 0.80, "likely"),
    (r"set for|scheduled|slated", 0.80, 0.95, "very likely (a fixed date)"),
    (r"justified expectation|firm expectation|strong expectation", 0.55, 0.80,
     "likely (an expectation)"),
    (r"expect(?:s|ed|ation|ations)?|anticipat(?:e|es|ed)", 0.55, 0.80, "likely (an expectation)"),
    (r"will|shall", 0.80, 0.95, "very likely (\u201cwill\u201d)"),
    (r"(?-i:may)|might|could|possibl[ey]", 0.20, 0.55, "possible (may, might, could)"),
)  # fmt: skip

#: Vague horizons: (pattern, months, label). Resolved from the publication date.
HORIZONS: tuple[tuple[str, int, str], ...] = (
    (r"in the coming (?:days|week)|in the days ahead|imminent(?:ly)?", 1, "days"),
    (r"in the coming weeks|in the weeks ahead|within weeks|next few weeks", 2, "weeks"),
    (r"next month", 2, "next month"),
    (r"to come soon|come soon|soon|shortly|near[- ]term|short[- ]term", 3, "soon"),
    (r"in the coming months|in the months ahead|within months|next few months|"
     r"coming months", 6, "months"),
    (r"(?:in|by|during) the (?:first|second) quarter|by (?:the )?summer|by mid-year|"
     r"before mid-year|by the middle of the year", 6, "half a year"),
    (r"this year|(?:by|before) (?:the )?(?:end of )?(?:the )?year|in the coming year|next year|"
     r"within a year|year ahead|(?:in|by|during) the (?:third|fourth) quarter|in the autumn|"
     r"by the autumn", 12, "a year"),
    (r"long[- ]term|long and drawn-out|over (?:a )?(?:long|extended) (?:period|timeframe)|"
     r"in the coming years|years ahead", 24, "long term"),
)  # fmt: skip

#: Past-tense and other marks of background (what already happened).
BACKGROUND = re.compile(
    # Not after "be"/"been": "will be signed" is a future passive, not the past.
    r"(?<!\bbe )(?<!\bbeen )\b(?:was|were|had|did|met|took|offered|sought|used|convened|"
    r"organi[sz]ed|failed|freed|has been|have been|has adopted|have adopted|returned|signed|"
    r"agreed|announced)\b",
    re.IGNORECASE,
)
NEGATION = re.compile(r"\b(?:never|no|not|nor|without)\b(?:\W+\w+){0,3}\W+$", re.IGNORECASE)

#: The first HEDGES entries are words of estimative probability proper (they score as a cue).
ESTIMATIVE_HEDGES = 8
#: A sentence announcing a list of expectations ("two main expectations") rather than one.
SUMMARY = re.compile(
    r"\b(?:two|three|four|five|several|a few|main|key|the following)\s+(?:main\s+|key\s+)?"
    r"(?:expectations|scenarios|developments)\b",
    re.IGNORECASE,
)

#: Points for the other signals.
HEDGE_POINTS = 3.0
SUMMARY_POINTS = -2.5
EMPHASIS_POINTS = 1.5
FUTURE_DATE_POINTS = 2.0
HORIZON_POINTS = 1.5
ALTERNATIVES_POINTS = 2.0
PAST_DATE_POINTS = -2.5
BACKGROUND_POINTS = -1.0  # per past-tense word, at most three
NEGATED_POINTS = -3.0
CONTEXT_POINTS = 0.5  # a sentence right after an announced expectation, in the same section
#: A sentence scoring at least this is listed as a candidate.
THRESHOLD = 3.0

_MONTHS = (
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
)
_DATE = re.compile(
    rf"\b(?:(?:by|on|before|until|from)\s+)?(?:the\s+)?"
    rf"(?:(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTHS})(?:\s+(\d{{4}}))?|"
    rf"({_MONTHS})\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?|"
    rf"end of (?:q[1-4]|{_MONTHS})(?:\s+\d{{4}})?)\b",
    re.IGNORECASE,
)
_NEXT_EVENT = re.compile(
    r"\bnext (meeting|summit|round|session|talks|visit|election|vote|conference)\b", re.IGNORECASE
)


def _word(pattern: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE)


_CUES = [(_word(p), w, label) for p, w, label in CUES]
_HEDGES = [(_word(p), low, high, label) for p, low, high, label in HEDGES]
_HORIZONS = [(_word(p), months, label) for p, months, label in HORIZONS]


# --- what a candidate says ----------------------------------------------------------------------


# --- reading one sentence ----------------------------------------------------------------------


def _negated(text: str, start: int) -> bool:
    return bool(NEGATION.search(text[:start]))


def _probability(text: str) -> SuggestedProbability | None:
    for pattern, low, high, label in _HEDGES:
        for match in pattern.finditer(text):
            if not _negated(text, match.start()):
                return SuggestedProbability(low, high, match.group(0), label)
    return None


def _dates(text: str, published: date) -> list[tuple[str, date]]:
    found = []
    for match in _DATE.finditer(text):
        phrase = match.group(0)
        core = re.sub(r"^(?:by|on|before|until|from)\s+(?:the\s+)?", "", phrase, flags=re.I)
        try:
            day = parse_date(core, today=published).value
        except InputError:
            continue
        found.append((phrase, day))
    return found


def _last_occurrence(phrase: str, published: date) -> date | None:
    """For a day and month without a year: the last such day on or before publication."""
    core = re.sub(r"^(?:by|on|before|until|from)\s+(?:the\s+)?", "", phrase, flags=re.I)
    if re.search(r"\d{4}", core):
        return None
    try:
        return parse_date(core, today=published, past=True).value
    except InputError:
        return None


def _horizon(text: str, published: date) -> SuggestedDeadline | None:
    for pattern, months, label in _HORIZONS:
        match = pattern.search(text)
        if match:
            day = published + relativedelta(months=months)
            return SuggestedDeadline(
                day, match.group(0), vague=True, note=f"{label}: read as {months} months"
            )
    return None


_ALTERNATIVE_SPLIT = re.compile(
    r",?\s+or\s+(?:instead|else),?\s+|,\s*or\s+|,\s+(?=\S)|\s+or\s+", re.IGNORECASE
)
#: Alternatives are looked for in this many characters of a sentence at most.
ALTERNATIVES_SPAN = 1_000
_EITHER = re.compile(r"\beither\s+(.+?)\s+or\s+(.+?)(?:[.;]|$)", re.IGNORECASE)
# Where a long option is cut: at a relative clause or a participle that qualifies it.
_CLAUSE = re.compile(
    r"\s+(?:empowered|that|which|who|whose|designed|aimed|intended|in order|so that|thereby)\b"
    r"|,\s",
    re.IGNORECASE,
)
_LEADING_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
#: Options longer than this (in words) are cut at a clause boundary.
OPTION_WORDS = 12


def _option_label(text: str) -> str:
    text = " ".join(text.replace("*", "").split()).strip(" .;:,")
    cut = _CLAUSE.search(text)
    if cut and len(text.split()) > 4:
        text = text[: cut.start()]
    words = text.split()
    if len(words) > OPTION_WORDS:
        text = " ".join(words[:OPTION_WORDS]) + "\u2026"
    return _LEADING_ARTICLE.sub("", text).strip(" .;:,")


def _alternatives(text: str) -> tuple[str, ...]:
    """Options a passage sets side by side ("either A or B"; "two scenarios: A, or instead,
    B"), with OTHER_OUTCOME added; () when there are none."""
    plain = text.replace("*", "")[:ALTERNATIVES_SPAN]
    parts: list[str] = []
    if ":" in plain and re.search(r"\b(?:scenarios?|options?|alternatives?|either)\b", plain, re.I):
        listed = plain.split(":", 1)[1]
        # "A, or instead, B": the clause inside an option keeps its commas only when the list
        # is joined by "or instead"/"or else"; otherwise commas separate options too.
        joiner = re.search(r",?\s+or\s+(?:instead|else),?\s+", listed, re.IGNORECASE)
        if joiner:
            parts = [listed[: joiner.start()], listed[joiner.end() :]]
        else:
            parts = [p for p in _ALTERNATIVE_SPLIT.split(listed) if p.strip()]
    if len(parts) < 2:
        match = _EITHER.search(plain)
        if match and not re.match(r"\s*option\b", match.group(1), re.IGNORECASE):
            rest = re.split(r",?\s+or\s+(?:instead|else),?\s+", match.group(2), flags=re.I)
            parts = [match.group(1), *rest]
    labels: list[str] = []
    for part in parts:
        label = _option_label(part)
        if label and label.lower() not in (x.lower() for x in labels):
            labels.append(label)
    if len(labels) < 2:
        return ()
    return (*labels, OTHER_OUTCOME)


def _read(
    sentence: Sentence, published: date
) -> tuple[float, list[Reason], SuggestedDeadline | None]:
    text = sentence.text
    reasons: list[Reason] = []
    covered: list[tuple[int, int]] = []

    def add(signal: str, words: str, points: float) -> None:
        reasons.append(Reason(signal, words, points))

    for pattern, weight, _label in _CUES:
        for match in pattern.finditer(text):
            span = match.span()
            if any(a < span[1] and span[0] < b for a, b in covered):
                continue  # "in the coming months" is one cue, not also "coming"
            covered.append(span)
            if _negated(text, match.start()) and BACKGROUND.search(text):
                # "there was never any expectation": background, not a forecast.
                add("negated", match.group(0), NEGATED_POINTS)
            else:
                # "it is not expected that ..." still forecasts (that it will not happen).
                add("cue", match.group(0), weight)
            break  # each cue counts once per sentence
    for passage in sentence.emphasis:
        add("emphasis", passage, EMPHASIS_POINTS)
        break
    for pattern, _low, _high, _label in _HEDGES[:ESTIMATIVE_HEDGES]:
        match = pattern.search(text)
        if match and not _negated(text, match.start()):
            add("hedge", match.group(0), HEDGE_POINTS)
            break
    summary = SUMMARY.search(text)
    if summary:
        add("summary", summary.group(0), SUMMARY_POINTS)

    deadline: SuggestedDeadline | None = None
    for phrase, day in _dates(text, published):
        last = _last_occurrence(phrase, published)
        if last is not None and 0 <= (published - last).days <= 60:
            # A day just gone is a past reference ("since 1 November"), not next year's date;
            # in a past-tense sentence it marks background ("met in Sochi on 26 November").
            if BACKGROUND.search(text):
                add("background", phrase, PAST_DATE_POINTS)
            continue
        if day > published and deadline is None:
            deadline = SuggestedDeadline(day, phrase.strip(), vague=False)
            add("date", phrase.strip(), FUTURE_DATE_POINTS)
    if deadline is None:
        deadline = _horizon(text, published)
        if deadline is not None:
            add("horizon", deadline.phrase, HORIZON_POINTS)
    if deadline is None:
        event = _NEXT_EVENT.search(text)
        if event:
            deadline = SuggestedDeadline(None, event.group(0), vague=True, note="no date: ask")

    past = [m.group(0) for m in BACKGROUND.finditer(text)][:3]
    for word in past:
        add("background", word, BACKGROUND_POINTS)
    return sum(r.points for r in reasons), reasons, deadline


# --- the whole text ------------------------------------------------------------------------------


def scan_text(text: str, *, published: date, threshold: float = THRESHOLD) -> list[Candidate]:
    """The sentences of `text` that look like expectations, best first.

    `published` is the day the report came out: dates without a year and vague horizons are
    read from it. Candidates score at least `threshold`; ties keep the order of the text.
    """
    sentences = split_sentences(text)
    read = [_read(s, published) for s in sentences]
    candidates = []
    for index, sentence in enumerate(sentences):
        score, reasons, deadline = read[index]
        # A sentence right after an announced expectation (same section, same or next
        # paragraph) often carries it on: "First, ... there is a justified expectation ...".
        before = read[index - 1] if index else None
        if (
            before is not None
            and sentences[index - 1].section == sentence.section
            and sentence.paragraph - sentences[index - 1].paragraph <= 2
            and any(r.signal == "cue" and r.words.lower().startswith("expect") for r in before[1])
            and score > 0
        ):
            reasons.append(Reason("context", sentences[index - 1].text[:40], CONTEXT_POINTS))
            score += CONTEXT_POINTS
        if deadline is None:
            # No time of its own: take the horizon announced earlier in the same section (not
            # for "the next meeting": that names an event whose date is to be asked for).
            for earlier in range(index - 1, -1, -1):
                if sentences[earlier].section != sentence.section:
                    break
                inherited = read[earlier][2]
                if inherited is not None and inherited.day is not None:
                    deadline = SuggestedDeadline(
                        inherited.day,
                        inherited.phrase,
                        inherited.vague,
                        from_context=True,
                        note=(inherited.note + "; " if inherited.note else "")
                        + "from an earlier sentence",
                    )
                    break
        options = _alternatives(sentence.text)
        if options:
            reasons.append(Reason("alternatives", " | ".join(options[:-1]), ALTERNATIVES_POINTS))
            score += ALTERNATIVES_POINTS
            # "two scenarios: A, or B" lists them: it is not a summary of what follows.
            for reason in [r for r in reasons if r.signal == "summary"]:
                reasons.remove(reason)
                score -= reason.points
        if score < threshold:
            continue
        candidates.append(
            (score, index, sentence, tuple(reasons), _probability(sentence.text), deadline, options)
        )
    candidates.sort(key=lambda c: (-c[0], c[1]))
    return [
        Candidate(rank, round(score, 2), sentence, reasons, probability, deadline, options)
        for rank, (score, _, sentence, reasons, probability, deadline, options) in enumerate(
            candidates, start=1
        )
    ]


def score_sentences(text: str, *, published: date) -> list[tuple[Sentence, float]]:
    """Every sentence with its score (for evaluating the extractor on a labelled corpus)."""
    by_start = {
        c.sentence.start: c.score for c in scan_text(text, published=published, threshold=-1e9)
    }
    return [(s, by_start[s.start]) for s in split_sentences(text)]
